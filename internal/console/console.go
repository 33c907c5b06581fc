// Package console makes AWS console sign-in links through the federation
// endpoint: getSigninToken with temporary credentials, then a login URL.
package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
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
		return "", fmt.Errorf("cannot reach the console sign-in endpoint %s: %v", r.Endpoint, rootErr(err))
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

func rootErr(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

// Open shows link in the default browser without putting it on any command
// line (where other local users could read the sign-in token): it writes a
// 0600 page that redirects to the link and opens that page's path.
func Open(ctx context.Context, link string, getenv func(string) string) error {
	dir, err := os.MkdirTemp("", "awsenv-console-")
	if err != nil {
		return err
	}
	page := filepath.Join(dir, "signin.html")
	esc := strings.NewReplacer("&", "&amp;", `"`, "&quot;", "<", "&lt;", ">", "&gt;").Replace(link)
	html := `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer">` +
		`<meta http-equiv="refresh" content="0;url=` + esc + `"><title>AWS console</title>` +
		`<a href="` + esc + `">Sign in to the AWS console</a>` + "\n"
	if err := os.WriteFile(page, []byte(html), 0o600); err != nil {
		os.RemoveAll(dir)
		return err
	}
	// The browser may read the page after the opener returns; remove it a
	// little later, in a detached shell.
	cmd := browserCommand(page, getenv)
	if cmd == nil {
		os.RemoveAll(dir)
		return errors.New("no browser found: set BROWSER, or run without --open and open the link yourself")
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return fmt.Errorf("cannot start the browser %s: %v", cmd.Path, err)
	}
	go cmd.Wait()
	cleanup := exec.Command("/bin/sh", "-c", `sleep 30; rm -rf "$1"`, "sh", dir)
	cleanup.Start()
	return nil
}

func browserCommand(page string, getenv func(string) string) *exec.Cmd {
	if b := getenv("BROWSER"); b != "" {
		return exec.Command(b, page)
	}
	if runtime.GOOS == "darwin" {
		return exec.Command("open", page)
	}
	for _, c := range []string{"xdg-open", "sensible-browser", "x-www-browser"} {
		if p, err := exec.LookPath(c); err == nil {
			return exec.Command(p, page)
		}
	}
	return nil
}
