// Package creds builds AWS credentials for an account: each source (the
// long-lived keys, an MFA session, ...) is a small aws.CredentialsProvider,
// and Cached wraps one with the on-disk cache.
package creds

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/awsquery"
	"github.com/awsenv/awsenv/internal/stsapi"
)

// Endpoint is where STS calls go and how long they may take: the one
// endpoint type of every AWS call (awsquery.Endpoint), for service "sts".
type Endpoint = awsquery.Endpoint

// NewEndpoint checks a configured STS endpoint URL (rawURL, "" for the
// region's; from names the setting it came from): awsquery.NewEndpoint.
func NewEndpoint(rawURL, from, region string, timeout time.Duration, caBundle string, allowHTTP bool) (Endpoint, error) {
	return awsquery.NewEndpoint("sts", rawURL, from, region, timeout, caBundle, allowHTTP)
}

// stsClient returns an STS client of e that signs with exactly the given
// credentials. attempts is the number of tries; calls that carry an MFA
// code use 1, since a retried code would be refused as reused.
func stsClient(e Endpoint, c aws.CredentialsProvider, attempts int) (*stsapi.Client, error) {
	hc, err := e.HTTPClient()
	if err != nil {
		return nil, err
	}
	return &stsapi.Client{URL: e.Address(), Region: e.Region, Credentials: c, HTTP: hc, Attempts: attempts}, nil
}

// call runs fn, one call of action, with the endpoint's timeout and turns
// its error into one line that says what to do.
func call(ctx context.Context, e Endpoint, action string, fn func(context.Context) error) error {
	return e.Do(ctx, action, fn)
}

// left says a duration the way a person would: "10.4s", "3m0s", "2h0m0s".
func left(d time.Duration) string {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
