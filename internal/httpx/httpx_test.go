package httpx

import (
	"errors"
	"fmt"
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

// A capped client reads up to the limit and fails one byte past it,
// whether the answer announces its length or streams without one.
func TestCapped(t *testing.T) {
	const limit = 1 << 20
	for _, tc := range []struct {
		name   string
		size   int
		length bool // send Content-Length
		ok     bool
	}{
		{"at the limit, streamed", limit, false, true},
		{"at the limit, with length", limit, true, true},
		{"one past, streamed", limit + 1, false, false},
		{"one past, with length", limit + 1, true, false},
		{"64 MiB streamed", 64 << 20, false, false},
		{"empty", 0, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.length {
					w.Header().Set("Content-Length", fmt.Sprint(tc.size))
				}
				chunk := make([]byte, 32<<10)
				for left := tc.size; left > 0; left -= len(chunk) {
					if _, err := w.Write(chunk[:min(left, len(chunk))]); err != nil {
						return
					}
				}
			}))
			defer srv.Close()
			following := &http.Client{Timeout: time.Minute}
			c := Capped(Strict(following), limit)
			if following.Transport != nil {
				t.Error("Capped changed the caller's client")
			}
			resp, err := c.Get(srv.URL)
			var data []byte
			if err == nil {
				data, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			var tl *TooLargeError
			switch {
			case tc.ok && (err != nil || len(data) != tc.size):
				t.Errorf("read %d bytes, %v; want %d", len(data), err, tc.size)
			case !tc.ok && (!errors.As(err, &tl) || err.Error() == "" || !strings.Contains(err.Error(), "an answer larger than 1 MiB")):
				t.Errorf("read %d bytes, error %v; want TooLargeError", len(data), err)
			case !tc.ok && len(data) > limit:
				t.Errorf("read %d bytes past the limit", len(data))
			}
		})
	}
}
