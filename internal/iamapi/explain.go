package iamapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/awsenv/awsenv/internal/httpx"
	"github.com/awsenv/awsenv/internal/xerr"
)

// CallError is a failed IAM call, explained in one line; Unwrap reaches
// the *Error (or the network error) under it.
type CallError struct {
	Action string
	msg    string
	err    error
}

// Error is the one-line explanation.
func (e *CallError) Error() string { return e.msg }

// Unwrap is the error explained.
func (e *CallError) Unwrap() error { return e.err }

// Code is the IAM error code under err ("AccessDenied", "LimitExceeded",
// ...), "" when IAM did not answer with one.
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Answered reports whether err is IAM's own answer (the call was refused),
// as opposed to a network failure after which the call may or may not have
// happened.
func Answered(err error) bool {
	var e *Error
	return errors.As(err, &e) && !e.retryable()
}

// explain words err of action, a call that took elapsed: what happened, at
// which endpoint, and what to do.
func (c *Client) explain(ctx context.Context, action string, err error, elapsed time.Duration) error {
	var ce *CallError
	if errors.As(err, &ce) {
		return err
	}
	return &CallError{Action: action, msg: c.words(ctx, action, err, elapsed), err: err}
}

func (c *Client) words(ctx context.Context, action string, err error, elapsed time.Duration) string {
	host := c.Host()
	var api *Error
	if errors.As(err, &api) {
		code, msg := api.Code, api.Message
		switch {
		case api.Throttling() || api.Status >= 500:
			return fmt.Sprintf("iam at %s is failing or throttling (%s: %s): try again in a minute", host, code, msg)
		case code == "AccessDenied" || code == "AccessDeniedException" || code == "UnauthorizedOperation":
			return fmt.Sprintf("iam refused %s (%s: %s): the user's policy must allow iam:%s on its own user, and if the policy asks for MFA, the call must be signed with an MFA session",
				action, code, msg, action)
		case code == "LimitExceeded" && action == "CreateAccessKey":
			return fmt.Sprintf("iam refused CreateAccessKey (LimitExceeded: %s): the user already has two access keys, the most IAM allows: delete the one not in use first", msg)
		case code == "InvalidClientTokenId":
			return fmt.Sprintf("iam does not know the access key that signed %s (InvalidClientTokenId): the key is deleted or inactive, or too new for IAM to know yet", action)
		case code == "SignatureDoesNotMatch":
			return fmt.Sprintf("iam refused the signature of %s (SignatureDoesNotMatch): the secret key does not match the access key, or the system clock is off", action)
		case code == "ExpiredToken":
			return fmt.Sprintf("the session credentials that signed %s have expired: get a new MFA session and try again", action)
		case code == "NoSuchEntity":
			return fmt.Sprintf("iam refused %s (NoSuchEntity: %s)", action, msg)
		}
		return fmt.Sprintf("iam refused %s (%s: %s)", action, code, msg)
	}
	var redirect *httpx.RedirectError
	if errors.As(err, &redirect) {
		return redirect.Error()
	}
	var answer *AnswerError
	if errors.As(err, &answer) {
		return fmt.Sprintf("iam at %s answered %s with something awsenv cannot use (%s): check that the endpoint is IAM", host, action, answer.Problem)
	}
	if ctx.Err() == context.Canceled {
		return "interrupted"
	}
	var te interface{ Timeout() bool }
	timedOut := errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &te) && te.Timeout())
	if ctx.Err() == context.DeadlineExceeded || timedOut {
		return fmt.Sprintf("iam at %s did not answer %s within %s: check the network or raise --timeout", host, action, elapsed.Round(100*time.Millisecond))
	}
	if httpx.Untrusted(err) {
		return fmt.Sprintf("cannot reach iam at %s: its certificate is not trusted (%s): if the endpoint is right, set AWS_CA_BUNDLE to its CA's PEM file",
			host, xerr.OneLine(xerr.Root(err).Error()))
	}
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &oe) || errors.As(err, &ne) {
		return fmt.Sprintf("cannot reach iam at %s: %s: check the network, proxy or AWS_ENDPOINT_URL_IAM", host, xerr.OneLine(xerr.Root(err).Error()))
	}
	return fmt.Sprintf("iam call %s to %s failed: %s", action, host, strings.TrimSpace(xerr.OneLine(err.Error())))
}
