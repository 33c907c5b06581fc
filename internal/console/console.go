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
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/awsenv/awsenv/internal/xerr"
)

// Endpoint is the federation endpoint for a partition, or $AWSENV_SIGNIN_URL.
func Endpoint(partition string, getenv func(string) string) (string, error) {
	if u := getenv("AWSENV_SIGNIN_URL"); u != "" {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return "", fmt.Errorf("AWSENV_SIGNIN_URL=%q is not an http(s) URL", u)
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
	host := "console.aws.amazon.com"
	switch partition {
	case "aws-us-gov":
		host = "console.amazonaws-us-gov.com"
	case "aws-cn":
		host = "console.amazonaws.cn"
	}
	return "https://" + host + "/console/home?region=" + url.QueryEscape(region)
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
	hc := r.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("cannot reach the console sign-in endpoint %s: %v", r.Endpoint, xerr.Root(err))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return "", refusal(resp.StatusCode, body)
	}
	var tok struct{ SigninToken string }
	if err := json.Unmarshal(body, &tok); err != nil || tok.SigninToken == "" {
		return "", fmt.Errorf("the console sign-in endpoint %s answered without a sign-in token", r.Endpoint)
	}
	login := url.Values{
		"Action":      {"login"},
		"Issuer":      {r.Issuer},
		"Destination": {r.Destination},
		"SigninToken": {tok.SigninToken},
	}
	return r.Endpoint + "?" + login.Encode(), nil
}

func refusal(status int, body []byte) error {
	msg := strings.Join(strings.Fields(string(body)), " ")
	if len(msg) > 200 || strings.Contains(msg, "<") {
		msg = http.StatusText(status)
	}
	return fmt.Errorf("the console sign-in endpoint refused the credentials (%d %s): it accepts only role or federation credentials made from long-lived keys, not mfa sessions or chained roles, and a session duration only for roles", status, msg)
}

// Open shows link in the default browser without putting it on a command
// line or in a file, where other local users could read the sign-in token:
// the browser gets a one-time address on 127.0.0.1 that redirects to the
// link. Open returns once the browser has fetched it, or after wait.
func Open(ctx context.Context, link string, getenv func(string) string, wait time.Duration) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("cannot listen on 127.0.0.1 for the browser: %v", err)
	}
	secret := make([]byte, 16)
	rand.Read(secret)
	path := "/" + hex.EncodeToString(secret)
	served := make(chan struct{})
	var once sync.Once
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		used := true
		if r.URL.Path == path {
			once.Do(func() { used = false })
		}
		if used {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
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
	cmd := browserCommand(local, getenv)
	if cmd == nil {
		return errors.New("no browser found: set BROWSER, or run without --open and open the link yourself")
	}
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cannot start the browser %s: %v", cmd.Path, err)
	}
	go cmd.Wait()
	select {
	case <-served:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(wait):
		return fmt.Errorf("the browser did not open the link within %s: run without --open and open the link yourself", wait)
	}
}

// Browse opens url (one that holds no secret) in the default browser.
func Browse(url string, getenv func(string) string) error {
	cmd := browserCommand(url, getenv)
	if cmd == nil {
		return errors.New("no browser found: set BROWSER, or open the address yourself")
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cannot start the browser %s: %v", cmd.Path, err)
	}
	go cmd.Wait()
	return nil
}

func browserCommand(url string, getenv func(string) string) *exec.Cmd {
	if b := getenv("BROWSER"); b != "" {
		// $BROWSER may hold arguments, as in "firefox --new-window".
		return exec.Command("/bin/sh", "-c", b+` "$1"`, "sh", url)
	}
	if runtime.GOOS == "darwin" {
		return exec.Command("open", url)
	}
	for _, c := range []string{"xdg-open", "sensible-browser", "x-www-browser"} {
		if p, err := exec.LookPath(c); err == nil {
			return exec.Command(p, url)
		}
	}
	return nil
}
