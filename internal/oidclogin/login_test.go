package oidclogin

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/awsenv/awsenv/internal/xerr"
)

func TestLogin(t *testing.T) {
	var mu sync.Mutex
	var forms []url.Values
	m := provider(t, recordToken(&mu, &forms))
	b := &browser{}
	cfg := config(m, b)
	cfg.Scopes = []string{"email", "openid", "email"}
	start := time.Now()
	tok, err := Login(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Subject != "1234567890" || tok.Email != "jane.doe@example.com" {
		t.Errorf("subject %q email %q", tok.Subject, tok.Email)
	}
	if d := tok.Expiry.Sub(start); d < 9*time.Minute || d > 11*time.Minute {
		t.Errorf("expiry in %v, want mockoidc's 10m", d)
	}
	if b.status != http.StatusOK || !strings.Contains(b.page, "You can close this tab") {
		t.Errorf("browser got %d %q", b.status, b.page)
	}

	// The authorization request.
	au, err := url.Parse(b.authURL)
	if err != nil {
		t.Fatal(err)
	}
	q := au.Query()
	if au.Scheme+"://"+au.Host+au.Path != m.AuthorizationEndpoint() {
		t.Errorf("auth URL %s is not the provider's endpoint %s", au, m.AuthorizationEndpoint())
	}
	for k, want := range map[string]string{
		"response_type": "code", "client_id": m.ClientID, "code_challenge_method": "S256", "scope": "openid email",
	} {
		if got := q.Get(k); got != want {
			t.Errorf("%s=%q, want %q", k, got, want)
		}
	}
	if q.Has("client_secret") {
		t.Error("the auth URL carries the client secret")
	}
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		raw, err := base64.RawURLEncoding.DecodeString(q.Get(k))
		if err != nil || len(raw) < 16 {
			t.Errorf("%s=%q: want at least 128 random bits, base64url", k, q.Get(k))
		}
	}
	if q.Get("state") == q.Get("nonce") {
		t.Error("state and nonce are the same")
	}
	ru, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(ru.Port())
	if ru.Scheme != "http" || ru.Hostname() != "127.0.0.1" || port == 0 || ru.Path != "/callback" {
		t.Errorf("redirect_uri %q", ru)
	}

	// The token request proved possession of the PKCE verifier.
	mu.Lock()
	if len(forms) == 0 {
		t.Fatal("no token request")
	}
	last := forms[len(forms)-1]
	mu.Unlock()
	sum := sha256.Sum256([]byte(last.Get("code_verifier")))
	if last.Get("code_verifier") == "" || base64.RawURLEncoding.EncodeToString(sum[:]) != q.Get("code_challenge") {
		t.Errorf("code_verifier %q does not match code_challenge %q", last.Get("code_verifier"), q.Get("code_challenge"))
	}
	if last.Get("redirect_uri") != ru.String() || last.Get("code") != b.code {
		t.Errorf("token request %v", last)
	}

	// The ID token is the provider's, for this client and this login.
	claims := verifyWith(t, tok.IDToken, &m.Keypair.PrivateKey.PublicKey)
	if aud, _ := claims["aud"].([]any); len(aud) != 1 || aud[0] != m.ClientID || claims["nonce"] != q.Get("nonce") || claims["iss"] != m.Issuer() {
		t.Errorf("claims %v", claims)
	}

	// The listener lived only for the login.
	if c, err := net.DialTimeout("tcp", ru.Host, time.Second); err == nil {
		c.Close()
		t.Errorf("still listening on %s after the login", ru.Host)
	}
}

func TestLoginRefusesForgedTokens(t *testing.T) {
	for _, tc := range []struct {
		name  string
		other bool // sign with another key than the provider's
		edit  func(c map[string]any)
		want  string
	}{
		{"bad signature", true, func(map[string]any) {}, "failed verification"},
		{"wrong audience", false, func(c map[string]any) { c["aud"] = "other-client" }, "audience"},
		{"expired", false, func(c map[string]any) {
			c["exp"] = time.Now().Add(-time.Minute).Unix()
			c["iat"] = time.Now().Add(-time.Hour).Unix()
		}, "expired"},
		{"wrong nonce", false, func(c map[string]any) { c["nonce"] = "not-this-login" }, "nonce"},
		{"missing nonce", false, func(c map[string]any) { delete(c, "nonce") }, "nonce"},
		{"wrong issuer", false, func(c map[string]any) { c["iss"] = "https://evil.example.com" }, "failed verification"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var forged string
			var m *mockoidc.MockOIDC
			mw := func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					key := m.Keypair.PrivateKey
					if tc.other {
						key = otherKey()
					}
					kid, _ := m.Keypair.KeyID()
					forge(t, key, kid, tc.edit, &forged)(next).ServeHTTP(w, r)
				})
			}
			m = provider(t, mw)
			b := &browser{}
			tok, err := Login(context.Background(), config(m, b))
			if forged == "" {
				t.Fatalf("the token endpoint was not reached: %v", err)
			}
			expectRefused(t, tok, err, b, forged, tc.want)
			if b.status != http.StatusBadRequest || !strings.Contains(b.page, "Login failed") {
				t.Errorf("browser got %d %q", b.status, b.page)
			}
		})
	}
}

func TestLoginClockDecidesExpiry(t *testing.T) {
	m := provider(t)
	b := &browser{}
	cfg := config(m, b)
	cfg.Now = func() time.Time { return time.Now().Add(time.Hour) }
	tok, err := Login(context.Background(), cfg)
	expectRefused(t, tok, err, b, "", "expired")
}

func TestLoginWrongState(t *testing.T) {
	var tokenCalls sync.Mutex
	var forms []url.Values
	m := provider(t, recordToken(&tokenCalls, &forms))
	b := &browser{edit: func(u *url.URL) {
		q := u.Query()
		q.Set("state", "forged-"+q.Get("state"))
		u.RawQuery = q.Encode()
	}}
	tok, err := Login(context.Background(), config(m, b))
	expectRefused(t, tok, err, b, "", "login state mismatch: ")
	if b.callback == nil {
		t.Fatal("the browser never reached the callback")
	}
	tokenCalls.Lock()
	defer tokenCalls.Unlock()
	if len(forms) != 0 {
		t.Errorf("the code was exchanged despite the wrong state")
	}
}

func TestLoginProviderError(t *testing.T) {
	// The provider sends the browser back with an error, as one does when
	// the user refuses consent.
	deny := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != mockoidc.AuthorizationEndpoint {
				next.ServeHTTP(w, r)
				return
			}
			q := r.URL.Query()
			back := q.Get("redirect_uri") + "?" + url.Values{
				"error": {"access_denied"}, "error_description": {"The user\ndenied access"}, "state": {q.Get("state")},
			}.Encode()
			http.Redirect(w, r, back, http.StatusFound)
		})
	}
	m := provider(t, deny)
	b := &browser{}
	tok, err := Login(context.Background(), config(m, b))
	expectRefused(t, tok, err, b, "", "access_denied: The user denied access")
}

func TestLoginTokenEndpointError(t *testing.T) {
	// mockoidc echoes a code it does not know in its error description.
	var m *mockoidc.MockOIDC
	eatCode := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == mockoidc.TokenEndpoint {
				_ = r.ParseForm()
				if code := r.PostForm.Get("code"); code != "" {
					delete(m.SessionStore.Store, code)
				}
			}
			next.ServeHTTP(w, r)
		})
	}
	m = provider(t, eatCode)
	b := &browser{}
	tok, err := Login(context.Background(), config(m, b))
	expectRefused(t, tok, err, b, "", "invalid_grant")
	if !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("error %q: want the code redacted", err)
	}
}

func TestLoginTimeout(t *testing.T) {
	m := provider(t)
	var redirect string
	cfg := config(m, &browser{})
	cfg.Timeout = 300 * time.Millisecond
	cfg.Show = func(authURL string) error {
		u, _ := url.Parse(authURL)
		redirect = u.Query().Get("redirect_uri")
		return nil // the user never comes back
	}
	start := time.Now()
	tok, err := Login(context.Background(), cfg)
	expectRefused(t, tok, err, &browser{}, "", "login timed out after 300ms")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v is not DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %v", d)
	}
	u, _ := url.Parse(redirect)
	if c, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		c.Close()
		t.Errorf("still listening on %s after the timeout", u.Host)
	}
}

func TestLoginCanceled(t *testing.T) {
	m := provider(t)
	ctx, cancel := context.WithCancel(context.Background())
	cfg := config(m, &browser{})
	cfg.Show = func(string) error { cancel(); return nil }
	tok, err := Login(ctx, cfg)
	expectRefused(t, tok, err, &browser{}, "", "login stopped")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v is not Canceled", err)
	}
}

func TestLoginShowFails(t *testing.T) {
	m := provider(t)
	cfg := config(m, &browser{})
	cfg.Show = func(string) error { return errors.New("no browser") }
	tok, err := Login(context.Background(), cfg)
	expectRefused(t, tok, err, &browser{}, "", "cannot show the login url: no browser")
}

func TestLoginBadIssuer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	ln.Close()
	shown := false
	tok, err := Login(context.Background(), Config{
		Issuer: issuer, ClientID: "c", Show: func(string) error { shown = true; return nil }, Timeout: 5 * time.Second,
	})
	expectRefused(t, tok, err, &browser{}, "", "cannot read the discovery document of issuer")
	if shown {
		t.Error("Show was called without a provider")
	}

	// An issuer whose discovery document names another issuer.
	m := provider(t)
	tok, err = Login(context.Background(), Config{
		Issuer: m.Addr() + "/oidc/", ClientID: m.ClientID, Show: func(string) error { shown = true; return nil },
	})
	expectRefused(t, tok, err, &browser{}, "", "check the issuer url")
	if shown {
		t.Error("Show was called for a mismatched issuer")
	}
}

func TestLoginConfigErrors(t *testing.T) {
	show := func(string) error { t.Error("Show called"); return nil }
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{ClientID: "c", Show: show}, "no oidc issuer"},
		{Config{Issuer: "https://idp.example.com", Show: show}, "no oidc client id"},
		{Config{Issuer: "https://idp.example.com", ClientID: "c"}, "Show is nil"},
		{Config{Issuer: "http://idp.example.com", ClientID: "c", Show: show}, `oidc issuer "http://idp.example.com" is plain http to idp.example.com, another computer`},
		{Config{Issuer: "ftp://idp.example.com", ClientID: "c", Show: show}, "is not an https url"},
		{Config{Issuer: "idp.example.com", ClientID: "c", Show: show}, "is not an https url"},
		{Config{Issuer: "https://", ClientID: "c", Show: show}, "is not an https url"},
	} {
		_, err := Login(context.Background(), tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Login(%+v): %v, want an error containing %q", tc.cfg, err, tc.want)
		}
	}
	for _, ok := range []string{"https://idp.example.com/realm", "http://127.0.0.1:8080/oidc", "http://localhost:5556", "http://[::1]:9000"} {
		if err := checkIssuer(ok, false); err != nil {
			t.Errorf("checkIssuer(%q): %v", ok, err)
		}
	}
	// A user who means it (AWSENV_ALLOW_HTTP=1) may use plain http anywhere.
	if err := checkIssuer("http://idp.example.com", true); err != nil {
		t.Errorf("checkIssuer with http allowed: %v", err)
	}
	if err := checkIssuer("ftp://idp.example.com", true); err == nil {
		t.Error("checkIssuer with http allowed took ftp")
	}
}

func TestSecondCallbackRefused(t *testing.T) {
	m := provider(t)
	b := &browser{}
	cfg := config(m, b)
	var again *http.Response
	show := cfg.Show
	cfg.Show = func(authURL string) error {
		if err := show(authURL); err != nil {
			return err
		}
		// A replay of the same callback, while the listener still runs.
		var err error
		again, err = http.Get(b.callback.String())
		if err == nil {
			again.Body.Close()
		}
		return err
	}
	if _, err := Login(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if again.StatusCode != http.StatusConflict {
		t.Errorf("second callback got %d, want 409", again.StatusCode)
	}
}

func TestScopes(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, "openid"},
		{[]string{"email", "profile"}, "openid email profile"},
		{[]string{"profile", "openid", " ", "profile"}, "openid profile"},
	} {
		if got := strings.Join(scopes(tc.in), " "); got != tc.want {
			t.Errorf("scopes(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestClean(t *testing.T) {
	if got := xerr.Clip("a\nb\r\n\tc\x1b[31m", maxNetText); got != "a b c [31m" {
		t.Errorf("clean: %q", got)
	}
	if got := xerr.Clip(strings.Repeat("x", 300), maxNetText); len(got) != 203 {
		t.Errorf("clean did not truncate: %d", len(got))
	}
}

func TestLoginPublicClient(t *testing.T) {
	// mockoidc only knows confidential clients: this middleware checks that
	// the public client sent client_id in the body and no Authorization,
	// then adds the secret for mockoidc.
	var m *mockoidc.MockOIDC
	var sawPublic bool
	public := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == mockoidc.TokenEndpoint {
				_ = r.ParseForm()
				sawPublic = r.Header.Get("Authorization") == "" && r.PostForm.Get("client_id") == m.ClientID &&
					!r.PostForm.Has("client_secret")
				r.Form.Set("client_secret", m.ClientSecret)
			}
			next.ServeHTTP(w, r)
		})
	}
	m = provider(t, public)
	b := &browser{}
	cfg := config(m, b)
	cfg.ClientSecret = ""
	tok, err := Login(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !sawPublic || tok.Subject == "" {
		t.Errorf("public client: token request as public client %v, token %+v", sawPublic, tok)
	}
}
