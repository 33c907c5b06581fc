// Package console makes AWS console sign-in links through the federation
// endpoint: getSigninToken with temporary credentials, then a login URL.
package console

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/awsenv/awsenv/internal/httpx"
	"github.com/awsenv/awsenv/internal/loopback"
	"github.com/awsenv/awsenv/internal/xerr"
)

// Endpoint is the federation endpoint for a partition, or $AWSENV_SIGNIN_URL.
func Endpoint(partition string, getenv func(string) string) (string, error) {
	if u := getenv("AWSENV_SIGNIN_URL"); u != "" {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return "", fmt.Errorf("AWSENV_SIGNIN_URL=%q is not an http(s) URL", u)
		}
		if err := httpx.CheckPlainHTTP(u, "AWSENV_SIGNIN_URL", httpx.HTTPAllowed(getenv)); err != nil {
			return "", err
		}
		if p.Path == "" || p.Path == "/" {
			p.Path = "/federation"
		}
		return p.String(), nil
	}
	switch partition {
	case "aws-us-gov":
		return "https://signin.amazonaws-us-gov.com/federation", nil
	case "aws-cn":
		return "https://signin.amazonaws.cn/federation", nil
	default:
		return "https://signin.aws.amazon.com/federation", nil
	}
}

// DefaultDestination is the console home page of a partition and region.
func DefaultDestination(partition, region string) string {
	return "https://" + consoleHost(partition) + "/console/home?region=" + url.QueryEscape(region)
}

// Request is what a sign-in link is made of.
type Request struct {
	Endpoint                                   string
	AccessKeyID, SecretAccessKey, SessionToken string
	// SessionDuration is sent only when > 0: the endpoint accepts it for
	// role credentials from long-lived keys, not for federation tokens.
	SessionDuration time.Duration
	Issuer          string
	Destination     string
	HTTP            *http.Client
}

// Link asks the endpoint for a sign-in token and returns the login URL. A
// refusal is explained: the endpoint says little ("Invalid credentials
// parameter") and the usual causes are known.
func Link(ctx context.Context, r Request) (string, error) {
	session, _ := json.Marshal(map[string]string{
		"sessionId": r.AccessKeyID, "sessionKey": r.SecretAccessKey, "sessionToken": r.SessionToken,
	})
	q := url.Values{"Action": {"getSigninToken"}, "Session": {string(session)}}
	if r.SessionDuration > 0 {
		q.Set("SessionDuration", strconv.Itoa(int(r.SessionDuration/time.Second)))
	}
	// POST keeps the credentials out of URLs that proxies might log.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.Endpoint, strings.NewReader(q.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := httpx.Strict(r.HTTP).Do(req)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return "", fmt.Errorf("the console sign-in endpoint %s did not answer in time: check the network or raise --timeout", r.Endpoint)
		}
		return "", fmt.Errorf("cannot reach the console sign-in endpoint %s: %v", r.Endpoint, xerr.Root(err))
	}
	defer resp.Body.Close()
	if err := httpx.Redirected("the console sign-in endpoint "+r.Endpoint, resp, "set AWSENV_SIGNIN_URL to the federation endpoint itself, or unset it"); err != nil {
		return "", err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return "", fmt.Errorf("the console sign-in endpoint %s did not answer in time: check the network or raise --timeout", r.Endpoint)
		}
		return "", fmt.Errorf("cannot read the answer of the console sign-in endpoint %s: %v", r.Endpoint, xerr.Root(err))
	}
	if resp.StatusCode != http.StatusOK {
		return "", refusal(r.Endpoint, resp.StatusCode, body)
	}
	var tok struct{ SigninToken string }
	if err := json.Unmarshal(body, &tok); err != nil || tok.SigninToken == "" {
		return "", fmt.Errorf("the console sign-in endpoint %s answered without a sign-in token: check that it is the federation endpoint (AWSENV_SIGNIN_URL)", r.Endpoint)
	}
	login := url.Values{
		"Action":      {"login"},
		"Issuer":      {r.Issuer},
		"Destination": {r.Destination},
		"SigninToken": {tok.SigninToken},
	}
	return r.Endpoint + "?" + login.Encode(), nil
}

func refusal(endpoint string, status int, body []byte) error {
	msg := strings.Join(strings.Fields(string(body)), " ")
	if len(msg) > 200 || strings.Contains(msg, "<") {
		msg = http.StatusText(status)
	}
	if status >= 500 || status == http.StatusTooManyRequests {
		return fmt.Errorf("the console sign-in endpoint %s is failing or throttling (%d %s): try again in a minute", endpoint, status, msg)
	}
	return fmt.Errorf("the console sign-in endpoint refused the credentials (%d %s): it accepts only role or federation credentials made from long-lived keys, not mfa sessions or chained roles, and a session duration only for roles", status, msg)
}

// Open shows link in the default browser without putting it on a command
// line or in a file, where other local users could read the sign-in token:
// the browser gets a one-time address on 127.0.0.1 that redirects to the
// link.
//
// That address is on the browser's command line, which every local user can
// read on Linux: the server answers only the current user's connections
// (see package loopback); another user gets 403, and the address stays good
// for the browser.
//
// Open returns once the browser has fetched the address; at once, with the
// browser's own message, if the browser command fails; or after wait.
func Open(ctx context.Context, link string, getenv func(string) string, wait time.Duration) error {
	return OpenIn(ctx, link, Launch{Getenv: getenv}, wait)
}

// OpenIn is Open in the browser, container or profile l says: the browser
// gets only the one-time local address (inside an ext+container: address
// for Firefox).
func OpenIn(ctx context.Context, link string, in Launch, wait time.Duration) error {
	if err := loopback.Check(); err != nil {
		return fmt.Errorf("cannot check which user's browser would fetch the link (%w): run without --open and open the link yourself", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("cannot listen on 127.0.0.1 for the browser: %w", err)
	}
	secret := make([]byte, 16)
	rand.Read(secret)
	path := "/" + hex.EncodeToString(secret)
	served := make(chan struct{})
	var once sync.Once
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		if !loopback.OwnPeer(r) {
			http.Error(w, "This address is for another user's browser.", http.StatusForbidden)
			return
		}
		used := true
		once.Do(func() { used = false })
		if used {
			http.NotFound(w, r)
			return
		}
		http.Redirect(w, r, link, http.StatusFound)
		close(served)
	})}
	go srv.Serve(l)
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	local := "http://" + l.Addr().String() + path
	b, err := in.command(local)
	if err != nil {
		return err
	}
	exited, err := b.start()
	if err != nil {
		return err
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case <-served:
			return nil
		case err := <-exited:
			if err != nil {
				return fmt.Errorf("%s: run without --open and open the link yourself", err)
			}
			exited = nil // it handed the address to a browser: wait for it
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			return fmt.Errorf("the browser did not open the link within %s: run without --open and open the link yourself", wait)
		}
	}
}

// Browse opens url (one that holds no secret) in the default browser.
func Browse(url string, getenv func(string) string) error {
	b := browserCommand(url, getenv)
	if b == nil {
		return errors.New("no browser found: set BROWSER, or open the address yourself")
	}
	_, err := b.start()
	return err
}

// browser is a command that opens an address in a browser.
type browser struct {
	name string // what messages call it: $BROWSER, or the opener's path
	cmd  *exec.Cmd
	url  string // the address it is given, which its messages may repeat
}

// start starts the browser command. exited receives nil when it exits with
// status 0 (xdg-open and open do, once a browser has the address; a
// browser started directly may run for hours), or an error that quotes the
// last line it printed when it fails, as a missing browser does at once.
// Its output goes to an unlinked temporary file, not a pipe: a browser that
// outlives awsenv must not die of SIGPIPE when it writes a warning.
func (b *browser) start() (exited <-chan error, err error) {
	out, err := os.CreateTemp("", "awsenv-browser-*.log")
	if err != nil {
		return nil, fmt.Errorf("cannot start the browser %s: %w", b.name, err)
	}
	removed := os.Remove(out.Name()) == nil // not on Windows, while open
	b.cmd.Stdin, b.cmd.Stdout, b.cmd.Stderr = nil, out, out
	if err := b.cmd.Start(); err != nil {
		out.Close()
		os.Remove(out.Name())
		return nil, fmt.Errorf("cannot start the browser %s: %v", b.name, xerr.Root(err))
	}
	ch := make(chan error, 1)
	go func() {
		err := b.cmd.Wait()
		if err != nil {
			err = fmt.Errorf("the browser command %s failed (%v%s)", b.name, err, said(out, b.url))
		}
		out.Close()
		if !removed {
			os.Remove(out.Name())
		}
		ch <- err
	}()
	return ch, nil
}

// said is `, it said "LINE"` with the last line f holds (at most 200
// bytes of it, url shortened to "the address"), or "" when it holds none:
// the browser's message quoted inside awsenv's, so the line stays one
// sentence.
func said(f *os.File, url string) string {
	buf := make([]byte, 4096)
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(st.Size()-int64(len(buf)), 0)
	n, _ := f.ReadAt(buf, off)
	lines := strings.Split(strings.TrimSpace(string(buf[:n])), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	last = strings.NewReplacer("'"+url+"'", "the address", `"`+url+`"`, "the address", url, "the address").Replace(last)
	last = strings.TrimSuffix(last, ".")
	if last == "" {
		return ""
	}
	if len(last) > 200 {
		last = last[:200] + "..."
	}
	return ", it said " + strconv.Quote(strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, last))
}

func browserCommand(url string, getenv func(string) string) *browser {
	if b := getenv("BROWSER"); b != "" {
		// $BROWSER may hold arguments, as in "firefox --new-window".
		return &browser{name: fmt.Sprintf("%q (BROWSER)", b), cmd: exec.Command("/bin/sh", "-c", b+` "$1"`, "sh", url), url: url}
	}
	if runtime.GOOS == "darwin" {
		return &browser{name: "open", cmd: exec.Command("open", url), url: url}
	}
	for _, c := range []string{"xdg-open", "sensible-browser", "x-www-browser"} {
		if p, err := exec.LookPath(c); err == nil {
			return &browser{name: p, cmd: exec.Command(p, url), url: url}
		}
	}
	return nil
}
