package awsquery

import (
	"cmp"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/awsenv/awsenv/internal/fsutil"
	"github.com/awsenv/awsenv/internal/httpx"
	"github.com/awsenv/awsenv/internal/xerr"
)

// Endpoint is where one AWS service's calls go, and how long each may
// take: the one description of an AWS endpoint that STS and IAM share.
type Endpoint struct {
	// Service is what requests are signed for and what messages call the
	// endpoint: "sts" (also when empty), "iam".
	Service string
	// URL is the endpoint; "" for STS's regional one (the SDK's rules).
	URL    string
	Region string // the signing region
	// From names the setting the URL came from, "" for AWS's own.
	From    string
	Timeout time.Duration
	// CABundle is a PEM file of trusted roots (AWS_CA_BUNDLE), "" for the system's.
	CABundle string
	// Progress, when set, is told a call starts (what it waits for); the
	// function it returns is called when the call ends.
	Progress func(what string) (done func())
}

// NewEndpoint checks a configured endpoint URL (rawURL, "" for AWS's): it
// must be an http(s) URL, and plain http goes only to this computer unless
// allowHTTP (httpx.CheckPlainHTTP). from names the setting it came from,
// for the error.
func NewEndpoint(service, rawURL, from, region string, timeout time.Duration, caBundle string, allowHTTP bool) (Endpoint, error) {
	e := Endpoint{Service: service, URL: rawURL, From: from, Region: region, Timeout: timeout, CABundle: caBundle}
	if e.URL == "" {
		e.From = ""
		return e, nil
	}
	u, err := url.Parse(e.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		if strings.ToUpper(from) == from { // a variable
			return e, fmt.Errorf("%s=%q is not an http(s) URL: fix or unset it", from, e.URL)
		}
		return e, fmt.Errorf("%s: %q is not an http(s) URL: fix or remove it", from, e.URL)
	}
	if err := httpx.CheckPlainHTTP(e.URL, from, allowHTTP); err != nil {
		return e, err
	}
	return e, nil
}

// RegionalSTS is the STS endpoint of region, in its partition.
func RegionalSTS(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "https://sts." + region + ".amazonaws.com.cn"
	}
	return "https://sts." + region + ".amazonaws.com"
}

// Address is the URL requests go to.
func (e Endpoint) Address() string {
	if e.URL == "" && e.service() == "sts" {
		return RegionalSTS(e.Region)
	}
	return e.URL
}

// Host is what messages call the endpoint: a configured URL as it was
// given, AWS's own by its host name.
func (e Endpoint) Host() string {
	switch {
	case e.URL == "":
		return e.service() + "." + e.Region + ".amazonaws.com"
	case e.From != "":
		return e.URL
	}
	if u, err := url.Parse(e.URL); err == nil && u.Host != "" {
		return u.Host
	}
	return e.URL
}

// variable is the setting a user changes to point the service elsewhere.
func (e Endpoint) variable() string { return "AWS_ENDPOINT_URL_" + strings.ToUpper(e.service()) }

// service is Service, STS when it is not set.
func (e Endpoint) service() string { return cmp.Or(e.Service, "sts") }

// maxCABundle bounds AWS_CA_BUNDLE: the system's whole bundle is 200 KiB.
const maxCABundle = 8 << 20

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
// a device there must not hang or fill the memory of every call.
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

// Do runs call, one call of action, with the endpoint's timeout and
// progress, and turns its error into one line that says what to do (Explain).
func (e Endpoint) Do(ctx context.Context, action string, call func(context.Context) error) error {
	if e.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.Timeout)
		defer cancel()
	}
	if e.Progress != nil {
		defer e.Progress(e.service() + " at " + e.Host())()
	}
	start := time.Now()
	err := call(ctx)
	if err == nil {
		return nil
	}
	return e.Explain(ctx, action, err, time.Since(start))
}
