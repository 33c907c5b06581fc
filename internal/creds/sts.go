// Package creds builds AWS credentials for an account: each source (the
// long-lived keys, an MFA session, ...) is a small aws.CredentialsProvider,
// and Cached wraps one with the on-disk cache.
package creds

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/fsutil"
	"github.com/awsenv/awsenv/internal/httpx"
	"github.com/awsenv/awsenv/internal/stsapi"
	"github.com/awsenv/awsenv/internal/xerr"
)

// Endpoint is where STS calls go and how long they may take.
type Endpoint struct {
	// URL overrides the region's STS endpoint ("" for the SDK's rules).
	URL     string
	Region  string
	Timeout time.Duration
	// CABundle is a PEM file of trusted roots (AWS_CA_BUNDLE), "" for the system's.
	CABundle string
	// Progress, when set, is told a call starts (what it waits for); the
	// function it returns is called when the call ends.
	Progress func(what string) (done func())
}

// maxCABundle bounds AWS_CA_BUNDLE: the system's whole bundle is 200 KiB.
const maxCABundle = 8 << 20

// NewEndpoint checks a configured endpoint URL (rawURL, "" for the region's);
// from names the setting it came from, for the error.
func NewEndpoint(rawURL, from, region string, timeout time.Duration, caBundle string) (Endpoint, error) {
	e := Endpoint{URL: rawURL, Region: region, Timeout: timeout, CABundle: caBundle}
	if e.URL != "" {
		u, err := url.Parse(e.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			if strings.ToUpper(from) == from { // a variable
				return e, fmt.Errorf("%s=%q is not an http(s) URL: fix or unset it", from, e.URL)
			}
			return e, fmt.Errorf("%s: %q is not an http(s) URL: fix or remove it", from, e.URL)
		}
	}
	return e, nil
}

// Host is what error messages call the endpoint.
func (e Endpoint) Host() string {
	if e.URL != "" {
		return e.URL
	}
	return "sts." + e.Region + ".amazonaws.com"
}

// HTTPClient is an HTTP client of awsenv's policy (httpx: no redirects)
// with the endpoint's timeout and CA bundle. Every call to AWS and to an
// identity provider goes through one.
func (e Endpoint) HTTPClient() (*http.Client, error) {
	o := httpx.Options{Timeout: e.Timeout}
	if e.CABundle != "" {
		pool, err := readCABundle(e.CABundle)
		if err != nil {
			return nil, err
		}
		o.RootCAs = pool
	}
	return httpx.New(o), nil
}

// readCABundle reads AWS_CA_BUNDLE through the one safe reader: a FIFO or
// a device there must not hang or fill the memory of every STS call.
func readCABundle(path string) (*x509.CertPool, error) {
	const hint = "point AWS_CA_BUNDLE at a PEM file of trusted certificates, or unset it"
	pem, err := fsutil.ReadText(path, maxCABundle)
	if err != nil {
		var re *fsutil.ReadError
		switch {
		case errors.As(err, &re):
			return nil, fmt.Errorf("cannot read AWS_CA_BUNDLE %s: %s: %s", path, re.Problem, hint)
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("AWS_CA_BUNDLE %s does not exist: %s", path, hint)
		}
		return nil, fmt.Errorf("cannot read AWS_CA_BUNDLE %s: %v: %s", path, xerr.Root(err), hint)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("AWS_CA_BUNDLE %s holds no PEM certificates: %s", path, hint)
	}
	return pool, nil
}

// Client returns an STS client that signs with exactly the given credentials.
// attempts is the number of tries; calls that carry an MFA code use 1, since a
// retried code would be refused as reused.
func (e Endpoint) Client(c aws.CredentialsProvider, attempts int) (*stsapi.Client, error) {
	hc, err := e.HTTPClient()
	if err != nil {
		return nil, err
	}
	u := e.URL
	if u == "" {
		u = stsapi.RegionalURL(e.Region)
	}
	return &stsapi.Client{URL: u, Region: e.Region, Credentials: c, HTTP: hc, Attempts: attempts}, nil
}

// call runs fn with the endpoint's timeout and turns its error into one
// line that says what to do.
func (e Endpoint) call(ctx context.Context, fn func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, e.Timeout)
	defer cancel()
	if e.Progress != nil {
		defer e.Progress("sts at " + e.Host())()
	}
	start := time.Now()
	err := fn(ctx)
	if err == nil {
		return nil
	}
	return e.explain(ctx, err, time.Since(start))
}

// APIError is an error STS answered with, explained.
type APIError struct {
	Code string
	msg  string
}

func (e *APIError) Error() string { return e.msg }

// explain words err of a call that took elapsed: what happened, at which
// endpoint, and what to do, in one line.
func (e Endpoint) explain(ctx context.Context, err error, elapsed time.Duration) error {
	var api *stsapi.Error
	if errors.As(err, &api) {
		code, msg := api.Code, xerr.OneLine(api.Message)
		text := fmt.Sprintf("sts refused the request (%s): %s", code, msg)
		switch {
		case api.Throttling() || api.Status >= 500:
			text = fmt.Sprintf("sts at %s is failing or throttling (%s: %s): try again in a minute", e.Host(), code, msg)
		case code == "AccessDenied" && strings.Contains(msg, "MultiFactorAuthentication"):
			text = "the mfa code was refused (wrong, expired or already used): wait for the next code and try again"
		case code == "InvalidClientTokenId":
			text = "sts does not know the access key (InvalidClientTokenId): check the key files, the key may be deleted or inactive"
		case code == "SignatureDoesNotMatch":
			text = "the secret key does not match the access key (SignatureDoesNotMatch): check the .secret_key file and the system clock"
		case code == "ExpiredToken":
			text = "the session credentials used for this call have expired: run 'awsenv forget' and get a new session"
		case code == "InvalidIdentityToken" || code == "ExpiredTokenException" || code == "IDPRejectedClaim":
			text = fmt.Sprintf("sts refused the web identity token (%s): %s: log in again or fix the token", code, msg)
		}
		return &APIError{Code: code, msg: text}
	}
	var redirect *httpx.RedirectError
	if errors.As(err, &redirect) {
		return redirect
	}
	var answer *stsapi.AnswerError
	if errors.As(err, &answer) {
		return fmt.Errorf("sts at %s answered %s with something awsenv cannot use (%s): check that the endpoint is STS",
			e.Host(), answer.Action, answer.Problem)
	}
	var expired *stsapi.ExpiredError
	if errors.As(err, &expired) {
		return fmt.Errorf("sts at %s returned credentials that expired at %s, %s before they arrived: check the system clock (date -u) and that the endpoint is STS",
			e.Host(), expired.Expiration.UTC().Format(time.RFC3339), left(expired.Now.Sub(expired.Expiration)))
	}
	// The call's own deadline is --timeout; a connection or an answer that
	// timed out earlier (the kernel gives up on a dropped SYN after a few
	// retries) says how long it took instead.
	if ctx.Err() == context.Canceled {
		return errors.New("interrupted")
	}
	var te interface{ Timeout() bool }
	timedOut := errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &te) && te.Timeout())
	if ctx.Err() == context.DeadlineExceeded || (timedOut && elapsed >= e.Timeout) {
		return fmt.Errorf("sts at %s did not answer within %s: check the network or raise --timeout", e.Host(), e.Timeout)
	}
	if httpx.Untrusted(err) {
		return fmt.Errorf("cannot reach sts at %s: its certificate is not trusted (%s): if the endpoint is right, set AWS_CA_BUNDLE to its CA's PEM file",
			e.Host(), xerr.OneLine(xerr.Root(err).Error()))
	}
	if timedOut {
		return fmt.Errorf("cannot reach sts at %s: no answer after %s (%s): check the network, proxy or AWS_ENDPOINT_URL_STS",
			e.Host(), left(elapsed), xerr.OneLine(xerr.Root(err).Error()))
	}
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &oe) || errors.As(err, &ne) {
		return fmt.Errorf("cannot reach sts at %s: %s: check the network, proxy or AWS_ENDPOINT_URL_STS", e.Host(), xerr.OneLine(xerr.Root(err).Error()))
	}
	return fmt.Errorf("sts call to %s failed: %s", e.Host(), xerr.OneLine(err.Error()))
}

// left says a duration the way a person would: "10.4s", "3m0s", "2h0m0s".
func left(d time.Duration) string {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
