package loopback

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

// Result is what a login's callback brought back.
type Result[T any] struct {
	Value T
	Err   error
}

// Callback is the one-time loopback listener a browser login comes back
// to (an OIDC or IAM Identity Center redirect).
type Callback[T any] struct {
	srv    *http.Server
	served chan struct{}
	// Results gets exactly one result, from the first callback.
	Results chan Result[T]
}

// Serve serves the redirect at path on ln until Close. Only connections of
// the current user are answered (the address and the login's state are on
// the browser's command line, which other local users can read); the
// first GET ends the login, whatever it brings: an answer with the wrong
// state is refused, not waited past. finish runs in the request, so that
// the browser's page can say how the login ended; what is the redirect of
// is named on the pages.
func Serve[T any](ctx context.Context, ln net.Listener, path, what string, finish func(context.Context, url.Values) (T, error)) *Callback[T] {
	cb := &Callback[T]{served: make(chan struct{}), Results: make(chan Result[T], 1)}
	var taken atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		if !OwnPeer(r) {
			Page(w, http.StatusForbidden, "This address is for another user's login.")
			return
		}
		if r.Method != http.MethodGet {
			Page(w, http.StatusMethodNotAllowed, "This address only takes "+what+".")
			return
		}
		if !taken.CompareAndSwap(false, true) {
			Page(w, http.StatusConflict, "This login has already ended. You can close this tab.")
			return
		}
		v, err := finish(ctx, r.URL.Query())
		if err != nil {
			Page(w, http.StatusBadRequest, "Login failed: "+err.Error()+"\n\nYou can close this tab and go back to the terminal.")
		} else {
			Page(w, http.StatusOK, "You are logged in. You can close this tab and go back to the terminal.")
		}
		cb.Results <- Result[T]{v, err}
	})
	cb.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	go func() {
		defer close(cb.served)
		_ = cb.srv.Serve(ln)
	}()
	return cb
}

// Close stops the listener, letting a callback in progress answer the
// browser first.
func (cb *Callback[T]) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if cb.srv.Shutdown(ctx) != nil {
		_ = cb.srv.Close()
	}
	<-cb.served
}

// Page answers the browser with a small plain-text page.
func Page(w http.ResponseWriter, status int, text string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, _ = w.Write([]byte("awsenv: " + text + "\n"))
}
