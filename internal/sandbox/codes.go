package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/awsenv/awsenv/internal/ststest"
)

// serveCodes serves the demo accounts' MFA codes on 127.0.0.1, under a
// random path: GET BASE/NAME answers a code the stand-in accepts now and
// has not seen used. It returns BASE and how to stop.
func serveCodes(srv *ststest.Server, users map[string]*ststest.User) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("cannot listen on 127.0.0.1 for the mfa codes: %w", err)
	}
	secret := make([]byte, 16)
	rand.Read(secret)
	base := "/" + hex.EncodeToString(secret) + "/"
	hs := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, base)
		if !ok {
			http.NotFound(w, r)
			return
		}
		u := users[name]
		if u == nil {
			http.Error(w, fmt.Sprintf("no sandbox account %q", name), http.StatusNotFound)
			return
		}
		c, ok := srv.FreshCode(u)
		if !ok {
			wait := 30 - time.Now().Unix()%30
			http.Error(w, fmt.Sprintf("every code of this moment is used: run it again in %d seconds", wait), http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, c)
	})}
	go hs.Serve(l)
	return "http://" + l.Addr().String() + base, func() { hs.Close() }, nil
}

// freshCode asks the sandbox for a code of account name.
func freshCode(base, name string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+url.PathEscape(name), nil)
	if err != nil {
		return "", err
	}
	resp, err := loopbackClient().Do(req)
	if err != nil {
		return "", fmt.Errorf("cannot reach the sandbox for a code (%v): is its shell still running?", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK {
		return "", errors.New(strings.TrimSpace(string(body)))
	}
	return strings.TrimSpace(string(body)), nil
}

// loopbackClient goes straight to 127.0.0.1, never through a proxy.
func loopbackClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	return &http.Client{Transport: tr, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// browse is the sandbox's browser ($BROWSER inside it): it fetches the
// address and follows redirects, as a person who clicks "Allow" would, but
// only on 127.0.0.1 (the stand-in's sign-in pages and awsenv's one-time
// redirects); an address elsewhere (the real console a sign-in link ends
// on) is named, not fetched.
func browse(io *IO, address string) error {
	for range 10 {
		u, err := url.Parse(address)
		if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" {
			fmt.Fprintf(io.Err, "awsenv sandbox: the sandbox's browser stops at %s (outside the sandbox)\n", redact(address))
			return nil
		}
		resp, err := loopbackClient().Get(address)
		if err != nil {
			return err
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if resp.StatusCode < 300 || resp.StatusCode > 399 || loc == "" {
			if resp.StatusCode >= 400 {
				return fmt.Errorf("%s answered %s", redact(address), resp.Status)
			}
			return nil
		}
		next, err := u.Parse(loc)
		if err != nil {
			return err
		}
		address = next.String()
	}
	return errors.New("too many redirects")
}

// redact is an address without its query, which may hold a sign-in token.
func redact(address string) string {
	a, _, _ := strings.Cut(address, "?")
	return a
}
