// Package awsquery is awsenv's one way to call AWS's Query APIs, which
// stsapi and iamapi share: the Endpoint (where, how long, which CA bundle,
// the plain-http rule), the transport (the form-encoded POST of an action,
// signed with the AWS SDK's SigV4 signer, sent through the httpx policy
// with no redirect followed, tried again on 5xx, throttling or a broken
// connection, the answer's <ErrorResponse> read into an *Error and its
// <ActionResult> decoded), one error type, and the one explainer that turns
// any failure into a line saying what to do (Endpoint.Explain).
package awsquery

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/awsenv/awsenv/internal/httpx"
)

// Client calls one Query API endpoint with one set of credentials.
type Client struct {
	// URL is the endpoint, e.g. "https://sts.eu-west-1.amazonaws.com".
	URL string
	// Service and Region are what requests are signed for ("sts", "iam").
	Service, Region string
	// Version is the API version every request names ("2011-06-15").
	Version string
	// Credentials sign the requests; nil sends them unsigned, unless Signed.
	Credentials aws.CredentialsProvider
	// Signed refuses to send a request without Credentials.
	Signed bool
	// HTTP sends the requests; nil means httpx.Default(). Redirects are
	// never followed, whoever built it: a client that follows would send
	// the signature, the session token and an MFA code on to wherever the
	// answer points.
	HTTP *http.Client
	// Name is what a redirect error calls the endpoint ("sts at <URL>"),
	// and RedirectHint says what to do about one.
	Name, RedirectHint string
	// Attempts is how often a request is tried when the service throttles
	// or fails (5xx) or the connection breaks; 0 or 1 means once.
	Attempts int
	// Backoff is the first wait between attempts, doubled for each next
	// one; 0 means 200ms.
	Backoff time.Duration
	// RetryCodes are error codes tried again besides throttling and 5xx.
	RetryCodes []string
	// RequireResult makes a call with a nil result still require the
	// <ActionResult> element in the answer; otherwise its body is not read.
	RequireResult bool
	// Now is the signing clock (default time.Now).
	Now func() time.Time
}

// maxAnswer bounds the answer read: STS's and IAM's are a few kilobytes.
const maxAnswer = 1 << 20

// Error is an error the service answered with.
type Error struct {
	Action    string
	Status    int
	Code      string
	Message   string // without leading and trailing space
	RequestID string
}

// Error is the action, the code, the status and the message.
func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s (%d): %s", e.Action, e.Code, e.Status, e.Message)
}

// Throttling reports whether the service refused the call for the caller's rate.
func (e *Error) Throttling() bool { return Throttling(e.Code, e.Status) }

// Throttling reports whether an error code and HTTP status are a refusal
// for the caller's rate.
func Throttling(code string, status int) bool {
	switch code {
	case "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException":
		return true
	}
	return status == http.StatusTooManyRequests
}

// AnswerError is an answer awsenv cannot use: too large, or not the XML
// of the action.
type AnswerError struct {
	Action  string
	Problem string // one line
}

// Error says what was answered to which action.
func (e *AnswerError) Error() string {
	return "answered " + e.Action + " with something awsenv cannot use: " + e.Problem
}

// ExpiredError is credentials a service returned that had expired when
// they arrived: a clock far off (this machine's or the endpoint's), or not
// the service.
type ExpiredError struct {
	Action     string
	Expiration time.Time
	Now        time.Time
}

// Error says when the credentials expired, and how long before they arrived.
func (e *ExpiredError) Error() string {
	return fmt.Sprintf("answered %s with credentials that expired at %s, %s before they arrived",
		e.Action, e.Expiration.UTC().Format(time.RFC3339), e.Now.Sub(e.Expiration).Round(time.Second))
}

// Call sends action with params and decodes the <ActionResult> element of
// the answer into result (nil: none is decoded). Its errors are an *Error,
// an *AnswerError, an *httpx.RedirectError, the credentials' own, or the
// network's, each unwrapped.
func (c *Client) Call(ctx context.Context, action string, params url.Values, result any) error {
	form := url.Values{"Action": {action}, "Version": {c.Version}}
	for k, v := range params {
		form[k] = v
	}
	body := []byte(form.Encode())
	var err error
	wait := c.Backoff
	if wait <= 0 {
		wait = 200 * time.Millisecond
	}
	for i := range max(c.Attempts, 1) {
		if i > 0 {
			select {
			case <-ctx.Done():
				return err
			case <-time.After(wait << (i - 1)):
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
	if c.Credentials == nil && c.Signed {
		return false, fmt.Errorf("no credentials to sign %s with", action)
	}
	if c.Credentials != nil {
		cr, err := c.Credentials.Retrieve(ctx)
		if err != nil {
			return false, err
		}
		now := time.Now
		if c.Now != nil {
			now = c.Now
		}
		sum := sha256.Sum256(body)
		if err := v4.NewSigner().SignHTTP(ctx, cr, req, hex.EncodeToString(sum[:]), c.Service, c.Region, now().UTC()); err != nil {
			return false, fmt.Errorf("cannot sign the request: %w", err)
		}
	}
	resp, err := httpx.Strict(c.HTTP).Do(req)
	if err != nil {
		return ctx.Err() == nil && !httpx.Untrusted(err), err
	}
	defer resp.Body.Close()
	if err := httpx.Redirected(c.Name, resp, c.RedirectHint); err != nil {
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
		e := parseError(action, resp.StatusCode, data)
		return e.Status >= 500 || Throttling(e.Code, e.Status) || slices.Contains(c.RetryCodes, e.Code), e
	}
	if result == nil && !c.RequireResult {
		return false, nil
	}
	if err := decodeResult(data, action, result); err != nil {
		return false, &AnswerError{Action: action, Problem: problem(err)}
	}
	return false, nil
}

// problem words what is wrong with an answer without quoting it: the XML
// parser's messages carry pieces of the document (an entity, a name),
// and the answer holds the secret key and the session token.
func problem(err error) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("XML syntax error on line %d", se.Line)
	}
	var ue xml.UnmarshalError
	if errors.As(err, &ue) {
		return "XML that is not the answer's shape"
	}
	var pe *strconv.NumError
	var te *time.ParseError
	if errors.As(err, &pe) || errors.As(err, &te) {
		return "a field that does not parse"
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}

func parseError(action string, status int, data []byte) *Error {
	type apiErr struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	// AWS sends <ErrorResponse><Error>; some implementations (moto) wrap
	// it in <Errors>.
	var doc struct {
		Error     apiErr `xml:"Error"`
		Errors    apiErr `xml:"Errors>Error"`
		RequestID string `xml:"RequestId"`
	}
	e := &Error{Action: action, Status: status}
	if xml.Unmarshal(data, &doc) == nil {
		if doc.Error.Code == "" {
			doc.Error = doc.Errors
		}
		if doc.Error.Code != "" {
			e.Code, e.Message, e.RequestID = doc.Error.Code, strings.TrimSpace(doc.Error.Message), doc.RequestID
			return e
		}
	}
	e.Code, e.Message = "HTTP"+strconv.Itoa(status), http.StatusText(status)
	return e
}

// decodeResult finds <ActionResult> inside <ActionResponse> and decodes it
// into result (nil: only finds it).
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
