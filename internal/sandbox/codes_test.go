package sandbox

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// The sandbox's browser follows redirects on 127.0.0.1 only: the real
// console a sign-in link ends on is named, never fetched.
func TestBrowseStaysOnTheMachine(t *testing.T) {
	var hops atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hops.Add(1)
		switch r.URL.Path {
		case "/start":
			http.Redirect(w, r, "/next?token=SECRET", http.StatusFound)
		case "/next":
			http.Redirect(w, r, "https://console.aws.amazon.com/console/home?SigninToken=SECRET", http.StatusFound)
		}
	}))
	defer srv.Close()
	var errs bytes.Buffer
	if err := browse(&IO{Err: &errs}, srv.URL+"/start"); err != nil {
		t.Fatal(err)
	}
	if hops.Load() != 2 {
		t.Errorf("%d requests to the local server, want 2", hops.Load())
	}
	if got := errs.String(); !strings.Contains(got, "stops at https://console.aws.amazon.com/console/home (outside the sandbox)") || strings.Contains(got, "SECRET") {
		t.Errorf("stderr %q", got)
	}
	if err := browse(&IO{Err: &errs}, srv.URL+"/missing"); err != nil {
		t.Errorf("a page that answers 200 with nothing: %v", err)
	}
}
