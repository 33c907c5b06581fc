package awsquery

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/httpx"
)

var keys = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "secret"}, nil
})

const (
	userXML = `<GetUserResponse><GetUserResult><User><UserName>jb</UserName></User></GetUserResult>
  <ResponseMetadata><RequestId>req-ok</RequestId></ResponseMetadata></GetUserResponse>`
	errorXML = `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>
    something went wrong
  </Message></Error><RequestId>req-%d</RequestId></ErrorResponse>`
)

type user struct {
	Name string `xml:"User>UserName"`
}

// reply is one scripted answer: status 200 is userXML, a 3xx points
// elsewhere, anything else is errorXML with code.
type reply struct {
	status int
	code   string
}

// script serves replies in order (the last one repeats) on 127.0.0.1, and
// records the requests' forms and Authorization headers.
type script struct {
	mu      sync.Mutex
	replies []reply
	forms   []url.Values
	auth    []string
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	s.mu.Lock()
	n := len(s.forms)
	s.forms = append(s.forms, r.PostForm)
	s.auth = append(s.auth, r.Header.Get("Authorization"))
	rep := s.replies[min(n, len(s.replies)-1)]
	s.mu.Unlock()
	switch {
	case rep.status == http.StatusOK:
		fmt.Fprint(w, userXML)
	case rep.status >= 300 && rep.status < 400:
		http.Redirect(w, r, rep.code, rep.status)
	default:
		w.WriteHeader(rep.status)
		fmt.Fprintf(w, errorXML, rep.code, n)
	}
}

func (s *script) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.forms)
}

func serve(t *testing.T, h http.Handler) (*Client, string) {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return &Client{URL: ts.URL, Service: "iam", Region: "us-east-1", Version: "2010-05-08", Credentials: keys,
		Name: "iam at " + ts.URL, RedirectHint: "unset it", Attempts: 3}, ts.URL
}

func TestRetries(t *testing.T) {
	for _, tc := range []struct {
		name      string
		replies   []reply
		retry     []string
		wantCalls int
		wantCode  string // "": success
	}{
		{"5xx then success", []reply{{503, "ServiceUnavailable"}, {500, "InternalFailure"}, {200, ""}}, nil, 3, ""},
		{"5xx always", []reply{{503, "ServiceUnavailable"}}, nil, 3, "ServiceUnavailable"},
		{"throttling then success", []reply{{400, "Throttling"}, {200, ""}}, nil, 2, ""},
		{"429 then success", []reply{{429, "SlowDown"}, {200, ""}}, nil, 2, ""},
		{"4xx is not retried", []reply{{400, "ValidationError"}, {200, ""}}, nil, 1, "ValidationError"},
		{"403 is not retried", []reply{{403, "AccessDenied"}, {200, ""}}, nil, 1, "AccessDenied"},
		{"a RetryCode is", []reply{{400, "IDPCommunicationError"}, {200, ""}}, []string{"IDPCommunicationError"}, 2, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := &script{replies: tc.replies}
			c, _ := serve(t, s)
			c.RetryCodes = tc.retry
			var out user
			err := c.Call(context.Background(), "GetUser", url.Values{"UserName": {"jb"}}, &out)
			if tc.wantCode == "" {
				if err != nil || out.Name != "jb" {
					t.Fatalf("Call = %+v, %v", out, err)
				}
			} else {
				var e *Error
				if !errors.As(err, &e) || e.Code != tc.wantCode || e.Action != "GetUser" || e.Message != "something went wrong" ||
					e.RequestID != fmt.Sprintf("req-%d", tc.wantCalls-1) {
					t.Fatalf("err = %#v, want the last answer's %s", err, tc.wantCode)
				}
			}
			if n := s.count(); n != tc.wantCalls {
				t.Errorf("%d requests, want %d", n, tc.wantCalls)
			}
			for i, f := range s.forms { // every attempt is the whole request, signed
				if f.Get("Action") != "GetUser" || f.Get("Version") != "2010-05-08" || f.Get("UserName") != "jb" {
					t.Errorf("request %d: form %v", i, f)
				}
				if !strings.Contains(s.auth[i], "/us-east-1/iam/aws4_request") {
					t.Errorf("request %d: Authorization %q", i, s.auth[i])
				}
			}
		})
	}
}

// A cancelled context ends the wait between attempts at once instead of
// sleeping it out: the wait is an hour, the test's limit generous.
func TestCancelEndsRetryWait(t *testing.T) {
	s := &script{replies: []reply{{503, "ServiceUnavailable"}}}
	c, _ := serve(t, s)
	c.Attempts, c.Backoff = 3, time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Call(ctx, "GetUser", nil, nil) }()
	for s.count() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		// The server counts the request before the client has read the
		// answer: a cancel that lands first ends the call with itself.
		var e *Error
		if !errors.Is(err, context.Canceled) && (!errors.As(err, &e) || e.Code != "ServiceUnavailable") {
			t.Errorf("err = %v, want the last answer's or the cancel", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the cancel did not end the wait")
	}
	if n := s.count(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// A 3xx is an error naming the endpoint, not followed (httpx's policy)
// even with a client that would, and not retried.
func TestRedirect(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	for _, status := range []int{301, 302, 303, 307, 308} {
		s := &script{replies: []reply{{status, other.URL + "/steal?token=x"}}}
		c, u := serve(t, s)
		c.HTTP = &http.Client{}
		err := c.Call(context.Background(), "GetUser", nil, &user{})
		var re *httpx.RedirectError
		if !errors.As(err, &re) || re.What != "iam at "+u || re.Status != status || re.To != other.URL || re.Hint != "unset it" {
			t.Errorf("%d: err = %v", status, err)
		}
		if n := s.count(); n != 1 {
			t.Errorf("%d: %d requests, want 1", status, n)
		}
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the redirect target got %d requests", n)
	}
}

// Answers that are not the action's XML are an AnswerError, not retried.
func TestUnusableAnswer(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"malformed", `<GetUserResponse><GetUserResult><User><UserName>jb</User`, "XML syntax error"},
		{"truncated", userXML[:40], "XML syntax error"},
		{"html", "<html><body>hello\n\n  world</body></html>", "no GetUserResult element"},
		// The parser's own words would quote the document, which holds
		// the secrets: a bad entity in the middle of a secret key.
		{"entity", "<GetUserResponse><GetUserResult><User><UserName>wJalr&XUtnFEMI;K7MDENG</UserName></User></GetUserResult></GetUserResponse>", "XML syntax error on line 1"},
		{"huge", "<GetUserResponse>" + strings.Repeat(" ", maxAnswer), "an answer larger than 1 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			c, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { n.Add(1); fmt.Fprint(w, tc.body) }))
			err := c.Call(context.Background(), "GetUser", nil, &user{})
			var ae *AnswerError
			if !errors.As(err, &ae) || ae.Action != "GetUser" || !strings.Contains(ae.Problem, tc.want) || strings.Contains(ae.Problem, "\n") ||
				strings.Contains(err.Error(), "XUtnFEMI") {
				t.Errorf("err = %v, want an AnswerError with %q in one line", err, tc.want)
			}
			if n := n.Load(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

// A nil result reads no answer, unless RequireResult.
func TestNilResult(t *testing.T) {
	c, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "<DeleteAccessKeyResponse/>") }))
	if err := c.Call(context.Background(), "DeleteAccessKey", nil, nil); err != nil {
		t.Errorf("without RequireResult: %v", err)
	}
	c.RequireResult = true
	var ae *AnswerError
	if err := c.Call(context.Background(), "DeleteAccessKey", nil, nil); !errors.As(err, &ae) || ae.Problem != "no DeleteAccessKeyResult element" {
		t.Errorf("with RequireResult: %v", err)
	}
}

// Without credentials a request goes unsigned, unless Signed refuses it.
func TestUnsigned(t *testing.T) {
	s := &script{replies: []reply{{200, ""}}}
	c, _ := serve(t, s)
	c.Credentials = nil
	if err := c.Call(context.Background(), "GetUser", nil, &user{}); err != nil || s.auth[0] != "" {
		t.Errorf("err %v, Authorization %q", err, s.auth)
	}
	c.Signed = true
	if err := c.Call(context.Background(), "GetUser", nil, &user{}); err == nil || err.Error() != "no credentials to sign GetUser with" || s.count() != 1 {
		t.Errorf("Signed without credentials: %v, %d requests", err, s.count())
	}
}

func TestParseError(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   Error
	}{
		{"html from a proxy", 502, "<html><body><h1>502 Bad Gateway</h1></body></html>", Error{Status: 502, Code: "HTTP502", Message: "Bad Gateway"}},
		{"plain text", 502, "upstream connect error", Error{Status: 502, Code: "HTTP502", Message: "Bad Gateway"}},
		{"empty", 500, "", Error{Status: 500, Code: "HTTP500", Message: "Internal Server Error"}},
		{"xml without code", 403, "<ErrorResponse><Error><Message>m</Message></Error></ErrorResponse>", Error{Status: 403, Code: "HTTP403", Message: "Forbidden"}},
		{"ErrorResponse", 403, fmt.Sprintf(errorXML, "ExpiredToken", 7),
			Error{Status: 403, Code: "ExpiredToken", Message: "something went wrong", RequestID: "req-7"}},
		{"moto's Errors", 409, "<ErrorResponse><Errors><Error><Code>LimitExceeded</Code><Message>2 keys.</Message></Error></Errors><RequestId>r</RequestId></ErrorResponse>",
			Error{Status: 409, Code: "LimitExceeded", Message: "2 keys.", RequestID: "r"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.want.Action = "GetUser"
			if got := parseError("GetUser", tc.status, []byte(tc.body)); *got != tc.want {
				t.Errorf("parseError = %+v, want %+v", *got, tc.want)
			}
		})
	}
}

func TestDecodeResult(t *testing.T) {
	var u user
	if err := decodeResult([]byte(userXML), "GetUser", &u); err != nil || u.Name != "jb" {
		t.Errorf("decodeResult = %+v, %v", u, err)
	}
	if err := decodeResult([]byte(userXML), "GetUser", nil); err != nil {
		t.Errorf("decodeResult with nil result = %v", err)
	}
	for _, tc := range []struct{ name, data, want string }{
		{"missing result", `<GetUserResponse><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetUserResponse>`, "no GetUserResult element"},
		{"other action", strings.ReplaceAll(userXML, "GetUser", "ListUsers"), "no GetUserResult element"},
		{"empty", ``, "no GetUserResult element"},
		{"html", `<html><body>hello`, ""},
		{"broken xml", `<GetUserResponse><GetUserResult><User>x</Us`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := decodeResult([]byte(tc.data), "GetUser", &user{}); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("decodeResult = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestRegionalSTS(t *testing.T) {
	tests := map[string]string{
		"eu-west-1":      "https://sts.eu-west-1.amazonaws.com",
		"us-east-1":      "https://sts.us-east-1.amazonaws.com",
		"us-gov-west-1":  "https://sts.us-gov-west-1.amazonaws.com",
		"cn-north-1":     "https://sts.cn-north-1.amazonaws.com.cn",
		"cn-northwest-1": "https://sts.cn-northwest-1.amazonaws.com.cn",
	}
	for region, want := range tests {
		if got := RegionalSTS(region); got != want {
			t.Errorf("RegionalSTS(%q) = %q, want %q", region, got, want)
		}
	}
}
