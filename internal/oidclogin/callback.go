package oidclogin

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/awsenv/awsenv/internal/loopback"
)

type result struct {
	tok *Token
	err error
}

// callback is the loopback listener the browser is redirected to. It
// takes the first request to callbackPath and ignores the rest.
type callback struct {
	srv     *http.Server
	served  chan struct{}
	results chan result // gets exactly one result, from the first callback
}

// startCallback serves the redirect URI on ln until close. finish runs in
// the request, so that the browser's page can say how the login ended.
func startCallback(ctx context.Context, ln net.Listener, finish func(context.Context, url.Values) (*Token, error)) *callback {
	cb := &callback{served: make(chan struct{}), results: make(chan result, 1)}
	var taken atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc(callbackPath, func(w http.ResponseWriter, r *http.Request) {
		// The address (and the state in the login URL) is on the browser's
		// command line, which other local users can read: a login of
		// theirs must not come back here in place of the user's.
		if !loopback.OwnPeer(r) {
			page(w, http.StatusForbidden, "This address is for another user's login.")
			return
		}
		if r.Method != http.MethodGet {
			page(w, http.StatusMethodNotAllowed, "This address only takes the identity provider's redirect.")
			return
		}
		if !taken.CompareAndSwap(false, true) {
			page(w, http.StatusConflict, "This login has already ended. You can close this tab.")
			return
		}
		tok, err := finish(ctx, r.URL.Query())
		if err != nil {
			page(w, http.StatusBadRequest, "Login failed: "+err.Error()+"\n\nYou can close this tab and go back to the terminal.")
		} else {
			page(w, http.StatusOK, "You are logged in. You can close this tab and go back to the terminal.")
		}
		cb.results <- result{tok, err}
	})
	cb.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(cb.served)
		_ = cb.srv.Serve(ln)
	}()
	return cb
}

// close stops the listener, letting a callback in progress answer the
// browser first.
func (cb *callback) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if cb.srv.Shutdown(ctx) != nil {
		_ = cb.srv.Close()
	}
	<-cb.served
}

// page answers the browser with a small plain-text page.
func page(w http.ResponseWriter, status int, text string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, _ = w.Write([]byte("awsenv: " + text + "\n"))
}
