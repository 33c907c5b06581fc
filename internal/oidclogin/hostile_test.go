package oidclogin

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/awsenv/awsenv/internal/httpx"
)

// answerTimeout is the --timeout of the hostile tests: how long the issuer
// has for each answer. The person's login window stays minutes long.
const answerTimeout = 2 * time.Second

// hostile replaces the answer at path with a body that never ends well:
// "huge" streams 64 MiB (far past any discovery document or key set),
// "drip" sends one byte a second for as long as the client listens, or
// until the test ends.
func hostileProvider(t *testing.T, path, kind string) *mockoidc.MockOIDC {
	stop := make(chan struct{})
	m := provider(t, hostile(path, kind, stop))
	t.Cleanup(func() { close(stop) }) // runs before the provider's Shutdown, which waits for the handler
	return m
}

func hostile(path, kind string, stop <-chan struct{}) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != path {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			flush := func() { w.(http.Flusher).Flush() }
			switch kind {
			case "huge":
				chunk := []byte(`{"keys": [` + strings.Repeat(" ", 64<<10-10))
				for i := 0; i < 1024 && r.Context().Err() == nil; i++ {
					if _, err := w.Write(chunk); err != nil {
						return
					}
					chunk = []byte(strings.Repeat(" ", 64<<10))
				}
			case "drip":
				for i := 0; i < 600; i++ {
					if _, err := w.Write([]byte(" ")); err != nil {
						return
					}
					flush()
					select {
					case <-r.Context().Done():
						return
					case <-stop:
						return
					case <-time.After(time.Second):
					}
				}
			}
		})
	}
}

// loginWithin runs Login and fails the test if it has not ended after a
// generous limit: the point is that it ends, not how fast.
func loginWithin(t *testing.T, cfg Config) (*Token, error) {
	t.Helper()
	type result struct {
		tok *Token
		err error
	}
	done := make(chan result, 1)
	go func() {
		tok, err := Login(context.Background(), cfg)
		done <- result{tok, err}
	}()
	select {
	case r := <-done:
		return r.tok, r.err
	case <-time.After(time.Minute):
		t.Fatalf("Login still running a minute after it started, with --timeout %s", answerTimeout)
		return nil, nil
	}
}

// The discovery document and the key set are answers of a server like any
// other: capped in size, bounded by --timeout (not by the five minutes the
// person has), and a failure says which issuer and what to do.
func TestHostileIssuer(t *testing.T) {
	for _, tc := range []struct {
		path, kind string
		want       []string
	}{
		{mockoidc.DiscoveryEndpoint, "huge", []string{"discovery document", "larger than 1 MiB"}},
		{mockoidc.DiscoveryEndpoint, "drip", []string{"discovery document", "did not answer within 2s", "raise --timeout"}},
		{mockoidc.JWKSEndpoint, "huge", []string{"keys", "larger than 1 MiB"}},
		{mockoidc.JWKSEndpoint, "drip", []string{"keys", "did not answer within 2s", "raise --timeout"}},
	} {
		name := map[string]string{mockoidc.DiscoveryEndpoint: "discovery", mockoidc.JWKSEndpoint: "jwks"}[tc.path] + " " + tc.kind
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := hostileProvider(t, tc.path, tc.kind)
			b := &browser{}
			cfg := config(m, b)
			cfg.Timeout = 5 * time.Minute // the person's
			cfg.HTTP = httpx.New(httpx.Options{Timeout: answerTimeout})
			tok, err := loginWithin(t, cfg)
			expectRefused(t, tok, err, b, "", m.Issuer())
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if tc.path == mockoidc.JWKSEndpoint && b.authURL == "" {
				t.Error("the login did not get as far as the keys")
			}
		})
	}
}
