package oidclogin

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"
)

// Issue 12: one HTTP policy for every identity-provider call. A token
// endpoint that answers 307 would get the code, the PKCE verifier and the
// client secret replayed to wherever it points; the login fails instead,
// even with a caller's client that follows redirects.
func TestLoginFollowsNoRedirect(t *testing.T) {
	var mu sync.Mutex
	var stolen []string
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		stolen = append(stolen, string(body))
		mu.Unlock()
	}))
	defer sink.Close()
	m := provider(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == mockoidc.TokenEndpoint {
				http.Redirect(w, r, sink.URL+"/token", http.StatusTemporaryRedirect)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	b := &browser{}
	cfg := config(m, b)
	cfg.HTTP = &http.Client{Timeout: 5 * time.Second} // follows, as Go's default does
	tok, err := Login(context.Background(), cfg)
	if err == nil || tok != nil {
		t.Fatalf("login through a redirecting token endpoint: %v, %v", tok, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(stolen) != 0 {
		t.Errorf("the redirect target got the token request: %q", stolen)
	}
}
