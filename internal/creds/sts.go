// Package creds builds AWS credentials for an account: each source (the
// long-lived keys, an MFA session, ...) is a small aws.CredentialsProvider,
// and Cached wraps one with the on-disk cache.
package creds

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

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
}

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

// HTTPClient is an HTTP client with the endpoint's timeout and CA bundle.
func (e Endpoint) HTTPClient() (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: e.Timeout, KeepAlive: 30 * time.Second}).DialContext
	tr.ResponseHeaderTimeout = e.Timeout
	if e.CABundle != "" {
		pem, err := os.ReadFile(e.CABundle)
		if err != nil {
			return nil, fmt.Errorf("cannot read AWS_CA_BUNDLE: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("AWS_CA_BUNDLE %s holds no PEM certificates", e.CABundle)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: e.Timeout}, nil
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
	err := fn(ctx)
	if err == nil {
		return nil
	}
	return e.explain(ctx, err)
}

// APIError is an error STS answered with, explained.
type APIError struct {
	Code string
	msg  string
}

func (e *APIError) Error() string { return e.msg }

func (e Endpoint) explain(ctx context.Context, err error) error {
	var api *stsapi.Error
	if errors.As(err, &api) {
		code, msg := api.Code, oneLine(api.Message)
		text := fmt.Sprintf("sts refused the request (%s): %s", code, msg)
		switch {
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
	var ue *url.Error
	if ctx.Err() == context.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ue) && ue.Timeout()) {
		return fmt.Errorf("sts at %s did not answer within %s: check the network or raise --timeout", e.Host(), e.Timeout)
	}
	if ctx.Err() == context.Canceled {
		return errors.New("interrupted")
	}
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &oe) || errors.As(err, &ne) {
		return fmt.Errorf("cannot reach sts at %s: %s: check the network, proxy or AWS_ENDPOINT_URL_STS", e.Host(), oneLine(xerr.Root(err).Error()))
	}
	return fmt.Errorf("sts call failed: %s", oneLine(err.Error()))
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.TrimSuffix(s, ".")
}
