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
	"strconv"
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
			// Every code the stand-in accepts now was used: the next
			// comes with the next 30-second step.
			w.Header().Set("Retry-After", strconv.FormatInt(30-time.Now().Unix()%30, 10))
			http.Error(w, "every code of this moment is used", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, c)
	})}
	go hs.Serve(l)
	return "http://" + l.Addr().String() + base, func() { hs.Close() }, nil
}

// freshCode asks the sandbox for a code of account name. When every code
// of the moment was used (three MFA calls within a step), it waits for the
// next step, as a person with an authenticator app would, and says so.
func freshCode(stderr io.Writer, base, name string) (string, error) {
	for range 3 {
		c, wait, err := askCode(base, name)
		if err != nil || wait == 0 {
			return c, err
		}
		fmt.Fprintf(stderr, "awsenv sandbox: every code of this moment is used; the next comes in %ds\n", wait)
		time.Sleep(time.Duration(wait)*time.Second + 200*time.Millisecond)
	}
	return "", errors.New("no code came free: run it again")
}

// askCode is one question for a code: the code, or how many seconds
// until the next.
func askCode(base, name string) (string, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+url.PathEscape(name), nil)
	if err != nil {
		return "", 0, err
	}
	resp, err := loopbackClient().Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("cannot reach the sandbox for a code (%v): is its shell still running?", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode == http.StatusServiceUnavailable {
		if wait, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && wait > 0 {
			return "", wait, nil
		}
	}
	if resp.StatusCode != http.StatusOK {
		return "", 0, errors.New(strings.TrimSpace(string(body)))
	}
	return strings.TrimSpace(string(body)), 0, nil
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
