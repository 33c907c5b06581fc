// Package iamapi is a small client for the IAM Query API: the calls that
// key rotation needs (GetUser, ListAccessKeys, CreateAccessKey,
// DeleteAccessKey), sent with awsquery. It is stsapi's
// sibling, for the same reason: the SDK's service clients cost start-up time
// in a binary that starts in every shell. Every error a method returns is
// one line that says what to do; the IAM error under it stays reachable
// with errors.As(err, **Error).
package iamapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/awsquery"
	"github.com/awsenv/awsenv/internal/httpx"
)

// Endpoint is where IAM calls go (awsquery.Endpoint, service "iam"): IAM
// is global, one endpoint per partition, signed for the partition's home
// region.
type Endpoint = awsquery.Endpoint

// partitions are IAM's endpoint and signing region per partition.
var partitions = map[string]Endpoint{
	"aws":        {Service: "iam", URL: "https://iam.amazonaws.com", Region: "us-east-1"},
	"aws-us-gov": {Service: "iam", URL: "https://iam.us-gov.amazonaws.com", Region: "us-gov-west-1"},
	"aws-cn":     {Service: "iam", URL: "https://iam.cn-north-1.amazonaws.com.cn", Region: "cn-north-1"},
	"aws-iso":    {Service: "iam", URL: "https://iam.us-iso-east-1.c2s.ic.gov", Region: "us-iso-east-1"},
	"aws-iso-b":  {Service: "iam", URL: "https://iam.us-isob-east-1.sc2s.sgov.gov", Region: "us-isob-east-1"},
}

// ResolveEndpoint is IAM's endpoint for partition ("" for "aws"):
// $AWS_ENDPOINT_URL_IAM, else $AWS_ENDPOINT_URL, else the partition's.
func ResolveEndpoint(partition string, getenv func(string) string) (Endpoint, error) {
	if partition == "" {
		partition = "aws"
	}
	e, ok := partitions[partition]
	if !ok {
		e.Region = "us-east-1"
	}
	for _, v := range []string{"AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL"} {
		if raw := getenv(v); raw != "" {
			return awsquery.NewEndpoint("iam", raw, v, e.Region, 0, "", httpx.HTTPAllowed(getenv))
		}
	}
	if !ok {
		return Endpoint{}, fmt.Errorf("awsenv knows no IAM endpoint for the partition %q: set AWS_ENDPOINT_URL_IAM", partition)
	}
	return e, nil
}

// NewClient is a client of e that signs with creds and sends through hc
// (nil: httpx.Default()).
func NewClient(e Endpoint, creds aws.CredentialsProvider, hc *http.Client) *Client {
	return &Client{Endpoint: e, Credentials: creds, HTTP: hc}
}

// Client calls IAM with one set of credentials.
type Client struct {
	Endpoint
	// Credentials sign every request: the long-lived keys, or an MFA
	// session when the user's policy asks for MFA.
	Credentials aws.CredentialsProvider
	// HTTP sends the requests; nil means httpx.Default(). Redirects are
	// never followed, whoever built it.
	HTTP *http.Client
	// Attempts is how often a call that is safe to repeat is tried when IAM
	// throttles or fails (5xx); 0 means 3. CreateAccessKey is tried once:
	// a repeat could make a second key.
	Attempts int
	// Now is the signing clock (default time.Now).
	Now func() time.Time
}

// WithCredentials is a copy of c that signs with creds.
func (c *Client) WithCredentials(creds aws.CredentialsProvider) *Client {
	d := *c
	d.Credentials = creds
	return &d
}

// The errors of IAM calls are the Query protocol's: one error type for
// every AWS call awsenv makes, explained by awsquery's one explainer.
type (
	Error       = awsquery.Error
	AnswerError = awsquery.AnswerError
	CallError   = awsquery.CallError
)

// Code is the IAM error code under err ("AccessDenied", "LimitExceeded",
// ...), "" when IAM did not answer with one.
func Code(err error) string { return awsquery.Code(err) }

// Answered reports whether err is IAM's own answer (the call was refused),
// as opposed to a network failure after which the call may or may not have
// happened.
func Answered(err error) bool { return awsquery.Answered(err) }

const apiVersion = "2010-05-08"

// Call sends action with params, tried up to attempts times, and decodes the
// <ActionResult> element of the answer into result (nil: none is expected).
// Its errors are explained.
func (c *Client) Call(ctx context.Context, action string, params url.Values, attempts int, result any) error {
	return c.iam().Do(ctx, action, func(ctx context.Context) error {
		q := &awsquery.Client{URL: c.URL, Service: "iam", Region: c.Region, Version: apiVersion, Credentials: c.Credentials, Signed: true,
			HTTP: c.HTTP, Name: "iam at " + c.Host(), RedirectHint: "set AWS_ENDPOINT_URL_IAM to the endpoint itself, or unset it",
			Attempts: attempts, Now: c.Now}
		return q.Call(ctx, action, params, result)
	})
}

// iam is the client's endpoint, named for messages as IAM's.
func (c *Client) iam() Endpoint {
	ep := c.Endpoint
	ep.Service = "iam"
	return ep
}

func (c *Client) attempts() int {
	if c.Attempts > 0 {
		return c.Attempts
	}
	return 3
}

// User is an IAM user, as GetUser returns it.
type User struct {
	UserName   string    `xml:"UserName"`
	UserID     string    `xml:"UserId"`
	ARN        string    `xml:"Arn"`
	Path       string    `xml:"Path"`
	CreateDate time.Time `xml:"CreateDate"`
}

// GetUser returns the user whose credentials sign the request.
func (c *Client) GetUser(ctx context.Context) (*User, error) {
	var out struct {
		User User `xml:"User"`
	}
	if err := c.Call(ctx, "GetUser", nil, c.attempts(), &out); err != nil {
		return nil, err
	}
	if out.User.UserName == "" {
		return nil, c.iam().Explain(ctx, "GetUser", &AnswerError{Action: "GetUser", Problem: "no UserName"}, 0)
	}
	return &out.User, nil
}

// AccessKey is an access key's metadata, without its secret.
type AccessKey struct {
	UserName    string    `xml:"UserName"`
	AccessKeyID string    `xml:"AccessKeyId"`
	Status      string    `xml:"Status"` // "Active" or "Inactive"
	CreateDate  time.Time `xml:"CreateDate"`
}

// ListAccessKeys lists the user's access keys (IAM allows two).
func (c *Client) ListAccessKeys(ctx context.Context, user string) ([]AccessKey, error) {
	var keys []AccessKey
	marker := ""
	for page := 0; page < 10; page++ {
		p := url.Values{"UserName": {user}}
		if marker != "" {
			p.Set("Marker", marker)
		}
		var out struct {
			Keys        []AccessKey `xml:"AccessKeyMetadata>member"`
			IsTruncated bool        `xml:"IsTruncated"`
			Marker      string      `xml:"Marker"`
		}
		if err := c.Call(ctx, "ListAccessKeys", p, c.attempts(), &out); err != nil {
			return nil, err
		}
		keys = append(keys, out.Keys...)
		if !out.IsTruncated || out.Marker == "" {
			return keys, nil
		}
		marker = out.Marker
	}
	return keys, nil
}

// NewKey is a key CreateAccessKey made: the only time IAM tells its secret.
type NewKey struct {
	AccessKey
	SecretAccessKey string `xml:"SecretAccessKey"`
}

// String shows the key without its secret, so that printing one by mistake
// leaks nothing.
func (k NewKey) String() string { return "access key " + k.AccessKeyID + " of " + k.UserName }

// CreateAccessKey makes a new access key for user. It is sent once, never
// repeated: a repeat could leave a second key nobody knows the secret of.
func (c *Client) CreateAccessKey(ctx context.Context, user string) (*NewKey, error) {
	var out struct {
		Key NewKey `xml:"AccessKey"`
	}
	if err := c.Call(ctx, "CreateAccessKey", url.Values{"UserName": {user}}, 1, &out); err != nil {
		return nil, err
	}
	if out.Key.AccessKeyID == "" || out.Key.SecretAccessKey == "" {
		return nil, c.iam().Explain(ctx, "CreateAccessKey", &AnswerError{Action: "CreateAccessKey", Problem: "a key without AccessKeyId or SecretAccessKey"}, 0)
	}
	return &out.Key, nil
}

// DeleteAccessKey deletes user's key id.
func (c *Client) DeleteAccessKey(ctx context.Context, user, id string) error {
	return c.Call(ctx, "DeleteAccessKey", url.Values{"UserName": {user}, "AccessKeyId": {id}}, c.attempts(), nil)
}
