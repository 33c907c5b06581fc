// Package stsapi is a small client for the AWS STS Query API: the handful of
// actions awsenv calls, sent with awsquery.
//
// It exists instead of the SDK's service/sts client for start-up time: that
// client's endpoint-rules engine initialises on every start of the binary,
// and awsenv starts in every shell prompt while calling STS only rarely.
package stsapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/awsquery"
)

// Client calls one STS endpoint with one set of credentials.
type Client struct {
	// URL is the endpoint, e.g. "https://sts.eu-west-1.amazonaws.com".
	URL    string
	Region string
	// Credentials sign the requests; nil sends them unsigned
	// (AssumeRoleWithWebIdentity).
	Credentials aws.CredentialsProvider
	// HTTP sends the requests; nil means httpx.Default(). A client that
	// follows redirects would send the signature, the session token and
	// an MFA code on to wherever STS's answer points.
	HTTP *http.Client
	// Attempts is how often a request is tried when STS is throttling or
	// failing (5xx) or the connection breaks; 0 or 1 means once.
	Attempts int
	// Now is the signing clock (default time.Now), and the clock that
	// credentials STS returns must not have expired by.
	Now func() time.Time
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// The errors of STS calls are the Query protocol's: one error type for
// every AWS call awsenv makes.
type (
	Error        = awsquery.Error
	AnswerError  = awsquery.AnswerError
	ExpiredError = awsquery.ExpiredError
)

const apiVersion = "2011-06-15"

// Call sends Action with params and decodes the <ActionResult> element of
// the answer into result.
func (c *Client) Call(ctx context.Context, action string, params url.Values, result any) error {
	q := &awsquery.Client{URL: c.URL, Service: "sts", Region: c.Region, Version: apiVersion, Credentials: c.Credentials,
		HTTP: c.HTTP, Name: "sts at " + c.URL, RedirectHint: "set AWS_ENDPOINT_URL_STS to the endpoint itself, or unset it",
		Attempts: c.Attempts, RetryCodes: []string{"IDPCommunicationError"}, RequireResult: true, Now: c.Now}
	return q.Call(ctx, action, params, result)
}

// Credentials are temporary credentials as STS returns them.
type Credentials struct {
	AccessKeyID     string    `xml:"AccessKeyId"`
	SecretAccessKey string    `xml:"SecretAccessKey"`
	SessionToken    string    `xml:"SessionToken"`
	Expiration      time.Time `xml:"Expiration"`
}

// checkCreds refuses credentials with a field missing, or that expired
// before they arrived: exported, they would fail at the first call, and
// cached, they would replace a session that still works.
func (c *Client) checkCreds(action string, cr *Credentials) error {
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"AccessKeyId", cr.AccessKeyID}, {"SecretAccessKey", cr.SecretAccessKey}, {"SessionToken", cr.SessionToken},
	} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	if cr.Expiration.IsZero() {
		missing = append(missing, "Expiration")
	}
	if len(missing) > 0 {
		return &AnswerError{Action: action, Problem: "credentials without " + strings.Join(missing, ", ")}
	}
	if now := c.now(); !cr.Expiration.After(now) {
		return &ExpiredError{Action: action, Expiration: cr.Expiration, Now: now}
	}
	return nil
}

func seconds(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) }

// GetSessionToken asks for a session; serial and code are empty without MFA.
func (c *Client) GetSessionToken(ctx context.Context, duration time.Duration, serial, code string) (*Credentials, error) {
	p := url.Values{"DurationSeconds": {seconds(duration)}}
	if serial != "" {
		p.Set("SerialNumber", serial)
		p.Set("TokenCode", code)
	}
	var out struct {
		Credentials Credentials `xml:"Credentials"`
	}
	if err := c.Call(ctx, "GetSessionToken", p, &out); err != nil {
		return nil, err
	}
	if err := c.checkCreds("GetSessionToken", &out.Credentials); err != nil {
		return nil, err
	}
	return &out.Credentials, nil
}

// Identity is what GetCallerIdentity returns.
type Identity struct {
	Account string `xml:"Account"`
	ARN     string `xml:"Arn"`
	UserID  string `xml:"UserId"`
}

// GetCallerIdentity tells whose credentials sign the request.
func (c *Client) GetCallerIdentity(ctx context.Context) (*Identity, error) {
	var out Identity
	if err := c.Call(ctx, "GetCallerIdentity", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
