package awsquery

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

// CallError is a failed call explained in one line that says what to do;
// Unwrap reaches what failed under it (an *Error, an *AnswerError, a
// redirect, the network's error).
type CallError struct {
	Service, Action string
	Code            string // the service's error code, "" when it did not answer with one
	msg             string
	err             error
}

// Error is the one-line explanation.
func (e *CallError) Error() string { return e.msg }

// Unwrap is the error explained.
func (e *CallError) Unwrap() error { return e.err }

// Code is the service's error code under err ("AccessDenied", ...), "" when
// the service did not answer with one.
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Answered reports whether err is the service's own answer (the call was
// refused), as opposed to a failure after which the call may or may not
// have happened.
func Answered(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status < 500 && !Throttling(e.Code, e.Status)
}

// Explain words err of a call of action to e that took elapsed: what
// happened, at which endpoint, and what to do. It is the one explainer of
// every AWS call awsenv makes; only what a service's own error codes mean
// differs (words).
func (e Endpoint) Explain(ctx context.Context, action string, err error, elapsed time.Duration) error {
	var ce *CallError
	if errors.As(err, &ce) {
		return err
	}
	out := &CallError{Service: e.service(), Action: action, Code: Code(err), err: err}
	out.msg = e.words(ctx, action, err, elapsed)
	return out
}

func (e Endpoint) words(ctx context.Context, action string, err error, elapsed time.Duration) string {
	svc, host := e.service(), e.Host()
	var api *Error
	if errors.As(err, &api) {
		code, msg := api.Code, xerr.OneLine(api.Message)
		if Throttling(code, api.Status) || api.Status >= 500 {
			return fmt.Sprintf("%s at %s is failing or throttling (%s: %s): try again in a minute", svc, host, code, msg)
		}
		if words := serviceWords[svc]; words != nil {
			if s := words(action, code, msg); s != "" {
				return s
			}
		}
		return fmt.Sprintf("%s refused %s (%s: %s)", svc, action, code, msg)
	}
	var redirect *httpx.RedirectError
	if errors.As(err, &redirect) {
		return redirect.Error()
	}
	var answer *AnswerError
	if errors.As(err, &answer) {
		return fmt.Sprintf("%s at %s answered %s with something awsenv cannot use (%s): check that the endpoint is %s",
			svc, host, answer.Action, answer.Problem, strings.ToUpper(svc))
	}
	var expired *ExpiredError
	if errors.As(err, &expired) {
		return fmt.Sprintf("%s at %s returned credentials that expired at %s, %s before they arrived: check the system clock (date -u) and that the endpoint is %s",
			svc, host, expired.Expiration.UTC().Format(time.RFC3339), roughly(expired.Now.Sub(expired.Expiration)), strings.ToUpper(svc))
	}
	// The call's own deadline is --timeout; a connection or an answer that
	// timed out earlier (the kernel gives up on a dropped SYN after a few
	// retries) says how long it took instead.
	if ctx.Err() == context.Canceled {
		return "interrupted"
	}
	var te interface{ Timeout() bool }
	timedOut := errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &te) && te.Timeout())
	if ctx.Err() == context.DeadlineExceeded || (timedOut && (e.Timeout == 0 || elapsed >= e.Timeout)) {
		within := e.Timeout
		if within == 0 {
			within = elapsed.Round(100 * time.Millisecond)
		}
		return fmt.Sprintf("%s at %s did not answer within %s: check the network or raise --timeout", svc, host, within)
	}
	if httpx.Untrusted(err) {
		return fmt.Sprintf("cannot reach %s at %s: its certificate is not trusted (%s): if the endpoint is right, set AWS_CA_BUNDLE to its CA's PEM file",
			svc, host, xerr.OneLine(xerr.Root(err).Error()))
	}
	if timedOut {
		return fmt.Sprintf("cannot reach %s at %s: no answer after %s (%s): check the network, proxy or %s",
			svc, host, roughly(elapsed), xerr.OneLine(xerr.Root(err).Error()), e.variable())
	}
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &oe) || errors.As(err, &ne) {
		return fmt.Sprintf("cannot reach %s at %s: %s: check the network, proxy or %s", svc, host, xerr.OneLine(xerr.Root(err).Error()), e.variable())
	}
	return fmt.Sprintf("%s call %s to %s failed: %s", svc, action, host, xerr.OneLine(err.Error()))
}

// serviceWords say what a service's own error codes mean to a person; ""
// leaves the general wording.
var serviceWords = map[string]func(action, code, msg string) string{
	"sts": func(action, code, msg string) string {
		switch {
		case code == "AccessDenied" && strings.Contains(msg, "MultiFactorAuthentication"):
			return "the mfa code was refused (wrong, expired or already used): wait for the next code and try again"
		case code == "InvalidClientTokenId":
			return "sts does not know the access key (InvalidClientTokenId): check the key files, the key may be deleted or inactive"
		case code == "SignatureDoesNotMatch":
			return "the secret key does not match the access key (SignatureDoesNotMatch): check the .secret_key file and the system clock"
		case code == "ExpiredToken":
			return "the session credentials used for this call have expired: run 'awsenv forget' and get a new session"
		case code == "InvalidIdentityToken" || code == "ExpiredTokenException" || code == "IDPRejectedClaim":
			return fmt.Sprintf("sts refused the web identity token (%s): %s: log in again or fix the token", code, msg)
		}
		return fmt.Sprintf("sts refused the request (%s): %s", code, msg)
	},
	"iam": func(action, code, msg string) string {
		switch {
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
		}
		return ""
	},
}

// roughly says a duration the way a person would: "10.4s", "3m0s".
func roughly(d time.Duration) string {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// Reworded is e saying msg instead: a caller that knows more of what the
// call was for (which role was refused) says it.
func (e *CallError) Reworded(msg string) *CallError {
	d := *e
	d.msg = msg
	return &d
}
