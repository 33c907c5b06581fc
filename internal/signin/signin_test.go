package signin

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsenv/awsenv/internal/ststest"
	"github.com/awsenv/awsenv/internal/xerr"
)

const testARN = "arn:aws:iam::123456789012:user/login-user"

type world struct {
	t    *testing.T
	srv  *ststest.Server
	url  string
	home string
	env  map[string]string
}

func newWorld(t *testing.T) *world {
	srv := ststest.New()
	u, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	home := t.TempDir()
	return &world{t: t, srv: srv, url: u, home: home, env: map[string]string{"HOME": home, "AWS_ENDPOINT_URL_SIGNIN": u}}
}

func (w *world) client() *Client {
	return &Client{Getenv: func(k string) string { return w.env[k] }, Timeout: 20 * time.Second}
}

func (w *world) session() Session {
	return Session{Profile: "dev", LoginSession: testARN, Region: "eu-west-1"}
}

// browse is a browser that follows the sign-in page's redirect to the
// loopback callback.
func browse(u string) error {
	go func() {
		resp, err := http.Get(u)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}()
	return nil
}

func (w *world) login() *Login {
	w.t.Helper()
	l, err := w.client().Login(context.Background(), LoginOptions{Profile: "dev", Region: "eu-west-1",
		Show: func(string) error { return nil }, Open: browse})
	if err != nil {
		w.t.Fatal(err)
	}
	return l
}

func (w *world) path() string {
	return filepath.Join(w.home, ".aws", "login", "cache", FileName(testARN))
}

func (w *world) fields() map[string]any {
	w.t.Helper()
	data, err := os.ReadFile(w.path())
	if err != nil {
		w.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		w.t.Fatal(err)
	}
	return m
}

// expire rewrites the cache file's expiresAt into the past.
func (w *world) expire() {
	w.t.Helper()
	t, err := readToken(w.path())
	if err != nil || t == nil {
		w.t.Fatal(err)
	}
	t.ExpiresAt = time.Now().Add(-time.Minute)
	if err := writeToken(w.path(), t); err != nil {
		w.t.Fatal(err)
	}
}

func TestLoginWritesTheCLIsCache(t *testing.T) {
	w := newWorld(t)
	l := w.login()
	if l.LoginSession != testARN || l.AccountID != "123456789012" || l.Path != w.path() {
		t.Fatalf("login %+v", l)
	}
	if n := w.srv.Count("CreateOAuth2Token.authorization_code"); n != 1 {
		t.Errorf("authorization_code calls: %d", n)
	}
	st, err := os.Stat(w.path())
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("file mode %v %v", st, err)
	}
	if dst, _ := os.Stat(filepath.Dir(w.path())); dst.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v", dst.Mode())
	}
	data, _ := os.ReadFile(w.path())
	if !bytes.HasPrefix(data, []byte(`{"accessToken": {"accessKeyId": "ASIA`)) || !bytes.Contains(data, []byte(`"expiresAt": "20`)) {
		t.Errorf("not the CLI's layout: %.80s", data)
	}
	m := w.fields()
	at := m["accessToken"].(map[string]any)
	if m["tokenType"] != TokenType || m["clientId"] != ClientSameDevice || m["refreshToken"] == "" || m["idToken"] == "" ||
		!strings.HasPrefix(m["dpopKey"].(string), "-----BEGIN EC PRIVATE KEY-----") || at["accountId"] != "123456789012" {
		t.Errorf("fields %v", m)
	}
}

func TestRefreshOnceAmongRacers(t *testing.T) {
	w := newWorld(t)
	w.login()
	w.expire()
	old := w.fields()["refreshToken"]
	var wg sync.WaitGroup
	keys := make([]string, 8)
	errs := make([]error, 8)
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cr, err := w.client().Credentials(context.Background(), w.session(), 5*time.Minute)
			keys[i], errs[i] = cr.AccessKeyID, err
		}()
	}
	wg.Wait()
	for i := range keys {
		if errs[i] != nil || keys[i] != keys[0] {
			t.Fatalf("racer %d: %q %v (first %q)", i, keys[i], errs[i], keys[0])
		}
	}
	if n := w.srv.Count("CreateOAuth2Token.refresh_token"); n != 1 {
		t.Errorf("refresh_token calls: %d", n)
	}
	if w.fields()["refreshToken"] == old {
		t.Error("the rotated refresh token was not written back")
	}
}

func TestRefreshRefusals(t *testing.T) {
	for _, tc := range []struct {
		code, want string
		kind       xerr.Kind
	}{
		{"TOKEN_EXPIRED", "has expired: run 'awsenv login dev'", xerr.NeedsPerson},
		{"USER_CREDENTIALS_CHANGED", "password was changed: run 'awsenv login dev'", xerr.NeedsPerson},
		{"INSUFFICIENT_PERMISSIONS", "SignInLocalDevelopmentAccess", xerr.Failed},
	} {
		t.Run(tc.code, func(t *testing.T) {
			w := newWorld(t)
			w.login()
			w.expire()
			secret := w.fields()["refreshToken"].(string)
			w.srv.EndAWSLogins(tc.code)
			_, err := w.client().Credentials(context.Background(), w.session(), 5*time.Minute)
			if err == nil || !strings.Contains(err.Error(), tc.want) || xerr.KindOf(err) != tc.kind || strings.Contains(err.Error(), secret) {
				t.Fatalf("error %v", err)
			}
		})
	}
}

func TestBadCacheFiles(t *testing.T) {
	w := newWorld(t)
	w.login()
	good, _ := os.ReadFile(w.path())
	for name, content := range map[string]string{
		"not json":        "{",
		"no refreshToken": strings.Replace(string(good), `"refreshToken"`, `"x"`, 1),
		"bad key":         strings.Replace(string(good), "BEGIN EC PRIVATE KEY", "BEGIN NOTHING", 1),
		"huge":            `{"x": "` + strings.Repeat("a", maxCacheFile) + `"}`,
	} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(w.path(), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := w.client().Credentials(context.Background(), w.session(), 5*time.Minute)
			if err == nil || !strings.Contains(err.Error(), w.path()) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v", err)
			}
		})
	}
}

// goSDK loads the profile dev through the Go SDK's default chain.
func (w *world) goSDK() aws.Config {
	cfgFile := filepath.Join(w.home, "config")
	if err := os.WriteFile(cfgFile, []byte("[profile dev]\nlogin_session = "+testARN+"\nregion = eu-west-1\n"), 0o600); err != nil {
		w.t.Fatal(err)
	}
	for k, v := range map[string]string{
		"HOME": w.home, "AWS_ENDPOINT_URL_SIGNIN": w.url, "AWS_ENDPOINT_URL_STS": w.url, "AWS_LOGIN_CACHE_DIRECTORY": "",
		"AWS_CA_BUNDLE": "", "AWS_PROFILE": "", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
		"AWS_SESSION_TOKEN": "", "AWS_ENDPOINT_URL": "", "AWS_CONFIG_FILE": "", "AWS_SHARED_CREDENTIALS_FILE": "",
		"AWS_EC2_METADATA_DISABLED": "true",
	} {
		w.t.Setenv(k, v)
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithSharedConfigProfile("dev"),
		config.WithSharedConfigFiles([]string{cfgFile}),
		config.WithSharedCredentialsFiles([]string{filepath.Join(w.home, "no-credentials")}))
	if err != nil {
		w.t.Fatal(err)
	}
	return cfg
}

// TestSharedWithTheGoSDK: the Go SDK uses and refreshes a login awsenv
// made, awsenv then uses the SDK's refresh with no call of its own, and
// the other way round.
func TestSharedWithTheGoSDK(t *testing.T) {
	w := newWorld(t)
	w.login()
	id, err := sts.NewFromConfig(w.goSDK()).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != testARN || w.srv.Count("CreateOAuth2Token.refresh_token") != 0 {
		t.Fatalf("Go SDK on awsenv's login: %v %v", id, err)
	}

	w.expire()
	if _, err := w.goSDK().Credentials.Retrieve(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := w.srv.Count("CreateOAuth2Token.refresh_token"); n != 1 {
		t.Fatalf("Go SDK refreshes: %d", n)
	}
	cr, err := w.client().Credentials(context.Background(), w.session(), 5*time.Minute)
	if err != nil || w.srv.Count("CreateOAuth2Token.refresh_token") != 1 || cr.AccountID != "123456789012" {
		t.Fatalf("awsenv after the SDK's refresh: %v, %d calls", err, w.srv.Count("CreateOAuth2Token.refresh_token"))
	}

	// awsenv refreshes what the SDK wrote (its layout), the SDK takes it.
	w.expire()
	if _, err := w.client().Credentials(context.Background(), w.session(), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	if n := w.srv.Count("CreateOAuth2Token.refresh_token"); n != 2 {
		t.Fatalf("awsenv refreshes: %d", n)
	}
	if _, err := w.goSDK().Credentials.Retrieve(context.Background()); err != nil || w.srv.Count("CreateOAuth2Token.refresh_token") != 2 {
		t.Fatalf("Go SDK after awsenv's refresh: %v", err)
	}
}

func TestRemoteLogin(t *testing.T) {
	w := newWorld(t)
	var shown string
	l, err := w.client().Login(context.Background(), LoginOptions{Profile: "dev", Region: "eu-west-1", Remote: true,
		Show: func(u string) error { shown = u; return nil },
		ReadCode: func(string) (string, error) {
			resp, err := http.Get(shown)
			if err != nil {
				return "", err
			}
			defer resp.Body.Close()
			page, _ := io.ReadAll(resp.Body)
			_, code, _ := strings.Cut(string(page), "Code: ")
			return " " + code[:10] + "\n" + code[10:], nil // as a terminal may wrap it
		}})
	if err != nil || l.LoginSession != testARN || !strings.Contains(shown, "client_id=arn%3Aaws%3Asignin%3A%3A%3Adevtools%2Fcross-device") {
		t.Fatalf("remote: %v %v %s", l, err, shown)
	}
	if w.fields()["clientId"] != ClientCrossDevice {
		t.Error("clientId")
	}
}

func TestDecodePastedRefusesGarbage(t *testing.T) {
	for _, s := range []string{"", "!!!", base64.StdEncoding.EncodeToString([]byte("%zz"))} {
		if _, err := decodePasted(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestEndpoint(t *testing.T) {
	env := map[string]string{}
	get := func(k string) string { return env[k] }
	for region, want := range map[string]string{
		"eu-west-1":      "https://eu-west-1.signin.aws.amazon.com",
		"cn-north-1":     "https://cn-north-1.signin.amazonaws.cn",
		"us-gov-west-1":  "https://us-gov-west-1.signin.amazonaws-us-gov.com",
		"us-iso-east-1":  "https://us-iso-east-1.signin.c2shome.ic.gov",
		"us-isob-east-1": "https://us-isob-east-1.signin.sc2shome.sgov.gov",
	} {
		if got, err := Endpoint(region, get); err != nil || got != want {
			t.Errorf("%s: %s %v", region, got, err)
		}
	}
	env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:1/"
	if got, _ := Endpoint("eu-west-1", get); got != "http://127.0.0.1:1" {
		t.Errorf("AWS_ENDPOINT_URL: %s", got)
	}
	env["AWS_ENDPOINT_URL_SIGNIN"] = "http://127.0.0.1:2"
	if got, _ := Endpoint("eu-west-1", get); got != "http://127.0.0.1:2" {
		t.Errorf("AWS_ENDPOINT_URL_SIGNIN: %s", got)
	}
	if _, err := Endpoint("", func(string) string { return "" }); err == nil {
		t.Error("no region accepted")
	}
}

// The sign-in service's endpoint is held to the plain-http rule of every
// endpoint: codes and refresh tokens never cross the network in clear text.
func TestEndpointPlainHTTP(t *testing.T) {
	env := map[string]string{"AWS_ENDPOINT_URL_SIGNIN": "http://signin.example.invalid"}
	get := func(k string) string { return env[k] }
	if _, err := Endpoint("eu-west-1", get); err == nil || !strings.Contains(err.Error(), "AWSENV_ALLOW_HTTP=1") {
		t.Errorf("plain http to another computer: %v", err)
	}
	env["AWSENV_ALLOW_HTTP"] = "1"
	if u, err := Endpoint("eu-west-1", get); err != nil || u != "http://signin.example.invalid" {
		t.Errorf("with the opt-out: %q, %v", u, err)
	}
	env = map[string]string{"AWS_ENDPOINT_URL_SIGNIN": "http://127.0.0.1:9/"}
	if u, err := Endpoint("eu-west-1", get); err != nil || u != "http://127.0.0.1:9" {
		t.Errorf("this computer: %q, %v", u, err)
	}
}
