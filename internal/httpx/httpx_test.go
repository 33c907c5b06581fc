package httpx

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The policy: a 3xx answer is returned, never followed, whatever client
// the caller built; Redirected words it without the target's path or query.
func TestNoRedirectFollowed(t *testing.T) {
	var sink atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sink.Add(1) }))
	defer target.Close()
	for _, status := range []int{301, 302, 303, 307, 308} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/steal?token=SECRET", status)
		}))
		following := &http.Client{Timeout: time.Second} // Go's default: follows
		for _, c := range []*http.Client{New(Options{Timeout: time.Second}), Default(), Strict(following), Strict(nil)} {
			resp, err := c.Post(srv.URL, "text/plain", strings.NewReader("TokenCode=123456"))
			if err != nil {
				t.Fatalf("%d: %v", status, err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			err = Redirected("sts at "+srv.URL, resp, "")
			var re *RedirectError
			if !errors.As(err, &re) || re.Status != status || re.To != target.URL {
				t.Errorf("%d: Redirected = %v", status, err)
			}
			if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "/steal") {
				t.Errorf("%d: the error quotes the redirect's path or query: %v", status, err)
			}
		}
		srv.Close()
		if following.CheckRedirect != nil {
			t.Error("Strict changed the caller's client")
		}
	}
	if n := sink.Load(); n != 0 {
		t.Errorf("the redirect target got %d requests", n)
	}
}

func TestRedirectedOtherStatuses(t *testing.T) {
	for _, status := range []int{200, 204, 400, 403, 500, 503} {
		if err := Redirected("x", &http.Response{StatusCode: status, Header: http.Header{}}, ""); err != nil {
			t.Errorf("%d: %v", status, err)
		}
	}
}

func TestUntrusted(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.Config.ErrorLog = nil
	defer srv.Close()
	_, err := Default().Get(srv.URL)
	if err == nil || !Untrusted(err) {
		t.Errorf("unknown CA: %v, Untrusted = %v", err, Untrusted(err))
	}
	if Untrusted(errors.New("connection refused")) {
		t.Error("a refused connection is Untrusted")
	}
}
