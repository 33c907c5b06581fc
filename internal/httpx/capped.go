package httpx

import (
	"io"
	"net/http"
	"strconv"
)

// MaxAnswer bounds the body of an answer: STS's, IAM's, IAM Identity
// Center's, an issuer's discovery document and key set are a few kilobytes.
const MaxAnswer = 1 << 20

// Capped returns c (a copy; nil means Default()) whose answers' bodies end
// in a *TooLargeError past limit bytes, for callers that hand the client to
// a library that reads a whole body with no limit of its own (go-oidc's
// discovery and keys). An answer that announces a larger Content-Length is
// refused before its body is read.
func Capped(c *http.Client, limit int64) *http.Client {
	if c == nil {
		c = Default()
	}
	s := *c
	next := s.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	s.Transport = &cappedTransport{next: next, limit: limit}
	return &s
}

// TooLargeError is an answer cut at its limit.
type TooLargeError struct{ Limit int64 }

func (e *TooLargeError) Error() string {
	if e.Limit >= 1<<20 && e.Limit%(1<<20) == 0 {
		return "an answer larger than " + strconv.FormatInt(e.Limit>>20, 10) + " MiB"
	}
	return "an answer larger than " + strconv.FormatInt(e.Limit, 10) + " bytes"
}

type cappedTransport struct {
	next  http.RoundTripper
	limit int64
}

func (t *cappedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if resp.ContentLength > t.limit {
		resp.Body.Close()
		return nil, &TooLargeError{Limit: t.limit}
	}
	resp.Body = &cappedBody{rc: resp.Body, left: t.limit, limit: t.limit}
	return resp, nil
}

// CloseIdleConnections passes http.Client.CloseIdleConnections on.
func (t *cappedTransport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// cappedBody reads at most limit bytes of rc, and fails on one more.
type cappedBody struct {
	rc    io.ReadCloser
	left  int64
	limit int64
	err   error
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1] // one byte past the limit tells a body that goes on
	}
	n, err := b.rc.Read(p)
	if int64(n) > b.left {
		n, b.left = int(b.left), 0
		b.err = &TooLargeError{Limit: b.limit}
		return n, b.err
	}
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }
