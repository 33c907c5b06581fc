// Package httpx is the one HTTP client policy of every call awsenv makes to
// AWS (STS, the console federation endpoint, the metadata endpoints) and to
// identity providers: bounded in time, TLS 1.2 or later, and never a
// redirect followed.
//
// A request to these endpoints carries credentials: a SigV4 signature and
// X-Amz-Security-Token, an MFA code in the body, a federation session, an
// authorization code or refresh token. Go's client follows 301, 302, 303,
// 307 and 308 by default, and replays the body of a 307 or 308 to wherever
// the Location points, http included. The AWS SDKs do not follow redirects
// for STS; neither does awsenv: a 3xx answer is an error that names the
// endpoint (see Redirected).
package httpx

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// DefaultTimeout bounds a call when Options.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Options say how one client differs from the policy's defaults.
type Options struct {
	// Timeout bounds the connection, the wait for the answer's headers and
	// (unless NoCallTimeout) the whole call; 0 means DefaultTimeout.
	Timeout time.Duration
	// NoCallTimeout leaves the whole call to the caller's context (a login
	// that waits for a person); the connection and the answer's headers are
	// still bounded by Timeout.
	NoCallTimeout bool
	// RootCAs replaces the system's trusted roots (AWS_CA_BUNDLE).
	RootCAs *x509.CertPool
	// NoProxy ignores HTTP_PROXY and HTTPS_PROXY, for link-local and
	// loopback endpoints a proxy cannot reach.
	NoProxy bool
}

// New returns a client with the policy.
func New(o Options) *http.Client {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext
	tr.ResponseHeaderTimeout = timeout
	tr.TLSHandshakeTimeout = min(timeout, 10*time.Second)
	tr.TLSClientConfig = &tls.Config{RootCAs: o.RootCAs, MinVersion: tls.VersionTLS12}
	if o.NoProxy {
		tr.Proxy = nil
	}
	c := &http.Client{Transport: tr, CheckRedirect: NoRedirect}
	if !o.NoCallTimeout {
		c.Timeout = timeout
	}
	return c
}

// Default is a client with the policy and DefaultTimeout, for callers that
// were given none.
func Default() *http.Client { return New(Options{}) }

// Strict returns c (a copy) made to follow no redirect whoever built it,
// or Default() for nil: the packages that send credentials call it on the
// client they are given.
func Strict(c *http.Client) *http.Client {
	if c == nil {
		return Default()
	}
	s := *c
	s.CheckRedirect = NoRedirect
	return &s
}

// NoRedirect is the CheckRedirect of every client of the policy: the 3xx
// answer is returned as it is, and nothing is sent to the Location.
func NoRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Untrusted reports whether err is a TLS certificate the client does not
// trust: trying again cannot help.
func Untrusted(err error) bool {
	var unknownCA x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var hostname x509.HostnameError
	var verify *tls.CertificateVerificationError
	return errors.As(err, &unknownCA) || errors.As(err, &invalid) || errors.As(err, &hostname) || errors.As(err, &verify)
}

// Redirected is the error for a 3xx answer of what (e.g. "sts at
// https://sts.amazonaws.com"), or nil for any other status; hint says what
// to do ("" for a general one). It names where the redirect pointed by
// scheme and host only: a path or query may hold a token.
func Redirected(what string, resp *http.Response, hint string) error {
	if resp.StatusCode < 300 || resp.StatusCode > 399 {
		return nil
	}
	to := "an address it does not give"
	if loc, err := resp.Location(); err == nil {
		to = (&url.URL{Scheme: loc.Scheme, Host: loc.Host}).String()
	}
	if hint == "" {
		hint = "point awsenv at the endpoint itself"
	}
	return &RedirectError{What: what, Status: resp.StatusCode, To: to, Hint: hint}
}

// RedirectError is a 3xx answer that was not followed.
type RedirectError struct {
	What   string
	Status int
	To     string
	Hint   string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("%s answered with a redirect (%d to %s), which awsenv never follows with credentials: %s",
		e.What, e.Status, e.To, e.Hint)
}
