package sso

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awsenv/awsenv/internal/ststest"
	"github.com/awsenv/awsenv/internal/xerr"
)

func TestPKCELoginWritesTheCLICache(t *testing.T) {
	w := newWorld(t)
	tok := w.login()
	if got := w.counts("RegisterClient", "Authorize", "CreateToken", "CreateToken.authorization_code"); got !=
		"RegisterClient=1 Authorize=1 CreateToken=1 CreateToken.authorization_code=1" {
		t.Errorf("calls: %s", got)
	}
	if w.opened != 1 || len(w.shown) != 1 || !strings.HasPrefix(w.shown[0], w.url+"/authorize?") {
		t.Fatalf("browser opened %d times, shown %q", w.opened, w.shown)
	}
	q := queryOf(t, w.shown[0])
	if q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 || q.Get("scopes") != DefaultScope ||
		!regexp.MustCompile(`^http://127\.0\.0\.1:\d+/oauth/callback$`).MatchString(q.Get("redirect_uri")) {
		t.Errorf("authorize query %v", q)
	}
	if strings.Contains(w.shown[0], tok.AccessToken) {
		t.Error("the access token was shown")
	}

	// The token file: the CLI's name, mode, fields, field order and time format.
	path := w.tokenPath()
	if filepath.Base(path) != "dd0ad1c4b3d4bc9d3e5a3f0ea8ba7b7ab8ddc24e.json" && filepath.Base(path) != sha1Hex(testSession)+".json" {
		t.Errorf("token file %s", path)
	}
	for p, mode := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700 | os.ModeDir} {
		if st, err := os.Stat(p); err != nil || st.Mode() != mode {
			t.Errorf("%s: %v %v, want %v", p, st.Mode(), err, mode)
		}
	}
	content := w.readFile(path)
	re := regexp.MustCompile(`^\{"startUrl": "https://d-1234567890\.awsapps\.com/start", "region": "eu-west-1", ` +
		`"accessToken": "aoa[^"]+", "expiresAt": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "clientId": "[^"]+", ` +
		`"clientSecret": "[^"]+", "registrationExpiresAt": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "refreshToken": "aor[^"]+"\}$`)
	if !re.MatchString(content) {
		t.Errorf("token file is not in the CLI's format:\n%s", content)
	}
	var fields map[string]string
	if err := json.Unmarshal([]byte(content), &fields); err != nil {
		t.Fatal(err)
	}
	if fields["accessToken"] != tok.AccessToken || fields["expiresAt"] != tok.ExpiresAt.UTC().Format(cacheTimeFormat) {
		t.Error("the token returned is not the one cached")
	}
	if d := time.Until(tok.ExpiresAt); d < 59*time.Minute || d > time.Hour {
		t.Errorf("token expires in %v", d)
	}
	// The registration file: awsenv's own, never the CLI's.
	reg := readRegistration(filepath.Join(filepath.Dir(path), RegistrationFile(w.sess, true)))
	if reg == nil || reg.ClientID != fields["clientId"] || !reg.forAuthCode() || strings.Join(reg.Scopes, ",") != DefaultScope {
		t.Fatalf("registration file: %+v", reg)
	}
	if _, err := os.Stat(lockPath(path)); err != nil {
		t.Errorf("no lock file beside the token: %v", err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(path), cliRegistrationFile(w.sess))); err == nil {
		t.Error("awsenv wrote the AWS CLI's registration file")
	}

	// Every later call takes the cached token, with no call at all.
	w.srv.ResetCounts()
	again := w.login()
	if again.AccessToken != tok.AccessToken || w.srv.Total() != 0 || w.opened != 1 {
		t.Errorf("second Token: %d calls, browser %d", w.srv.Total(), w.opened)
	}
	cr, err := w.client().RoleCredentials(context.Background(), again, testAccount, testRole)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := w.callerARN(cr), w.srv.SSORoleARN(testAccount, testRole); got != want || cr.AccountID != testAccount || !cr.CanExpire {
		t.Errorf("caller %s, want %s (%+v)", got, want, cr)
	}

	// A new login (sso login) reuses the registration.
	w.srv.ResetCounts()
	if _, err := w.client().Login(context.Background(), w.sess, w.opts()); err != nil {
		t.Fatal(err)
	}
	if got := w.counts("RegisterClient", "CreateToken"); got != "RegisterClient=0 CreateToken=1" {
		t.Errorf("second login: %s", got)
	}
}

func TestRefreshBeforeExpiryKeepsUnknownFields(t *testing.T) {
	w := newWorld(t)
	w.srv.SetSSO(ststest.SSOSettings{UserName: "jbrowne", AccessTokenLifetime: 10 * time.Minute})
	first := w.login()
	path := w.tokenPath()
	// Another tool added fields of its own.
	content := strings.Replace(w.readFile(path), `{"startUrl"`, `{"tool": {"name": "x", "n": [1, 2]}, "startUrl"`, 1)
	w.writeFile(path, strings.TrimSuffix(content, "}")+`, "zz": null}`)

	w.srv.ResetCounts()
	tok := w.login() // 10 minutes left: under the 15-minute window
	if got := w.counts("CreateToken.refresh_token", "CreateToken", "RegisterClient"); got != "CreateToken.refresh_token=1 CreateToken=1 RegisterClient=0" || w.opened != 1 {
		t.Errorf("refresh: %s, browser %d", got, w.opened)
	}
	if tok.AccessToken == first.AccessToken {
		t.Error("the token was not refreshed")
	}
	content = w.readFile(path)
	if !strings.HasPrefix(content, `{"startUrl": `) || !strings.Contains(content, `"tool": {"name": "x", "n": [1, 2]}`) ||
		!strings.HasSuffix(content, `, "zz": null}`) || !strings.Contains(content, tok.AccessToken) {
		t.Errorf("rewritten token file:\n%s", content)
	}
}

func TestRefreshRefusedLogsInOnce(t *testing.T) {
	w := newWorld(t)
	w.login()
	tok, _ := readToken(w.tokenPath())
	tok.ExpiresAt = time.Now().Add(-time.Minute).Truncate(time.Second)
	w.writeFile(w.tokenPath(), string(tok.encode()))
	w.srv.EndSSOSessions()
	w.srv.ResetCounts()
	w.login()
	if got := w.counts("CreateToken.refresh_token", "CreateToken.authorization_code", "RegisterClient"); got !=
		"CreateToken.refresh_token=1 CreateToken.authorization_code=1 RegisterClient=0" || w.opened != 2 {
		t.Errorf("%s, browser %d", got, w.opened)
	}
	if len(w.warnings) != 1 || !strings.Contains(w.warnings[0], "could not refresh") || strings.Contains(w.warnings[0], tok.RefreshToken) {
		t.Errorf("warnings %q", w.warnings)
	}
}

func TestOneRefreshBetweenConcurrentCallers(t *testing.T) {
	w := newWorld(t)
	w.login()
	tok, _ := readToken(w.tokenPath())
	tok.ExpiresAt = time.Now().Add(-time.Second).Truncate(time.Second)
	w.writeFile(w.tokenPath(), string(tok.encode()))
	w.srv.ResetCounts()
	w.srv.SetDelay(50 * time.Millisecond) // so that the callers overlap

	const n = 8
	var wg sync.WaitGroup
	tokens := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			opts := w.opts()
			opts.NoLogin = true
			t, err := w.client().Token(context.Background(), w.sess, opts)
			tokens[i], errs[i] = t.AccessToken, err
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || tokens[i] != tokens[0] {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
	}
	if got := w.counts("CreateToken", "RegisterClient"); got != "CreateToken=1 RegisterClient=0" || w.opened != 1 {
		t.Errorf("%d callers made %s, browser %d", n, got, w.opened)
	}
}

func TestLoginRefusals(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(w *world)
		browser func(w *world) func(string) error
		want    string
		kind    xerr.Kind
	}{
		{name: "wrong state", setup: func(w *world) { w.srv.SetSSO(ststest.SSOSettings{Consent: ststest.SSOWrongState}) },
			want: "login state mismatch", kind: xerr.Failed},
		{name: "denied", setup: func(w *world) { w.srv.SetSSO(ststest.SSOSettings{Consent: ststest.SSODeny}) },
			want: "the login was refused in the browser (access_denied", kind: xerr.Failed},
		{name: "abandoned", browser: func(w *world) func(string) error { return func(string) error { return nil } },
			want: "timed out after 1s", kind: xerr.NeedsPerson},
		{name: "code of another login", browser: func(w *world) func(string) error { return w.swapCode },
			want: "refused CreateToken (InvalidGrantException: The code verifier does not match the code challenge)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			if tc.setup != nil {
				tc.setup(w)
			}
			opts := w.opts()
			opts.Timeout = time.Second
			if tc.browser != nil {
				opts.Open = tc.browser(w)
			}
			_, err := w.client().Token(context.Background(), w.sess, opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if tc.kind != xerr.Failed && xerr.KindOf(err) != tc.kind {
				t.Errorf("kind %v, want %v", xerr.KindOf(err), tc.kind)
			}
			if _, err := os.Stat(w.tokenPath()); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a token file was written: %v", err)
			}
		})
	}
}

// swapCode is a browser that brings back, with the right state, the code
// of another authorization request, whose challenge is not the login's:
// the exchange must fail on the verifier.
func (w *world) swapCode(authURL string) error {
	q := queryOf(w.t, authURL)
	other := strings.Replace(authURL, "code_challenge="+q.Get("code_challenge"),
		"code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", 1)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(other)
	if err != nil {
		return err
	}
	resp.Body.Close()
	resp, err = http.Get(resp.Header.Get("Location"))
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

func TestExpiredRegistrationIsReplaced(t *testing.T) {
	w := newWorld(t)
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	w.srv.SetClock(clk.Now)
	w.srv.SetSSO(ststest.SSOSettings{ClientLifetime: time.Hour, AccessTokenLifetime: 20 * time.Minute})
	c := w.client()
	c.Now = clk.Now
	if _, err := c.Token(context.Background(), w.sess, w.opts()); err != nil {
		t.Fatal(err)
	}
	step := func(d time.Duration, want string) {
		t.Helper()
		clk.Add(d)
		w.srv.ResetCounts()
		if _, err := c.Token(context.Background(), w.sess, w.opts()); err != nil {
			t.Fatal(err)
		}
		if got := w.counts("RegisterClient", "CreateToken.refresh_token", "CreateToken.authorization_code"); got != want {
			t.Errorf("after %v: %s, want %s", d, got, want)
		}
	}
	// 50 minutes on the token has expired; the registration, with 10
	// minutes left, still serves a refresh.
	step(50*time.Minute, "RegisterClient=0 CreateToken.refresh_token=1 CreateToken.authorization_code=0")
	// 25 more, the registration has expired: no refresh is tried, and the
	// new login registers a new client.
	step(25*time.Minute, "RegisterClient=1 CreateToken.refresh_token=0 CreateToken.authorization_code=1")
	// When the file says the registration is good but the service has
	// ended it, the refresh fails (InvalidClientException) and a new
	// client logs in.
	clk.Add(61 * time.Minute)
	tok, _ := readToken(w.tokenPath())
	tok.RegistrationExpiresAt = clk.Now().Add(time.Hour)
	w.writeFile(w.tokenPath(), string(tok.encode()))
	step(0, "RegisterClient=1 CreateToken.refresh_token=1 CreateToken.authorization_code=1")
	if len(w.warnings) != 1 || !strings.Contains(w.warnings[0], "InvalidClientException") {
		t.Errorf("warnings %q", w.warnings)
	}
}

func TestCorruptTokenFileIsReplaced(t *testing.T) {
	for name, content := range map[string]string{
		"garbage":    "{not json",
		"no expiry":  `{"accessToken": "x"}`,
		"bad time":   `{"accessToken": "x", "expiresAt": "tomorrow"}`,
		"wrong type": `{"accessToken": 7, "expiresAt": "2030-01-01T00:00:00Z"}`,
		"array":      `["accessToken"]`,
		"trailing":   `{"accessToken": "x", "expiresAt": "2030-01-01T00:00:00Z"} {}`,
	} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			w.writeFile(w.tokenPath(), content)
			opts := w.opts()
			opts.NoLogin = true
			_, err := w.client().Token(context.Background(), w.sess, opts)
			if xerr.KindOf(err) != xerr.NeedsPerson || !strings.Contains(err.Error(), "run 'awsenv sso login my-sso'") {
				t.Fatalf("no login allowed: %v", err)
			}
			w.login()
			if _, err := readToken(w.tokenPath()); err != nil {
				t.Errorf("the file was not replaced: %v", err)
			}
			if len(w.warnings) == 0 || !strings.Contains(w.warnings[0], "the next login replaces it") {
				t.Errorf("warnings %q", w.warnings)
			}
		})
	}
}

func TestTokenOfAnotherStartURLIsNotUsed(t *testing.T) {
	w := newWorld(t)
	w.login()
	w.srv.SetSSO(ststest.SSOSettings{StartURL: "https://d-2222222222.awsapps.com/start"})
	w.sess.StartURL = "https://d-2222222222.awsapps.com/start"
	w.srv.ResetCounts()
	w.login()
	if w.srv.Count("CreateToken.authorization_code") != 1 || len(w.warnings) != 1 {
		t.Errorf("%s, warnings %q", w.counts("CreateToken.authorization_code"), w.warnings)
	}
}

func TestSessionChecks(t *testing.T) {
	w := newWorld(t)
	for _, tc := range []struct {
		sess Session
		want string
	}{
		{Session{Name: "s", Region: "eu-west-1"}, `sso session "s" has no sso_start_url: set it`},
		{Session{Name: "s", StartURL: "https://x/start"}, `sso session "s": no sso region: set sso_region`},
		{Session{StartURL: "https://x/start", Region: "eu-west-1.evil.com/"}, `sso start url "https://x/start": sso region "eu-west-1.evil.com/" is not a region name`},
		{Session{Name: "s", StartURL: "x", Region: "eu-west-1"}, `sso_start_url "x" is not a URL`},
	} {
		_, err := w.client().Token(context.Background(), tc.sess, w.opts())
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || xerr.KindOf(err) != xerr.Failed {
			t.Errorf("%+v: %v, want %q", tc.sess, err, tc.want)
		}
	}
}

// Renewal reads the cached token and nothing else: no call, no refresh,
// even of a token about to expire.
func TestRenewalReadsOnly(t *testing.T) {
	w := newWorld(t)
	if exp, refreshable := w.client().Renewal(w.sess); !exp.IsZero() || refreshable {
		t.Errorf("no login yet: %v %v", exp, refreshable)
	}
	w.login()
	tok, _ := readToken(w.tokenPath())
	tok.ExpiresAt = time.Now().Add(time.Minute).Truncate(time.Second) // inside the refresh window
	w.writeFile(w.tokenPath(), string(tok.encode()))
	before := w.readFile(w.tokenPath())
	w.srv.ResetCounts()
	exp, refreshable := w.client().Renewal(w.sess)
	if !exp.Equal(tok.ExpiresAt) || !refreshable {
		t.Errorf("renewal %v %v, want %v and refreshable", exp, refreshable, tok.ExpiresAt)
	}
	if got := w.counts("CreateToken", "CreateToken.refresh_token", "RegisterClient"); got != "CreateToken=0 CreateToken.refresh_token=0 RegisterClient=0" {
		t.Errorf("calls: %s", got)
	}
	if w.readFile(w.tokenPath()) != before {
		t.Error("the token file changed")
	}
	// Without a refresh token, it ends with the access token.
	tok.RefreshToken = ""
	w.writeFile(w.tokenPath(), string(tok.encode()))
	if exp, refreshable := w.client().Renewal(w.sess); !exp.Equal(tok.ExpiresAt) || refreshable {
		t.Errorf("without a refresh token: %v %v", exp, refreshable)
	}
	// Another start URL's token is not this session's.
	other := w.sess
	other.StartURL = "https://other.awsapps.com/start"
	if exp, refreshable := w.client().Renewal(other); !exp.IsZero() || refreshable {
		t.Errorf("another start url: %v %v", exp, refreshable)
	}
}
