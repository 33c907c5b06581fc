package ststest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Console is a stand-in for the AWS console's pages, where a console
// sign-in lands: over TLS on 127.0.0.1, with a self-signed certificate,
// it answers every page with a small HTML page and records the address
// the browser asked for, with the host it asked for. A browser reaches it
// by mapping the console's hosts to Addr (Chromium:
// --host-resolver-rules="MAP *.console.aws.amazon.com ADDR" and
// --ignore-certificate-errors), so a test can see where a sign-in link
// really took it, region and all.
type Console struct {
	srv    *httptest.Server
	mu     sync.Mutex
	visits []string
	seen   chan struct{} // closed and replaced on every visit
}

// NewConsole starts a console stand-in; Close stops it.
func NewConsole() *Console {
	c := &Console{seen: make(chan struct{})}
	c.srv = httptest.NewUnstartedServer(http.HandlerFunc(c.serve))
	c.srv.StartTLS()
	return c
}

// Addr is the stand-in's HOST:PORT.
func (c *Console) Addr() string { return strings.TrimPrefix(c.srv.URL, "https://") }

// Close stops the stand-in.
func (c *Console) Close() { c.srv.Close() }

func (c *Console) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/favicon.ico" {
		http.NotFound(w, r)
		return
	}
	c.mu.Lock()
	c.visits = append(c.visits, "https://"+r.Host+r.URL.RequestURI())
	close(c.seen)
	c.seen = make(chan struct{})
	c.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte("<!doctype html><title>AWS console stand-in</title><p>Signed in.\n"))
}

// Visits are the addresses of the pages the browser fetched, oldest first
// (the part after # never reaches a server).
func (c *Console) Visits() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.visits...)
}

// Visited returns a channel closed at the next visit, to wait on without
// polling.
func (c *Console) Visited() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen
}
