package sso

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/awsenv/awsenv/internal/xerr"
)

// maxResponse bounds what is read of an answer.
const maxResponse = 1 << 20

// The services, as messages name them.
const (
	serviceOIDC   = "sso-oidc"
	servicePortal = "the sso portal"
)

// APIError is a refusal from sso-oidc or the portal: the HTTP status, the
// exception the service names (x-amzn-ErrorType), and its description.
type APIError struct {
	Service   string // "sso-oidc" or "the sso portal"
	Endpoint  string // host[:port]
	Operation string // e.g. CreateToken
	Status    int
	Code      string // e.g. InvalidGrantException, UnauthorizedException
	Message   string // one line, secrets removed
}

func (e *APIError) Error() string {
	msg := e.Code
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return fmt.Sprintf("%s at %s refused %s (%s)", e.Service, e.Endpoint, e.Operation, msg)
}

// Is makes errors.Is(err, ErrTokenRejected) true for the portal's 401 and
// errors.Is(err, ErrNoAccess) for its 403.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrTokenRejected:
		return e.Service == servicePortal && (e.Status == http.StatusUnauthorized || e.Code == "UnauthorizedException")
	case ErrNoAccess:
		return e.Service == servicePortal && (e.Status == http.StatusForbidden || e.Code == "ForbiddenException")
	}
	return false
}

// ErrTokenRejected is what the portal's 401 UnauthorizedException is (for
// errors.Is): the access token expired early or its session was ended.
// Invalidate the token and get a new one, once.
var ErrTokenRejected = errors.New("the sso portal does not accept the access token")

// ErrNoAccess is what the portal's 403 ForbiddenException is (for
// errors.Is): the person has no access to that account or role.
var ErrNoAccess = errors.New("no access to that account or role")

// request is one call to either service.
type request struct {
	service, op string
	base        string // the endpoint
	from        string // the setting the endpoint came from, for hints
	method      string
	path        string
	query       url.Values
	bearer      string // x-amz-sso_bearer_token
	body        any    // JSON-encoded when not nil
	secrets     []string
}

// call sends r and decodes a 200 answer into out (when not nil). It never
// follows a redirect, and each call is bounded by the client's timeout.
func (c *Client) call(ctx context.Context, r request, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	target := r.base + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		data, err := json.Marshal(r.body)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return fmt.Errorf("%s endpoint %q is not usable: %w", r.service, r.base, err)
	}
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "awsenv")
	if r.bearer != "" {
		req.Header.Set("x-amz-sso_bearer_token", r.bearer)
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return c.transportError(ctx, r, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return c.transportError(ctx, r, err)
	}
	if len(data) > maxResponse {
		return fmt.Errorf("%s at %s answered %s with more than 1 MiB: check %s", r.service, host(r.base), r.op, r.fromHint())
	}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return fmt.Errorf("%s at %s answered %s with a redirect (%d) that awsenv does not follow: check %s",
			r.service, host(r.base), r.op, resp.StatusCode, r.fromHint())
	case resp.StatusCode != http.StatusOK:
		return r.apiError(resp, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s at %s answered %s with something that is not its JSON: check %s",
			r.service, host(r.base), r.op, r.fromHint())
	}
	return nil
}

// fromHint says which setting to check when the endpoint misbehaves.
func (r request) fromHint() string {
	if r.from != "" {
		return r.from
	}
	if r.service == serviceOIDC {
		return "the network, proxy or AWS_ENDPOINT_URL_SSO_OIDC"
	}
	return "the network, proxy or AWS_ENDPOINT_URL_SSO"
}

// apiError reads an error answer, as the SDKs do: the exception from the
// x-amzn-ErrorType header (up to a colon), else from the body's __type or
// code; the description from error_description or message.
func (r request) apiError(resp *http.Response, data []byte) *APIError {
	var body struct {
		Type        string `json:"__type"`
		Code        string `json:"code"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
		Message     string `json:"message"`
		MessageCap  string `json:"Message"`
	}
	_ = json.Unmarshal(data, &body)
	code := resp.Header.Get("X-Amzn-Errortype")
	for _, c := range []string{body.Type, body.Code} {
		if code == "" {
			code = c
		}
	}
	if i := strings.IndexAny(code, ":#"); i >= 0 {
		if code[i] == '#' { // a shape ID: namespace#Name
			code = code[i+1:]
		} else {
			code = code[:i]
		}
	}
	if code == "" && body.Error != "" {
		code = body.Error
	}
	if code == "" {
		code = "HTTP " + strconv.Itoa(resp.StatusCode)
	}
	msg := body.Description
	for _, m := range []string{body.Message, body.MessageCap} {
		if msg == "" {
			msg = m
		}
	}
	return &APIError{
		Service: r.service, Endpoint: host(r.base), Operation: r.op, Status: resp.StatusCode,
		Code: clean(code, r.secrets), Message: clean(msg, r.secrets),
	}
}

// transportError explains a call that got no answer.
func (c *Client) transportError(ctx context.Context, r request, err error) error {
	var ue *url.Error
	var ne net.Error
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return fmt.Errorf("%s at %s did not answer %s within %s: check %s or raise --timeout",
			r.service, host(r.base), r.op, c.timeout(), r.fromHint())
	case errors.Is(err, context.Canceled):
		return errors.New("interrupted")
	}
	msg := err.Error()
	if errors.As(err, &ue) {
		msg = ue.Err.Error()
	}
	return fmt.Errorf("cannot reach %s at %s: %s: check %s", r.service, host(r.base), clean(msg, r.secrets), r.fromHint())
}

// clean makes text from the network fit on one line of a message, with
// every secret of the call removed.
func clean(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	s = xerr.Clip(s, 200)
	return strings.TrimSuffix(s, ".")
}

// noRedirects is an http.Client's CheckRedirect that never follows one.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
