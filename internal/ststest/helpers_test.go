package ststest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// testClock is a settable clock for Server.SetClock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *testClock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

// newClockedServer returns a server whose clock stands still at the
// current time (so one-time codes do not change during a test).
func newClockedServer() (*Server, *testClock) {
	s := New()
	clk := &testClock{t: time.Now().UTC().Truncate(time.Second)}
	s.SetClock(clk.Now)
	return s, clk
}

func userCreds(u *User) aws.Credentials {
	return aws.Credentials{AccessKeyID: u.AccessKeyID, SecretAccessKey: u.SecretAccessKey}
}

// signed builds a server-side request for target, signs it the way the
// AWS SDK does and returns it.
func signed(t *testing.T, method, target, body string, creds aws.Credentials, service, region string, at time.Time) *http.Request {
	t.Helper()
	return signedWith(t, method, target, body, nil, creds, service, region, at)
}

// signedWith is signed with extra headers set before signing.
func signedWith(t *testing.T, method, target, body string, headers map[string]string, creds aws.Credentials, service, region string, at time.Time) *http.Request {
	t.Helper()
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, target, nil)
	} else {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	sum := sha256.Sum256([]byte(body))
	err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), service, region, at)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// stsCall signs an STS POST with the given form body at the given time.
func stsCall(t *testing.T, body string, creds aws.Credentials, at time.Time) *http.Request {
	t.Helper()
	return signed(t, http.MethodPost, "http://sts.test/", body, creds, "sts", "us-east-1", at)
}

type xmlError struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// serve runs r through s and returns the recorder.
func serve(s *Server, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}

// expectError checks that the answer is an STS error with that status and code.
func expectError(t *testing.T, w *httptest.ResponseRecorder, status int, code string) xmlError {
	t.Helper()
	var e xmlError
	if err := xml.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("error body is not an ErrorResponse: %v\n%s", err, w.Body)
	}
	if w.Code != status || e.Error.Code != code {
		t.Fatalf("got %d %s (%s), want %d %s", w.Code, e.Error.Code, e.Error.Message, status, code)
	}
	if e.RequestID == "" || w.Header().Get("X-Amzn-Requestid") != e.RequestID {
		t.Errorf("request id missing or inconsistent: body %q header %q", e.RequestID, w.Header().Get("X-Amzn-Requestid"))
	}
	return e
}

// expectOK checks a 200 answer and decodes it into v.
func expectOK(t *testing.T, w *httptest.ResponseRecorder, v any) {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d, body %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/xml" {
		t.Errorf("Content-Type %q, want text/xml", ct)
	}
	if err := xml.Unmarshal(w.Body.Bytes(), v); err != nil {
		t.Fatalf("decoding %s: %v", w.Body, err)
	}
}
