package sso

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awsenv/awsenv/internal/ststest"
	"github.com/awsenv/awsenv/internal/xerr"
)

// deviceClient is a client on a clock shared with the stand-in whose
// Sleep moves the clock on at once, records the waits, and runs hook after
// each.
func (w *world) deviceClient(hook func(n int)) (*Client, *[]time.Duration) {
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	w.srv.SetClock(clk.Now)
	var mu sync.Mutex
	var waits []time.Duration
	c := w.client()
	c.Now = clk.Now
	c.Sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		n := len(waits)
		mu.Unlock()
		clk.Add(d)
		if hook != nil {
			hook(n)
		}
		return ctx.Err()
	}
	return c, &waits
}

func TestDeviceLoginHonoursPendingAndSlowDown(t *testing.T) {
	w := newWorld(t)
	w.srv.SetSSO(ststest.SSOSettings{UserName: "jbrowne", UserCode: "WXYZ-BCDF"})
	w.srv.AddSSOFault(ststest.SSOFault{Action: "CreateToken", Code: "SlowDownException", Times: 2})
	c, waits := w.deviceClient(func(n int) {
		if n == 4 { // the person approves during the fourth wait
			if err := w.srv.ApproveSSODevice("WXYZ-BCDF"); err != nil {
				t.Error(err)
			}
		}
	})
	opts := LoginOptions{DeviceCode: true, Show: w.show}
	tok, err := c.Token(context.Background(), w.sess, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{time.Second, 6 * time.Second, 11 * time.Second, 11 * time.Second}
	if fmt.Sprint(*waits) != fmt.Sprint(want) {
		t.Errorf("waits %v, want %v (slow_down adds 5s for good)", *waits, want)
	}
	if len(w.shown) != 1 || w.shown[0] != w.url+"/device?user_code=WXYZ-BCDF WXYZ-BCDF" {
		t.Errorf("shown %q", w.shown)
	}
	if got := w.counts("RegisterClient", "StartDeviceAuthorization", "CreateToken.device_code"); got !=
		"RegisterClient=1 StartDeviceAuthorization=1 CreateToken.device_code=2" { // +2 answered by the faults
		t.Errorf("%s", got)
	}
	if w.srv.Count("CreateToken") != 4 {
		t.Errorf("CreateToken %d, want 4", w.srv.Count("CreateToken"))
	}
	// The device registration has no grantTypes, as the CLI's, in a file
	// of its own: a later browser login registers its own client.
	reg := readRegistration(strings.Replace(w.tokenPath(), TokenFile(w.sess), RegistrationFile(w.sess, false), 1))
	if reg == nil || reg.forAuthCode() || reg.GrantTypes != nil {
		t.Errorf("registration %+v", reg)
	}
	cr, err := c.RoleCredentials(context.Background(), tok, testAccount, testRole)
	if err != nil {
		t.Fatal(err)
	}
	if w.callerARN(cr) != w.srv.SSORoleARN(testAccount, testRole) {
		t.Error("wrong role")
	}
}

func TestDeviceLoginEnds(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		kind       xerr.Kind
		hook       func(w *world) func(int)
	}{
		{"expired", "the device code of sso session \"my-sso\" expired before the login was approved: run the login again and approve it within 10s",
			xerr.NeedsPerson, nil},
		{"denied", "the login to sso session \"my-sso\" was refused in the browser", xerr.Failed, func(w *world) func(int) {
			return func(n int) {
				if n == 1 {
					_ = w.srv.DenySSODevice("WXYZ-BCDF")
				}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.srv.SetSSO(ststest.SSOSettings{UserCode: "WXYZ-BCDF", DeviceCodeLifetime: 10 * time.Second})
			var hook func(int)
			if tc.hook != nil {
				hook = tc.hook(w)
			}
			c, waits := w.deviceClient(hook)
			_, err := c.Token(context.Background(), w.sess, LoginOptions{DeviceCode: true, Show: w.show})
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) || xerr.KindOf(err) != tc.kind {
				t.Fatalf("got %v (kind %v), want %q", err, xerr.KindOf(err), tc.want)
			}
			if len(*waits) > 11 {
				t.Errorf("%d polls", len(*waits))
			}
			if _, err := os.Stat(w.tokenPath()); !errors.Is(err, os.ErrNotExist) {
				t.Error("a token file was written")
			}
		})
	}
}

func TestRejectedTokenLogsInOnce(t *testing.T) {
	for _, tc := range []struct {
		name    string
		end     func(*ststest.Server)
		browser int // logins in the browser after the first
		want    string
	}{
		{"access token ended early", (*ststest.Server).ExpireSSOAccessTokens, 0,
			"CreateToken.refresh_token=1 CreateToken.authorization_code=0 GetRoleCredentials=2"},
		{"session ended", func(s *ststest.Server) { s.ExpireSSOAccessTokens(); s.EndSSOSessions() }, 1,
			"CreateToken.refresh_token=1 CreateToken.authorization_code=1 GetRoleCredentials=2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.login()
			tc.end(w.srv)
			w.srv.ResetCounts()
			cr, err := w.client().RoleCredentialsFor(context.Background(), w.sess, testAccount, testRole, w.opts())
			if err != nil {
				t.Fatal(err)
			}
			if got := w.counts("CreateToken.refresh_token", "CreateToken.authorization_code", "GetRoleCredentials"); got != tc.want || w.opened != 1+tc.browser {
				t.Errorf("%s, browser %d", got, w.opened)
			}
			if w.callerARN(cr) != w.srv.SSORoleARN(testAccount, testRole) {
				t.Error("wrong role")
			}
		})
	}
	// Without a person, a rejected token ends in an error that says to log in.
	w := newWorld(t)
	w.login()
	w.srv.ExpireSSOAccessTokens()
	w.srv.EndSSOSessions()
	opts := w.opts()
	opts.NoLogin = true
	_, err := w.client().RoleCredentialsFor(context.Background(), w.sess, testAccount, testRole, opts)
	if xerr.KindOf(err) != xerr.NeedsPerson || !strings.Contains(err.Error(), "run 'awsenv sso login my-sso'") {
		t.Errorf("no login: %v", err)
	}
}

func TestNoAccessListsWhatThePersonHas(t *testing.T) {
	w := newWorld(t)
	for i := range 12 {
		w.srv.AddSSOAccount(fmt.Sprintf("9000000000%02d", i), fmt.Sprintf("team-%d", i), "Dev")
	}
	tok := w.login()
	c := w.client()
	_, err := c.RoleCredentials(context.Background(), tok, testAccount, "Admin")
	var na *NoAccessError
	if !errors.As(err, &na) || !errors.Is(err, ErrNoAccess) || xerr.KindOf(err) != xerr.Failed {
		t.Fatalf("got %v", err)
	}
	if want := `sso session "my-sso" has no access to role "Admin" in account 111122223333: its roles there are "ReadOnly" and "AdministratorAccess"; set sso_role_name to one of them`; err.Error() != want {
		t.Errorf("got  %s\nwant %s", err, want)
	}
	_, err = c.RoleCredentials(context.Background(), tok, "777777777777", "Admin")
	if want := `sso session "my-sso" has no access to account 777777777777: it can reach 111122223333 (prod), 444455556666 (staging), 900000000000 (team-0)`; !strings.HasPrefix(err.Error(), want) ||
		!strings.HasSuffix(err.Error(), "and 4 more (awsenv sso populate lists them all); check sso_account_id") {
		t.Errorf("got %s", err)
	}
}

func TestListsAndLogout(t *testing.T) {
	w := newWorld(t)
	for i := range 300 {
		w.srv.AddSSOAccount(fmt.Sprintf("5000000%05d", i), fmt.Sprintf("a%d", i), "Admin", "ReadOnly", "Billing")
	}
	tok := w.login()
	c := w.client()
	w.srv.ResetCounts()
	accounts, err := c.ListAccounts(context.Background(), tok)
	if err != nil || len(accounts) != 302 || w.srv.Count("ListAccounts") != 4 {
		t.Fatalf("%d accounts in %d calls: %v", len(accounts), w.srv.Count("ListAccounts"), err)
	}
	if accounts[0] != (Account{ID: testAccount, Name: "prod", Email: "aws+prod@example.com"}) {
		t.Errorf("first account %+v", accounts[0])
	}
	roles, err := c.ListAccountRoles(context.Background(), tok, "500000000299")
	if err != nil || strings.Join(roles, ",") != "Admin,ReadOnly,Billing" {
		t.Errorf("roles %v %v", roles, err)
	}

	if err := c.Logout(context.Background(), w.sess); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(w.tokenPath()); !errors.Is(err, os.ErrNotExist) {
		t.Error("the token file is still there")
	}
	if _, err := c.ListAccounts(context.Background(), tok); !errors.Is(err, ErrTokenRejected) {
		t.Errorf("the token still works after logout: %v", err)
	}
	if w.srv.Count("Logout") != 1 {
		t.Errorf("Logout calls %d", w.srv.Count("Logout"))
	}
	if err := c.Logout(context.Background(), w.sess); err != nil { // nothing to do
		t.Errorf("second logout: %v", err)
	}
}

func TestEndpoints(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, tc := range []struct {
		region string
		getenv func(string) string
		oidc   string
		portal string
		err    string
	}{
		{"us-east-1", env(), "https://oidc.us-east-1.amazonaws.com", "https://portal.sso.us-east-1.amazonaws.com", ""},
		{"cn-north-1", env(), "https://oidc.cn-north-1.amazonaws.com.cn", "https://portal.sso.cn-north-1.amazonaws.com.cn", ""},
		{"us-gov-west-1", env(), "https://oidc.us-gov-west-1.amazonaws.com", "https://portal.sso.us-gov-west-1.amazonaws.com", ""},
		{"us-isob-east-1", env(), "https://oidc.us-isob-east-1.sc2s.sgov.gov", "https://portal.sso.us-isob-east-1.sc2s.sgov.gov", ""},
		{"eu-west-1", env("AWS_ENDPOINT_URL", "http://127.0.0.1:1/"), "http://127.0.0.1:1", "http://127.0.0.1:1", ""},
		{"eu-west-1", env("AWS_ENDPOINT_URL", "https://a:1", "AWS_ENDPOINT_URL_SSO_OIDC", "https://o:2", "AWS_ENDPOINT_URL_SSO", "https://p:3"),
			"https://o:2", "https://p:3", ""},
		// Plain http to another computer only for a user who says so.
		{"eu-west-1", env("AWS_ENDPOINT_URL_SSO_OIDC", "http://o:2"), "", "", `AWS_ENDPOINT_URL_SSO_OIDC="http://o:2" is plain http to o, another computer`},
		{"eu-west-1", env("AWS_ENDPOINT_URL_SSO", "http://p:3"), "", "", `AWS_ENDPOINT_URL_SSO="http://p:3" is plain http to p, another computer`},
		{"eu-west-1", env("AWS_ENDPOINT_URL", "http://a:1", "AWSENV_ALLOW_HTTP", "1"), "http://a:1", "http://a:1", ""},
		{"eu-west-1", env("AWS_ENDPOINT_URL_SSO", "http://p:3", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"),
			"https://oidc.eu-west-1.amazonaws.com", "https://portal.sso.eu-west-1.amazonaws.com", ""},
		{"eu-west-1", env("AWS_ENDPOINT_URL_SSO", "ftp://p"), "", "", `AWS_ENDPOINT_URL_SSO="ftp://p" is not an http(s) URL: fix or unset it`},
		{"Eu-West-1", env(), "", "", `sso region "Eu-West-1" is not a region name`},
		{"", env(), "", "", "no sso region"},
	} {
		ep, err := ResolveEndpoints(tc.region, tc.getenv)
		if tc.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
				t.Errorf("%s: %v, want %q", tc.region, err, tc.err)
			}
			continue
		}
		if err != nil || ep.OIDC != tc.oidc || ep.Portal != tc.portal {
			t.Errorf("%s: %+v %v", tc.region, ep, err)
		}
	}
}

func TestCallsNeverFollowRedirectsNorLeakSecrets(t *testing.T) {
	const secret = "aor-SECRET-REFRESH-TOKEN"
	var echo = func(w http.ResponseWriter, r *http.Request) {
		body := make([]byte, 4096)
		n, _ := r.Body.Read(body)
		w.Header().Set("X-Amzn-Errortype", "InvalidGrantException")
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"error":"invalid_grant","error_description":%q}`, "bad request: "+string(body[:n]))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/token", echo)
	mux.HandleFunc("/assignment/accounts", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://elsewhere.example/", http.StatusFound)
	})
	// Answers only when the test ends: only the client's timeout ends the call.
	answer := make(chan struct{})
	mux.HandleFunc("/client/register", func(w http.ResponseWriter, r *http.Request) { <-answer })
	fake := httptest.NewServer(mux)
	defer fake.Close()
	defer close(answer) // before the server closes

	c := &Client{Getenv: func(k string) string {
		if k == "AWS_ENDPOINT_URL" {
			return fake.URL
		}
		return map[string]string{"HOME": t.TempDir()}[k]
	}, Timeout: 100 * time.Millisecond}
	sess := Session{Name: "s", StartURL: "https://d-1.awsapps.com/start", Region: "eu-west-1"}
	_, err := c.refresh(context.Background(), sess, &cachedToken{ClientID: "cid", ClientSecret: "CLIENT-SECRET", RefreshToken: secret})
	if err == nil || strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "CLIENT-SECRET") ||
		!strings.HasPrefix(err.Error(), "sso-oidc at 127.0.0.1:") || !strings.Contains(err.Error(), "refused CreateToken (InvalidGrantException: bad request:") {
		t.Errorf("refresh error: %v", err)
	}
	_, err = c.ListAccounts(context.Background(), Token{AccessToken: "aoa-TOKEN", Session: sess})
	if err == nil || !strings.Contains(err.Error(), "answered ListAccounts with a redirect (302) that awsenv does not follow: check AWS_ENDPOINT_URL") ||
		strings.Contains(err.Error(), "aoa-TOKEN") {
		t.Errorf("redirect: %v", err)
	}
	_, err = c.Token(context.Background(), sess, LoginOptions{Show: func(string, string) error { return nil }})
	if err == nil || !strings.Contains(err.Error(), "did not answer RegisterClient within 100ms: check AWS_ENDPOINT_URL or raise --timeout") {
		t.Errorf("timeout: %v", err)
	}
	c.Getenv = func(k string) string {
		return map[string]string{"HOME": t.TempDir(), "AWS_ENDPOINT_URL_SSO_OIDC": "http://127.0.0.1:1"}[k]
	}
	_, err = c.Token(context.Background(), sess, LoginOptions{Show: func(string, string) error { return nil }})
	if err == nil || !strings.HasPrefix(err.Error(), "cannot reach sso-oidc at 127.0.0.1:1: ") || !strings.HasSuffix(err.Error(), "check AWS_ENDPOINT_URL_SSO_OIDC") {
		t.Errorf("unreachable: %v", err)
	}
}

func TestTokenNeverPrints(t *testing.T) {
	tok := Token{AccessToken: "aoa-SECRET", ExpiresAt: time.Unix(0, 0), Session: Session{Name: "s"}}
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(f, tok); strings.Contains(out, "SECRET") {
			t.Errorf("%s shows the token: %s", f, out)
		}
	}
}
