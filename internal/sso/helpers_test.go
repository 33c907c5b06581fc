package sso

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsenv/awsenv/internal/ststest"
)

const (
	testAccount = "111122223333"
	testRole    = "ReadOnly"
	testSession = "my-sso"
)

// clock is a settable clock shared by the stand-in and the client.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// world is one test's IAM Identity Center, home folder and client.
type world struct {
	t    *testing.T
	srv  *ststest.Server
	url  string
	home string
	sess Session

	mu       sync.Mutex
	shown    []string // what Show was given, as the terminal would print it
	opened   int      // browser starts
	warnings []string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	srv := ststest.New()
	u, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.AddSSOAccount(testAccount, "prod", testRole, "AdministratorAccess")
	srv.AddSSOAccount("444455556666", "staging", "Developer")
	srv.SetSSO(ststest.SSOSettings{UserName: "jbrowne"})
	return &world{
		t: t, srv: srv, url: u, home: t.TempDir(),
		sess: Session{Name: testSession, StartURL: ststest.DefaultSSOStartURL, Region: "eu-west-1"},
	}
}

func (w *world) getenv(k string) string {
	switch k {
	case "HOME":
		return w.home
	case "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC":
		return w.url
	}
	return ""
}

// client is an awsenv process's client.
func (w *world) client() *Client {
	return &Client{
		Getenv: w.getenv,
		Warn: func(m string) {
			w.mu.Lock()
			w.warnings = append(w.warnings, m)
			w.mu.Unlock()
		},
	}
}

// opts logs in through the browser (the authorization code flow).
func (w *world) opts() LoginOptions {
	return LoginOptions{Show: w.show, Open: w.browse, Timeout: 10 * time.Second}
}

func (w *world) show(u, code string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.shown = append(w.shown, strings.TrimSpace(u+" "+code))
	return nil
}

// browse plays the person's browser: it follows the /authorize page to its
// redirect and brings the answer to the loopback address.
func (w *world) browse(authURL string) error {
	w.mu.Lock()
	w.opened++
	w.mu.Unlock()
	if !strings.HasPrefix(authURL, w.url+"/authorize?") {
		return fmt.Errorf("browser: unexpected address %s", authURL)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(authURL)
	if err != nil {
		return err
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, "http://127.0.0.1:") {
		return fmt.Errorf("browser: /authorize answered %d to %q", resp.StatusCode, loc)
	}
	resp, err = http.Get(loc)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

func (w *world) tokenPath() string {
	return filepath.Join(w.home, ".aws", "sso", "cache", TokenFile(w.sess))
}

func (w *world) readFile(path string) string {
	w.t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		w.t.Fatal(err)
	}
	return string(data)
}

func (w *world) writeFile(path, content string) {
	w.t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// counts returns the stand-in's counts of these actions, in order.
func (w *world) counts(actions ...string) string {
	var parts []string
	for _, a := range actions {
		parts = append(parts, fmt.Sprintf("%s=%d", a, w.srv.Count(a)))
	}
	return strings.Join(parts, " ")
}

// callerARN calls STS GetCallerIdentity on the stand-in with c.
func (w *world) callerARN(c aws.Credentials) string {
	w.t.Helper()
	client := sts.New(sts.Options{
		Region: "eu-west-1", BaseEndpoint: aws.String(w.url), Retryer: aws.NopRetryer{},
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil }),
	})
	out, err := client.GetCallerIdentity(context.Background(), nil)
	if err != nil {
		w.t.Fatal(err)
	}
	return aws.ToString(out.Arn)
}

// login logs in (PKCE) and returns the token.
func (w *world) login() Token {
	w.t.Helper()
	tok, err := w.client().Token(context.Background(), w.sess, w.opts())
	if err != nil {
		w.t.Fatal(err)
	}
	return tok
}

func queryOf(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}
