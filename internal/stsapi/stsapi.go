// Package stsapi is a small client for the AWS STS Query API: the handful of
// actions awsenv calls, signed with the AWS SDK's SigV4 signer.
//
// It exists instead of the SDK's service/sts client for start-up time: that
// client's endpoint-rules engine initialises on every start of the binary,
// and awsenv starts in every shell prompt while calling STS only rarely.
package stsapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/awsenv/awsenv/internal/httpx"
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

// maxAnswer bounds the answer read: STS's are a few kilobytes.
const maxAnswer = 1 << 20

// RegionalURL is the STS endpoint of region, in its partition.
func RegionalURL(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "https://sts." + region + ".amazonaws.com.cn"
	}
	return "https://sts." + region + ".amazonaws.com"
}

// Error is an error STS answered with.
type Error struct {
	Status    int
	Code      string
	Message   string
	RequestID string
}

func (e *Error) Error() string {
	return fmt.Sprintf("sts: %s (%d): %s", e.Code, e.Status, e.Message)
}

func (e *Error) retryable() bool {
	return e.Status >= 500 || e.Throttling() || e.Code == "IDPCommunicationError"
}

// Throttling reports whether STS refused the call for the caller's rate.
func (e *Error) Throttling() bool {
	switch e.Code {
	case "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException":
		return true
	}
	return e.Status == http.StatusTooManyRequests
}

// AnswerError is an answer of STS's that awsenv cannot use: not the XML
// of the action, or credentials without a field.
type AnswerError struct {
	Action  string
	Problem string
}

func (e *AnswerError) Error() string {
	return "sts answered " + e.Action + " with something awsenv cannot use: " + e.Problem
}

// ExpiredError is credentials STS returned that had expired when they
// arrived: a clock far off (this machine's or the endpoint's), or not STS.
type ExpiredError struct {
	Action     string
	Expiration time.Time
	Now        time.Time
}

func (e *ExpiredError) Error() string {
	return fmt.Sprintf("sts answered %s with credentials that expired at %s, %s before they arrived",
		e.Action, e.Expiration.UTC().Format(time.RFC3339), e.Now.Sub(e.Expiration).Round(time.Second))
}

const apiVersion = "2011-06-15"

// Call sends Action with params and decodes the <ActionResult> element of
// the answer into result.
func (c *Client) Call(ctx context.Context, action string, params url.Values, result any) error {
	form := url.Values{"Action": {action}, "Version": {apiVersion}}
	for k, v := range params {
		form[k] = v
	}
	body := []byte(form.Encode())
	attempts := max(c.Attempts, 1)
	var err error
	for i := range attempts {
		if i > 0 {
			select {
			case <-ctx.Done():
				return err
			case <-time.After(time.Duration(100<<i) * time.Millisecond):
			}
		}
		var retry bool
		retry, err = c.do(ctx, action, body, result)
		if err == nil || !retry {
			return err
		}
	}
	return err
}

func (c *Client) do(ctx context.Context, action string, body []byte, result any) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("User-Agent", "awsenv")
	if c.Credentials != nil {
		cr, err := c.Credentials.Retrieve(ctx)
		if err != nil {
			return false, err
		}
		sum := sha256.Sum256(body)
		if err := v4.NewSigner().SignHTTP(ctx, cr, req, hex.EncodeToString(sum[:]), "sts", c.Region, c.now().UTC()); err != nil {
			return false, fmt.Errorf("cannot sign the request: %w", err)
		}
	}
	resp, err := httpx.Strict(c.HTTP).Do(req)
	if err != nil {
		return ctx.Err() == nil && !httpx.Untrusted(err), err
	}
	defer resp.Body.Close()
	if err := httpx.Redirected("sts at "+c.URL, resp, "set AWS_ENDPOINT_URL_STS to the endpoint itself, or unset it"); err != nil {
		return false, err
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return ctx.Err() == nil, err
	}
	if len(data) > maxAnswer {
		return false, &AnswerError{Action: action, Problem: "an answer larger than " + strconv.Itoa(maxAnswer>>20) + " MiB"}
	}
	if resp.StatusCode != http.StatusOK {
		e := parseError(resp.StatusCode, data)
		return e.retryable(), e
	}
	if err := decodeResult(data, action, result); err != nil {
		return false, &AnswerError{Action: action, Problem: oneLine(err.Error())}
	}
	return false, nil
}

func parseError(status int, data []byte) *Error {
	type apiErr struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	// STS sends <ErrorResponse><Error>; some implementations (moto) wrap
	// it in <Errors>.
	var doc struct {
		Error     apiErr `xml:"Error"`
		Errors    apiErr `xml:"Errors>Error"`
		RequestID string `xml:"RequestId"`
	}
	e := &Error{Status: status}
	if xml.Unmarshal(data, &doc) == nil {
		if doc.Error.Code == "" {
			doc.Error = doc.Errors
		}
		if doc.Error.Code != "" {
			e.Code, e.Message, e.RequestID = doc.Error.Code, strings.TrimSpace(doc.Error.Message), doc.RequestID
			return e
		}
	}
	e.Code = "HTTP" + strconv.Itoa(status)
	e.Message = http.StatusText(status)
	return e
}

// decodeResult finds <ActionResult> inside <ActionResponse> and decodes it.
func decodeResult(data []byte, action string, result any) error {
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			if err == io.EOF {
				return fmt.Errorf("no %sResult element", action)
			}
			return err
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == action+"Result" {
			if result == nil {
				return nil
			}
			return dec.DecodeElement(result, &se)
		}
	}
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

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

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
