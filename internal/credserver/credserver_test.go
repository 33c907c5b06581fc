package credserver

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/render"
	"github.com/awsenv/awsenv/internal/xerr"
)

// testClock is a clock that moves only when told.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *testClock { return &testClock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeProvider hands out numbered credentials that live for life (by the
// clock), or what next returns; with gate set, each call waits on it.
type fakeProvider struct {
	clock *testClock
	life  time.Duration
	calls atomic.Int32
	next  func(n int) (aws.Credentials, error) // nil: fresh credentials
	gate  chan struct{}
}

func (p *fakeProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	n := int(p.calls.Add(1))
	if p.gate != nil {
		select {
		case <-p.gate:
		case <-ctx.Done():
			return aws.Credentials{}, ctx.Err()
		}
	}
	if p.next != nil {
		return p.next(n)
	}
	return p.creds(n), nil
}

func (p *fakeProvider) creds(n int) aws.Credentials {
	return aws.Credentials{
		AccessKeyID: fmt.Sprintf("ASIAFAKE%08d", n), SecretAccessKey: "secret-" + fmt.Sprint(n),
		SessionToken: "token-" + fmt.Sprint(n), CanExpire: true, Expires: p.clock.Now().Add(p.life),
		AccountID: "123456789012",
	}
}

func start(t *testing.T, p aws.CredentialsProvider, opts Options) *Server {
	t.Helper()
	s, err := Start(context.Background(), p, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type reply struct {
	status int
	header http.Header
	body   string
}

// request sends method to path on s with the Authorization values given.
func request(t *testing.T, s *Server, method, path string, auth ...string) reply {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+s.Addr().String()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range auth {
		req.Header.Add("Authorization", a)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) reply {
	t.Helper()
	r, err := send(req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// send is do for other goroutines than the test's.
func send(req *http.Request) (reply, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, string(b)}, err
}

func get(t *testing.T, s *Server) reply { return request(t, s, http.MethodGet, Path, s.Token()) }

// getAsync is get from another goroutine.
func getAsync(s *Server) <-chan reply {
	ch := make(chan reply, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, s.URL(), nil)
		req.Header.Set("Authorization", s.Token())
		r, err := send(req)
		if err != nil {
			r.body = err.Error()
		}
		ch <- r
	}()
	return ch
}

// served checks a 200 answer and returns its credentials.
func served(t *testing.T, a reply) credentialsJSON {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("status %d: %s", a.status, a.body)
	}
	var c credentialsJSON
	if err := json.Unmarshal([]byte(a.body), &c); err != nil {
		t.Fatalf("body %q: %v", a.body, err)
	}
	return c
}

// refused checks an error answer and returns its message.
func refused(t *testing.T, a reply, status int, code string) string {
	t.Helper()
	var e errorJSON
	if err := json.Unmarshal([]byte(a.body), &e); err != nil {
		t.Fatalf("status %d, body %q: %v", a.status, a.body, err)
	}
	if a.status != status || e.Code != code {
		t.Fatalf("got %d %s (%s), want %d %s", a.status, e.Code, e.Message, status, code)
	}
	if ct := a.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want exactly application/json (the Go SDK reads error JSON only then)", ct)
	}
	if strings.Contains(a.body, "secret-") || strings.Contains(a.body, "ASIAFAKE") {
		t.Errorf("an error answer holds credentials: %s", a.body)
	}
	return e.Message
}

func TestRefusals(t *testing.T) {
	p := &fakeProvider{clock: newClock(), life: time.Hour}
	s := start(t, p, Options{Now: p.clock.Now})
	tok := s.Token()
	for _, tc := range []struct {
		name, method, path string
		auth               []string
		status             int
		code               string
	}{
		{"no token", "GET", Path, nil, 403, "AccessDenied"},
		{"empty token", "GET", Path, []string{""}, 403, "AccessDenied"},
		{"wrong token", "GET", Path, []string{strings.Repeat("x", len(tok))}, 403, "AccessDenied"},
		{"token prefix", "GET", Path, []string{tok[:len(tok)-1]}, 403, "AccessDenied"},
		{"token and more", "GET", Path, []string{tok + "x"}, 403, "AccessDenied"},
		{"bearer scheme", "GET", Path, []string{"Bearer " + tok}, 403, "AccessDenied"},
		{"two headers", "GET", Path, []string{tok, tok}, 403, "AccessDenied"},
		{"other path without token", "GET", "/latest/meta-data/", nil, 403, "AccessDenied"},
		{"root", "GET", "/", []string{tok}, 404, "NotFound"},
		{"other path", "GET", "/credentials/x", []string{tok}, 404, "NotFound"},
		{"path prefix", "GET", "/credential", []string{tok}, 404, "NotFound"},
		{"POST", "POST", Path, []string{tok}, 405, "MethodNotAllowed"},
		{"PUT", "PUT", Path, []string{tok}, 405, "MethodNotAllowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			refused(t, request(t, s, tc.method, tc.path, tc.auth...), tc.status, tc.code)
		})
	}
	// A browser page that guessed the token still gets nothing.
	req, _ := http.NewRequest("GET", s.URL(), nil)
	req.Header.Set("Authorization", tok)
	req.Header.Set("Origin", "https://evil.example")
	refused(t, do(t, req), 403, "AccessDenied")
	if n := p.calls.Load(); n != 0 {
		t.Errorf("refused requests called the provider %d times", n)
	}
	if st := s.Stats(); st.Requests != 14 || st.Served != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestTokenAndListener(t *testing.T) {
	p := &fakeProvider{clock: newClock(), life: time.Hour}
	s1, s2 := start(t, p, Options{}), start(t, p, Options{})
	if s1.Token() == s2.Token() || len(s1.Token()) < 43 {
		t.Errorf("tokens %q %q: want distinct, 32 random bytes", s1.Token(), s2.Token())
	}
	addr, ok := s1.Addr().(*net.TCPAddr)
	if !ok || !addr.IP.Equal(net.IPv4(127, 0, 0, 1)) || addr.Port == 0 {
		t.Fatalf("listens on %v, want 127.0.0.1", s1.Addr())
	}
	if want := fmt.Sprintf("http://127.0.0.1:%d/credentials", addr.Port); s1.URL() != want {
		t.Errorf("URL %q, want %q", s1.URL(), want)
	}
	port := fmt.Sprint(addr.Port)
	// Bound to 127.0.0.1 itself: neither the rest of 127/8 nor IPv6.
	for _, other := range []string{"127.0.0.2", "::1"} {
		if c, err := net.DialTimeout("tcp", net.JoinHostPort(other, port), time.Second); err == nil {
			c.Close()
			t.Errorf("the server also answers on %s", other)
		}
	}
	env := s1.Env()
	if len(env) != 2 || env[0] != render.ContainerURI+"="+s1.URL() || env[1] != render.ContainerToken+"="+s1.Token() {
		t.Errorf("Env() = %q", env)
	}
	// The token in Env is the one the server wants.
	served(t, request(t, s1, "GET", Path, strings.TrimPrefix(env[1], render.ContainerToken+"=")))
	refused(t, request(t, s1, "GET", Path, s2.Token()), 403, "AccessDenied")
}

func TestServesAndCaches(t *testing.T) {
	clk := newClock()
	p := &fakeProvider{clock: clk, life: time.Hour}
	s := start(t, p, Options{Now: clk.Now})
	a := get(t, s)
	c := served(t, a)
	want := credentialsJSON{AccessKeyID: "ASIAFAKE00000001", SecretAccessKey: "secret-1", Token: "token-1",
		Expiration: clk.Now().Add(time.Hour).Format(time.RFC3339), AccountID: "123456789012"}
	if c != want {
		t.Errorf("served %+v, want %+v", c, want)
	}
	if ct, cc := a.header.Get("Content-Type"), a.header.Get("Cache-Control"); ct != "application/json" || cc != "no-store" {
		t.Errorf("Content-Type %q Cache-Control %q", ct, cc)
	}
	for _, k := range []string{`"AccessKeyId"`, `"SecretAccessKey"`, `"Token"`, `"Expiration"`, `"AccountId"`} {
		if !strings.Contains(a.body, k) {
			t.Errorf("body %s lacks %s", a.body, k)
		}
	}
	clk.Add(30 * time.Minute)
	if c := served(t, get(t, s)); c.AccessKeyID != want.AccessKeyID {
		t.Errorf("refreshed with 30m left: %s", c.AccessKeyID)
	}
	if n := p.calls.Load(); n != 1 {
		t.Errorf("%d provider calls, want 1", n)
	}
	st := s.Stats()
	if st.Requests != 2 || st.Served != 2 || st.ProviderCalls != 1 || st.Failures != 0 || !st.Expires.Equal(clk.Now().Add(30*time.Minute)) {
		t.Errorf("stats %+v", st)
	}
}

func TestRefreshAhead(t *testing.T) {
	clk := newClock()
	p := &fakeProvider{clock: clk, life: time.Hour}
	s := start(t, p, Options{Now: clk.Now})
	served(t, get(t, s))
	clk.Add(39 * time.Minute) // 21m left: more than botocore's 15 and our 20
	if c := served(t, get(t, s)); c.AccessKeyID != "ASIAFAKE00000001" {
		t.Fatalf("refreshed too early: %s", c.AccessKeyID)
	}
	clk.Add(2 * time.Minute) // 19m left
	c := served(t, get(t, s))
	if c.AccessKeyID != "ASIAFAKE00000002" || c.Expiration != clk.Now().Add(time.Hour).Format(time.RFC3339) {
		t.Fatalf("with 19m left got %+v, want fresh credentials", c)
	}
	if n := p.calls.Load(); n != 2 {
		t.Errorf("%d provider calls, want 2", n)
	}
}

// Credentials that live less than twice RefreshBefore are refreshed at half
// their lifetime, and never handed out in their last quarter.
func TestShortLivedScaling(t *testing.T) {
	clk := newClock()
	p := &fakeProvider{clock: clk, life: 8 * time.Second}
	var fail atomic.Bool
	p.next = func(n int) (aws.Credentials, error) {
		if fail.Load() {
			return aws.Credentials{}, errors.New("sts at http://127.0.0.1:1 did not answer within 5s: check the network")
		}
		return p.creds(n), nil
	}
	s := start(t, p, Options{Now: clk.Now})
	served(t, get(t, s))
	clk.Add(3900 * time.Millisecond) // 4.1s left
	if c := served(t, get(t, s)); c.AccessKeyID != "ASIAFAKE00000001" {
		t.Fatalf("refreshed with more than half left: %s", c.AccessKeyID)
	}
	clk.Add(200 * time.Millisecond) // 3.9s left
	if c := served(t, get(t, s)); c.AccessKeyID != "ASIAFAKE00000002" {
		t.Fatalf("not refreshed with less than half left: %s", c.AccessKeyID)
	}
	// Refreshes now fail: the held credentials are served, the provider is
	// asked again only every eighth of the lifetime, and once a quarter
	// is left the failure is the answer.
	fail.Store(true)
	clk.Add(4100 * time.Millisecond) // 3.9s left
	if c := served(t, get(t, s)); c.AccessKeyID != "ASIAFAKE00000002" {
		t.Fatalf("after a failed refresh: %s", c.AccessKeyID)
	}
	served(t, get(t, s))
	if n := p.calls.Load(); n != 3 {
		t.Errorf("%d provider calls, want 3 (paced)", n)
	}
	clk.Add(1100 * time.Millisecond) // 2.8s left, past the 1s pacing
	served(t, get(t, s))
	if n := p.calls.Load(); n != 4 {
		t.Errorf("%d provider calls, want 4", n)
	}
	clk.Add(900 * time.Millisecond) // 1.9s left: less than a quarter
	msg := refused(t, get(t, s), http.StatusBadGateway, "RefreshFailed")
	if !strings.Contains(msg, "did not answer within 5s") {
		t.Errorf("message %q", msg)
	}
	// Nothing usable is held: every request tries again, and the first
	// success is served at once.
	refused(t, get(t, s), http.StatusBadGateway, "RefreshFailed")
	fail.Store(false)
	if c := served(t, get(t, s)); c.AccessKeyID != "ASIAFAKE00000007" {
		t.Errorf("after recovery: %s", c.AccessKeyID)
	}
	if st := s.Stats(); st.ProviderCalls != 7 || st.Failures != 4 {
		t.Errorf("stats %+v", st)
	}
}

func TestNeedsPerson(t *testing.T) {
	clk := newClock()
	p := &fakeProvider{clock: clk, life: time.Hour}
	var expired atomic.Bool
	p.next = func(n int) (aws.Credentials, error) {
		if expired.Load() {
			return aws.Credentials{}, xerr.New(xerr.NeedsPerson,
				errors.New("the mfa session of work has expired\nand no code can be asked for here"),
				"run ec2mfa in a shell, and the server picks the new session up")
		}
		return p.creds(n), nil
	}
	var logged []string
	var mu sync.Mutex
	s := start(t, p, Options{Now: clk.Now, Log: func(m string) { mu.Lock(); logged = append(logged, m); mu.Unlock() }})
	served(t, get(t, s))
	expired.Store(true)
	clk.Add(50 * time.Minute) // 10m left: still served while it lasts
	if c := served(t, get(t, s)); c.AccessKeyID != "ASIAFAKE00000001" {
		t.Fatalf("got %s", c.AccessKeyID)
	}
	clk.Add(9*time.Minute + 30*time.Second) // 30s left
	msg := refused(t, get(t, s), http.StatusUnauthorized, "ActionRequired")
	if want := "the mfa session of work has expired and no code can be asked for here: run ec2mfa in a shell, and the server picks the new session up"; msg != want {
		t.Errorf("message %q, want %q", msg, want)
	}
	expired.Store(false) // the person ran ec2mfa
	if c := served(t, get(t, s)); c.AccessKeyID != "ASIAFAKE00000004" {
		t.Errorf("after ec2mfa: %s", c.AccessKeyID)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(logged) != 3 || !strings.Contains(logged[0], "run ec2mfa") || logged[2] != "credentials refreshed again" {
		t.Errorf("log %q", logged)
	}
}

func TestBadProviderResults(t *testing.T) {
	clk := newClock()
	for _, tc := range []struct {
		name string
		cr   aws.Credentials
		want string
	}{
		{"no keys", aws.Credentials{CanExpire: true, Expires: clk.Now().Add(time.Hour)}, "returned no keys"},
		{"expired", aws.Credentials{AccessKeyID: "A", SecretAccessKey: "B", CanExpire: true, Expires: clk.Now().Add(-time.Second)}, "too soon to hand out"},
		{"expiring now", aws.Credentials{AccessKeyID: "A", SecretAccessKey: "B", CanExpire: true, Expires: clk.Now()}, "too soon to hand out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &fakeProvider{next: func(int) (aws.Credentials, error) { return tc.cr, nil }}
			s := start(t, p, Options{Now: clk.Now})
			if msg := refused(t, get(t, s), http.StatusBadGateway, "RefreshFailed"); !strings.Contains(msg, tc.want) {
				t.Errorf("message %q, want %q", msg, tc.want)
			}
		})
	}
}

// A caching provider may hand back the credentials it already gave: they
// keep their age, and the provider is asked again only every RetryEvery.
func TestSameCredentialsAgain(t *testing.T) {
	clk := newClock()
	first := aws.Credentials{AccessKeyID: "ASIASAME", SecretAccessKey: "s", SessionToken: "t", CanExpire: true, Expires: clk.Now().Add(time.Hour)}
	p := &fakeProvider{next: func(int) (aws.Credentials, error) { return first, nil }}
	s := start(t, p, Options{Now: clk.Now})
	served(t, get(t, s))
	clk.Add(45 * time.Minute) // 15m left: due
	served(t, get(t, s))
	served(t, get(t, s))
	if n := p.calls.Load(); n != 2 {
		t.Errorf("%d provider calls, want 2 (paced)", n)
	}
	clk.Add(31 * time.Second)
	served(t, get(t, s))
	if n := p.calls.Load(); n != 3 {
		t.Errorf("%d provider calls, want 3", n)
	}
	// Their last minute is not served even though the provider offers them.
	clk.Add(14 * time.Minute)
	refused(t, get(t, s), http.StatusBadGateway, "RefreshFailed")
}

func TestStaticCredentials(t *testing.T) {
	clk := newClock()
	p := &fakeProvider{next: func(int) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "AKIASTATIC", SecretAccessKey: "s"}, nil
	}}
	s := start(t, p, Options{Now: clk.Now})
	c := served(t, get(t, s))
	if c.Token != "" || c.Expiration != clk.Now().Add(time.Hour).Format(time.RFC3339) {
		t.Errorf("static: %+v", c)
	}
	clk.Add(48 * time.Hour)
	served(t, get(t, s))
	if n := p.calls.Load(); n != 1 {
		t.Errorf("%d provider calls, want 1", n)
	}
}

// Concurrent requests share one provider call.
func TestOneRefreshForConcurrentRequests(t *testing.T) {
	clk := newClock()
	p := &fakeProvider{clock: clk, life: time.Hour, gate: make(chan struct{})}
	s := start(t, p, Options{Now: clk.Now})
	const n = 20
	var replies []<-chan reply
	for range n {
		replies = append(replies, getAsync(s))
	}
	for s.Stats().Requests < n {
		time.Sleep(5 * time.Millisecond)
	}
	close(p.gate)
	for _, r := range replies {
		if k := served(t, <-r).AccessKeyID; k != "ASIAFAKE00000001" {
			t.Errorf("got %s", k)
		}
	}
	if c := p.calls.Load(); c != 1 {
		t.Errorf("%d provider calls for %d concurrent requests, want 1", c, n)
	}
}

// A slow refresh does not hold up clients while the credentials held are
// still good: they get those after Options.Wait.
func TestSlowRefreshServesHeld(t *testing.T) {
	clk := newClock()
	gate := make(chan struct{})
	p := &fakeProvider{clock: clk, life: time.Hour}
	p.next = func(n int) (aws.Credentials, error) {
		if n > 1 {
			<-gate
		}
		return p.creds(n), nil
	}
	s := start(t, p, Options{Now: clk.Now, Wait: 50 * time.Millisecond})
	served(t, get(t, s))
	clk.Add(45 * time.Minute)
	t0 := time.Now()
	if c := served(t, get(t, s)); c.AccessKeyID != "ASIAFAKE00000001" {
		t.Errorf("got %s", c.AccessKeyID)
	}
	// The refresh never ends before the gate opens: held credentials
	// after Wait, not after it.
	if d := time.Since(t0); d > 30*time.Second {
		t.Errorf("waited %s", d)
	}
	close(gate)
	for p.calls.Load() < 2 || s.Stats().Expires.Equal(clk.Now().Add(15*time.Minute)) {
		time.Sleep(5 * time.Millisecond)
	}
	if c := served(t, get(t, s)); c.AccessKeyID != "ASIAFAKE00000002" {
		t.Errorf("after the refresh: %s", c.AccessKeyID)
	}
}

func TestClose(t *testing.T) {
	clk := newClock()
	p := &fakeProvider{clock: clk, life: time.Hour, gate: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, p, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	res := getAsync(s)
	for p.calls.Load() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	cancel() // ends the server, and the provider call under way
	select {
	case <-s.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not stop when its context ended")
	}
	refused(t, <-res, http.StatusServiceUnavailable, "ServiceUnavailable")
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if c, err := net.DialTimeout("tcp", s.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Error("still listening after Close")
	}
}

func TestStartNeedsProvider(t *testing.T) {
	if _, err := Start(context.Background(), nil, Options{}); err == nil {
		t.Error("Start without a provider succeeded")
	}
}

// A page of another site that a DNS record points at 127.0.0.1 (DNS
// rebinding) reaches the server with its own name in Host: only the names
// the server goes by, with its port, are answered, before the token is
// even looked at.
func TestHostHeader(t *testing.T) {
	p := &fakeProvider{clock: newClock(), life: time.Hour}
	s := start(t, p, Options{Now: p.clock.Now})
	port := fmt.Sprint(s.Addr().(*net.TCPAddr).Port)
	for _, host := range []string{
		"evil.example:" + port, "evil.example", "127.0.0.1", "localhost", "127.0.0.1:1" + port,
		"127.0.0.2:" + port, "[::1]:" + port, "localhost.evil.example:" + port, "127.0.0.1.evil.example:" + port,
		"0.0.0.0:" + port,
	} {
		t.Run(host, func(t *testing.T) {
			req, _ := http.NewRequest("GET", s.URL(), nil)
			req.Host = host
			req.Header.Set("Authorization", s.Token())
			msg := refused(t, do(t, req), http.StatusMisdirectedRequest, "InvalidHost")
			if !strings.Contains(msg, s.URL()) || strings.Contains(msg, "\n") {
				t.Errorf("the message does not say which address to use: %q", msg)
			}
		})
	}
	for _, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "LocalHost:" + port} {
		req, _ := http.NewRequest("GET", s.URL(), nil)
		req.Host = host
		req.Header.Set("Authorization", s.Token())
		served(t, do(t, req))
	}
	if n := p.calls.Load(); n != 1 {
		t.Errorf("the provider was called %d times, want once (for the good names)", n)
	}
}

// The same on the wire: a raw request as a rebound page's browser sends it,
// and one of HTTP/1.0 with no Host at all.
func TestHostHeaderRaw(t *testing.T) {
	p := &fakeProvider{clock: newClock(), life: time.Hour}
	s := start(t, p, Options{Now: p.clock.Now})
	port := fmt.Sprint(s.Addr().(*net.TCPAddr).Port)
	for _, head := range []string{
		"GET /credentials HTTP/1.1\r\nHost: evil.example:" + port + "\r\n",
		"GET /credentials HTTP/1.0\r\n",
	} {
		c, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(time.Minute))
		fmt.Fprintf(c, "%sAuthorization: %s\r\nConnection: close\r\n\r\n", head, s.Token())
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("%q: %v", head, err)
		}
		body, _ := io.ReadAll(resp.Body)
		refused(t, reply{resp.StatusCode, resp.Header, string(body)}, http.StatusMisdirectedRequest, "InvalidHost")
	}
	if n := p.calls.Load(); n != 0 {
		t.Errorf("the provider was called %d times", n)
	}
}
