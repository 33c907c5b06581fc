package stsapi

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

	"github.com/awsenv/awsenv/internal/ststest"
)

func static(id, secret, token string) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token}, nil
	})
}

// stand-in starts the project's STS stand-in on loopback.
func standIn(t *testing.T) (*ststest.Server, string) {
	t.Helper()
	s := ststest.New()
	u, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, u
}

func userClient(u string, user *ststest.User) *Client {
	return &Client{URL: u, Region: "us-east-1", Credentials: static(user.AccessKeyID, user.SecretAccessKey, "")}
}

func stsError(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want an *stsapi.Error", err, err)
	}
	return e
}

// wrongCode is a six-digit code that is not valid for u around now.
func wrongCode(u *ststest.User, now time.Time) string {
	valid := map[string]bool{}
	for _, d := range []time.Duration{-60 * time.Second, -30 * time.Second, 0, 30 * time.Second, 60 * time.Second} {
		valid[u.Code(now.Add(d))] = true
	}
	for i := 0; ; i++ {
		c := fmt.Sprintf("%06d", i*111111%1000000)
		if !valid[c] {
			return c
		}
	}
}

func checkCreds(t *testing.T, c *Credentials, d time.Duration) {
	t.Helper()
	if !strings.HasPrefix(c.AccessKeyID, "ASIA") || c.SecretAccessKey == "" || c.SessionToken == "" {
		t.Errorf("incomplete credentials %+v", c)
	}
	want := time.Now().Add(d)
	if c.Expiration.Before(want.Add(-time.Minute)) || c.Expiration.After(want.Add(time.Minute)) {
		t.Errorf("Expiration %v, want about %v", c.Expiration, want)
	}
}

func TestGetSessionTokenWithoutMFA(t *testing.T) {
	srv, u := standIn(t)
	alice := srv.AddUser("alice", false)
	c := userClient(u, alice)
	creds, err := c.GetSessionToken(context.Background(), time.Hour, "", "")
	if err != nil {
		t.Fatal(err)
	}
	checkCreds(t, creds, time.Hour)
	if n := srv.Count("GetSessionToken"); n != 1 {
		t.Errorf("GetSessionToken sent %d times", n)
	}
	// The session works, and is alice's.
	sc := &Client{URL: u, Region: "us-east-1", Credentials: static(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)}
	id, err := sc.GetCallerIdentity(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if id.ARN != alice.ARN {
		t.Errorf("session ARN %q, want %q", id.ARN, alice.ARN)
	}
}

func TestGetSessionTokenWithMFA(t *testing.T) {
	srv, u := standIn(t)
	bob := srv.AddUser("bob", true)
	c := userClient(u, bob)
	creds, err := c.GetSessionToken(context.Background(), 12*time.Hour, bob.MFASerial, bob.Code(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	checkCreds(t, creds, 12*time.Hour)
}

func TestGetSessionTokenErrors(t *testing.T) {
	srv, u := standIn(t)
	bob := srv.AddUser("bob", true)
	tests := []struct {
		name       string
		duration   time.Duration
		serial     string
		code       func() string
		wantStatus int
		wantCode   string
	}{
		{"wrong code", time.Hour, bob.MFASerial, func() string { return wrongCode(bob, time.Now()) }, 403, "AccessDenied"},
		{"wrong device", time.Hour, bob.MFASerial + "-other", func() string { return bob.Code(time.Now()) }, 403, "AccessDenied"},
		{"duration too short", 10 * time.Second, "", func() string { return "" }, 400, "ValidationError"},
		{"duration too long", 200000 * time.Second, "", func() string { return "" }, 400, "ValidationError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.ResetCounts()
			c := userClient(u, bob)
			c.Attempts = 3
			creds, err := c.GetSessionToken(context.Background(), tt.duration, tt.serial, tt.code())
			if creds != nil {
				t.Errorf("credentials %+v along with error %v", creds, err)
			}
			e := stsError(t, err)
			if e.Status != tt.wantStatus || e.Code != tt.wantCode {
				t.Errorf("error %d %q, want %d %q", e.Status, e.Code, tt.wantStatus, tt.wantCode)
			}
			if e.Message == "" || e.RequestID == "" {
				t.Errorf("error without message or request id: %+v", e)
			}
			if !strings.Contains(err.Error(), tt.wantCode) {
				t.Errorf("Error() = %q", err)
			}
			// Client errors are not retried.
			if n := srv.Count("GetSessionToken"); n != 1 {
				t.Errorf("sent %d times, want 1", n)
			}
		})
	}
}

func TestGetCallerIdentity(t *testing.T) {
	srv, u := standIn(t)
	alice := srv.AddUser("alice", false)
	id, err := userClient(u, alice).GetCallerIdentity(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if id.ARN != alice.ARN || id.ARN != "arn:aws:iam::123456789012:user/alice" || id.Account != srv.AccountID() || id.UserID == "" {
		t.Errorf("identity %+v, want ARN %q account %q", id, alice.ARN, srv.AccountID())
	}

	// A wrong secret is refused once, not retried.
	srv.ResetCounts()
	c := &Client{URL: u, Region: "us-east-1", Credentials: static(alice.AccessKeyID, "wrong"+alice.SecretAccessKey[5:], ""), Attempts: 3}
	_, err = c.GetCallerIdentity(context.Background())
	if e := stsError(t, err); e.Status != 403 || e.Code != "SignatureDoesNotMatch" {
		t.Errorf("error %+v, want 403 SignatureDoesNotMatch", e)
	}
	if n := srv.Total(); n != 1 {
		t.Errorf("sent %d requests, want 1", n)
	}
}

func TestCredentialsError(t *testing.T) {
	var hits atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer ts.Close()
	boom := errors.New("no keys")
	c := &Client{URL: ts.URL, Region: "us-east-1", Attempts: 3,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return aws.Credentials{}, boom })}
	if _, err := c.GetCallerIdentity(context.Background()); !errors.Is(err, boom) {
		t.Errorf("err = %v, want the provider's error", err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests sent without credentials", n)
	}
}

const (
	identityXML = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/alice</Arn>
    <UserId>AIDAEXAMPLE</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>req-ok</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`
	errorXML = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>%s</Code><Message>
    %s
  </Message></Error>
  <RequestId>req-%d</RequestId>
</ErrorResponse>`
)

// reply is one scripted answer: an HTTP status and error code (status 200:
// success; status -1: drop the connection).
type reply struct {
	status int
	code   string
}

// scripted serves the replies in order (the last one repeats) and records
// the requests.
type scripted struct {
	replies []reply
	mu      sync.Mutex
	reqs    []*http.Request
	forms   []url.Values
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	s.mu.Lock()
	n := len(s.reqs)
	s.reqs = append(s.reqs, r)
	s.forms = append(s.forms, r.PostForm)
	rep := s.replies[min(n, len(s.replies)-1)]
	s.mu.Unlock()
	switch rep.status {
	case -1:
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	case http.StatusOK:
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, identityXML)
	default:
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(rep.status)
		fmt.Fprintf(w, errorXML, rep.code, "something went wrong", n)
	}
}

func (s *scripted) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

func TestAttempts(t *testing.T) {
	unavailable := reply{503, "ServiceUnavailable"}
	ok := reply{200, ""}
	tests := []struct {
		name       string
		replies    []reply
		attempts   int
		wantCalls  int
		wantStatus int // 0: success
		wantCode   string
	}{
		{"503 twice then ok, 3 attempts", []reply{unavailable, unavailable, ok}, 3, 3, 0, ""},
		{"503 twice then ok, 1 attempt", []reply{unavailable, unavailable, ok}, 1, 1, 503, "ServiceUnavailable"},
		{"503 twice then ok, 0 attempts means once", []reply{unavailable, unavailable, ok}, 0, 1, 503, "ServiceUnavailable"},
		{"503 twice then ok, 2 attempts", []reply{unavailable, unavailable, ok}, 2, 2, 503, "ServiceUnavailable"},
		{"500 always", []reply{{500, "InternalFailure"}}, 3, 3, 500, "InternalFailure"},
		{"400 is never retried", []reply{{400, "ValidationError"}, ok}, 3, 1, 400, "ValidationError"},
		{"403 is never retried", []reply{{403, "AccessDenied"}, ok}, 3, 1, 403, "AccessDenied"},
		{"throttling is retried", []reply{{400, "Throttling"}, ok}, 2, 2, 0, ""},
		{"throttling exception is retried", []reply{{400, "ThrottlingException"}, ok}, 2, 2, 0, ""},
		{"IdP communication error is retried", []reply{{400, "IDPCommunicationError"}, ok}, 2, 2, 0, ""},
		{"broken connection is retried", []reply{{-1, ""}, ok}, 2, 2, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := &scripted{replies: tt.replies}
			ts := httptest.NewServer(h)
			defer ts.Close()
			c := &Client{URL: ts.URL, Region: "eu-west-1", Credentials: static("AKIAIOSFODNN7EXAMPLE", "secret", ""), Attempts: tt.attempts}
			id, err := c.GetCallerIdentity(context.Background())
			if tt.wantStatus == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if id.ARN != "arn:aws:iam::123456789012:user/alice" || id.Account != "123456789012" || id.UserID != "AIDAEXAMPLE" {
					t.Errorf("identity %+v", id)
				}
			} else {
				e := stsError(t, err)
				if e.Status != tt.wantStatus || e.Code != tt.wantCode || e.Message != "something went wrong" {
					t.Errorf("error %+v, want %d %s with a trimmed message", e, tt.wantStatus, tt.wantCode)
				}
				if want := fmt.Sprintf("req-%d", tt.wantCalls-1); e.RequestID != want {
					t.Errorf("RequestID %q, want the last answer's %q", e.RequestID, want)
				}
			}
			if n := h.count(); n != tt.wantCalls {
				t.Errorf("%d requests, want %d", n, tt.wantCalls)
			}
			// Every attempt carries the whole request, freshly signed.
			for i, f := range h.forms {
				if f.Get("Action") != "GetCallerIdentity" || f.Get("Version") != "2011-06-15" {
					t.Errorf("request %d has form %v", i, f)
				}
				if !strings.HasPrefix(h.reqs[i].Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
					t.Errorf("request %d is not signed", i)
				}
			}
		})
	}
}

// TestCancelEndsRetryWait: a cancelled context ends the wait between
// attempts at once instead of sleeping out the backoff.
func TestCancelEndsRetryWait(t *testing.T) {
	h := &scripted{replies: []reply{{503, "ServiceUnavailable"}}}
	ts := httptest.NewServer(h)
	defer ts.Close()
	c := &Client{URL: ts.URL, Region: "us-east-1", Credentials: static("AKIAIOSFODNN7EXAMPLE", "secret", ""), Attempts: 10}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.GetCallerIdentity(ctx)
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("no error")
	}
	// All the waits would be minutes; that the cancel ends the current
	// one at once is pinned in awsquery, where the wait can be an hour.
	if elapsed > 30*time.Second {
		t.Errorf("returned after %v, want soon after the 50ms cancel", elapsed)
	}
	if n := h.count(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestUnsignedWithoutCredentials(t *testing.T) {
	var got http.Header
	var form url.Values
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		got, form = r.Header.Clone(), r.PostForm
		if r.Method != http.MethodPost {
			t.Errorf("method %s", r.Method)
		}
		fmt.Fprint(w, identityXML)
	}))
	defer ts.Close()
	c := &Client{URL: ts.URL, Region: "us-east-1"}
	if err := c.Call(context.Background(), "GetCallerIdentity", url.Values{"Extra": {"x y"}}, nil); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token"} {
		if v := got.Get(h); v != "" {
			t.Errorf("unsigned request has %s: %q", h, v)
		}
	}
	if ct := got.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		t.Errorf("Content-Type %q", ct)
	}
	if form.Get("Extra") != "x y" || form.Get("Action") != "GetCallerIdentity" {
		t.Errorf("form %v", form)
	}
}

func TestSigned(t *testing.T) {
	var got http.Header
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		fmt.Fprint(w, identityXML)
	}))
	defer ts.Close()
	at := time.Date(2030, 5, 6, 7, 8, 9, 0, time.FixedZone("X", 3600))
	c := &Client{URL: ts.URL, Region: "eu-west-1", Now: func() time.Time { return at },
		Credentials: static("ASIAIOSFODNN7EXAMPLE", "secret", "the-token")}
	if _, err := c.GetCallerIdentity(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := "AWS4-HMAC-SHA256 Credential=ASIAIOSFODNN7EXAMPLE/20300506/eu-west-1/sts/aws4_request"; !strings.HasPrefix(got.Get("Authorization"), want) {
		t.Errorf("Authorization %q, want prefix %q", got.Get("Authorization"), want)
	}
	if d := got.Get("X-Amz-Date"); d != "20300506T060809Z" {
		t.Errorf("X-Amz-Date %q, want the signing clock in UTC", d)
	}
	if tok := got.Get("X-Amz-Security-Token"); tok != "the-token" {
		t.Errorf("X-Amz-Security-Token %q", tok)
	}
	if strings.Contains(got.Get("Authorization"), "secret") {
		t.Error("the secret is in a header")
	}
}

// TestUnreadableSuccess: a 200 without the result element is an error that
// says STS answered something unexpected, and is not retried.
func TestUnreadableSuccess(t *testing.T) {
	tests := []struct {
		name, action, body string
		want               string
	}{
		{"no result", "GetCallerIdentity", `<GetCallerIdentityResponse/>`, "cannot use: no GetCallerIdentityResult element"},
		{"no credentials", "GetSessionToken", `<GetSessionTokenResponse><GetSessionTokenResult></GetSessionTokenResult></GetSessionTokenResponse>`,
			"cannot use: credentials without AccessKeyId, SecretAccessKey, SessionToken, Expiration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				fmt.Fprint(w, tt.body)
			}))
			defer ts.Close()
			c := &Client{URL: ts.URL, Region: "us-east-1", Attempts: 3}
			var err error
			if tt.action == "GetSessionToken" {
				_, err = c.GetSessionToken(context.Background(), time.Hour, "", "")
			} else {
				_, err = c.GetCallerIdentity(context.Background())
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
			if n := hits.Load(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}
