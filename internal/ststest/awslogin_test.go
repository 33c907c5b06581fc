package ststest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// loginClient is a minimal `aws login` client of the stand-in, made to
// bend the rules one at a time.
type loginClient struct {
	t    *testing.T
	base string
	key  *ecdsa.PrivateKey
	http *http.Client
}

func newLoginClient(t *testing.T, base string) *loginClient {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &loginClient{t: t, base: base, key: key, http: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type proofClaims struct {
	Typ, HTM, HTU, JTI string
	IAT                int64
}

func (c *loginClient) proof(claims proofClaims) string {
	if claims.Typ == "" {
		claims.Typ = "dpop+jwt"
	}
	if claims.HTM == "" {
		claims.HTM = "POST"
	}
	if claims.HTU == "" {
		claims.HTU = c.base + "/v1/token"
	}
	if claims.JTI == "" {
		claims.JTI = base64.RawURLEncoding.EncodeToString(randomBytes(16))
	}
	if claims.IAT == 0 {
		claims.IAT = time.Now().Unix()
	}
	pub, err := c.key.PublicKey.Bytes()
	if err != nil {
		c.t.Fatal(err)
	}
	header := b64JSON(map[string]any{"typ": claims.Typ, "alg": "ES256", "jwk": map[string]string{
		"kty": "EC", "crv": "P-256",
		"x": base64.RawURLEncoding.EncodeToString(pub[1:33]),
		"y": base64.RawURLEncoding.EncodeToString(pub[33:]),
	}})
	payload := b64JSON(map[string]any{"jti": claims.JTI, "htm": claims.HTM, "htu": claims.HTU, "iat": claims.IAT})
	sum := sha256.Sum256([]byte(header + "." + payload))
	r, s, err := ecdsa.Sign(rand.Reader, c.key, sum[:])
	if err != nil {
		c.t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return header + "." + payload + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// authorize runs /v1/authorize and returns the redirect's query.
func (c *loginClient) authorize(q url.Values) (int, url.Values) {
	resp, err := c.http.Get(c.base + "/v1/authorize?" + q.Encode())
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return resp.StatusCode, nil
	}
	loc, err := resp.Location()
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, loc.Query()
}

func challengeOf(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

const testVerifier = "verifier-0123456789-0123456789-0123456789-0123456789"

func authorizeQuery(redirect string) url.Values {
	return url.Values{"response_type": {"code"}, "client_id": {SigninSameDevice}, "redirect_uri": {redirect},
		"state": {"st4te"}, "code_challenge": {challengeOf(testVerifier)}, "code_challenge_method": {"SHA-256"},
		"scope": {"openid"}}
}

// token calls /v1/token with body and a proof (none when proof is "").
func (c *loginClient) token(body map[string]string, proof string) (int, map[string]any, http.Header) {
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, c.base+"/v1/token", bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	if proof != "" {
		req.Header.Set("DPoP", proof)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, resp.Header
}

// login signs in by the same-device flow and returns the token answer.
func (c *loginClient) login() map[string]any {
	c.t.Helper()
	redirect := "http://127.0.0.1:4321/oauth/callback"
	status, back := c.authorize(authorizeQuery(redirect))
	if status != http.StatusFound || back.Get("state") != "st4te" || back.Get("code") == "" {
		c.t.Fatalf("authorize: %d %v", status, back)
	}
	status, out, _ := c.token(map[string]string{"clientId": SigninSameDevice, "grantType": "authorization_code",
		"code": back.Get("code"), "codeVerifier": testVerifier, "redirectUri": redirect}, c.proof(proofClaims{}))
	if status != http.StatusOK {
		c.t.Fatalf("token: %d %v", status, out)
	}
	return out
}

func expectSigninError(t *testing.T, status int, out map[string]any, h http.Header, exception, code string) {
	t.Helper()
	if status != http.StatusBadRequest || h.Get("X-Amzn-Errortype") != exception || out["error"] != code {
		t.Fatalf("got %d %s %v, want %s %s", status, h.Get("X-Amzn-Errortype"), out, exception, code)
	}
}

func TestAWSLoginSameDevice(t *testing.T) {
	s := New()
	base := listen(t, s)
	c := newLoginClient(t, base)
	out := c.login()
	at, _ := out["accessToken"].(map[string]any)
	if out["tokenType"] != SigninTokenType || (out["expiresIn"] != float64(900) && out["expiresIn"] != float64(899)) || out["refreshToken"] == "" ||
		at["accessKeyId"] == nil || at["secretAccessKey"] == nil || at["sessionToken"] == nil {
		t.Fatalf("answer %v", out)
	}
	parts := strings.Split(out["idToken"].(string), ".")
	var claims map[string]any
	if len(parts) != 3 || !decodeSegment(parts[1], &claims) || claims["sub"] != "arn:aws:iam::123456789012:user/login-user" {
		t.Fatalf("idToken claims %v", claims)
	}
	// The credentials work at STS as the user.
	cr := aws.Credentials{AccessKeyID: at["accessKeyId"].(string), SecretAccessKey: at["secretAccessKey"].(string),
		SessionToken: at["sessionToken"].(string)}
	id, err := client(base, cr, 1).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != claims["sub"] {
		t.Fatalf("GetCallerIdentity: %v %v", id, err)
	}
	if got := s.Count("CreateOAuth2Token.authorization_code"); got != 1 {
		t.Errorf("authorization_code count %d", got)
	}

	// The refresh token works once, with the login's key only.
	refresh := func(c *loginClient, rt string) (int, map[string]any, http.Header) {
		return c.token(map[string]string{"clientId": SigninSameDevice, "grantType": "refresh_token", "refreshToken": rt},
			c.proof(proofClaims{}))
	}
	other := newLoginClient(t, base)
	status, got, h := refresh(other, out["refreshToken"].(string))
	expectSigninError(t, status, got, h, "InvalidGrantException", "invalid_grant")
	status, got, _ = refresh(c, out["refreshToken"].(string))
	if status != http.StatusOK || got["refreshToken"] == out["refreshToken"] || got["idToken"] != nil {
		t.Fatalf("refresh: %d %v", status, got)
	}
	// The old one used again ends the login: the new one stops working too.
	status, out2, h := refresh(c, out["refreshToken"].(string))
	expectSigninError(t, status, out2, h, "InvalidGrantException", "invalid_grant")
	status, out2, h = refresh(c, got["refreshToken"].(string))
	expectSigninError(t, status, out2, h, "AccessDeniedException", "TOKEN_EXPIRED")
	if n := s.Count("CreateOAuth2Token.refresh_token"); n != 4 {
		t.Errorf("refresh_token count %d", n)
	}
}

func TestAWSLoginAuthorizeRules(t *testing.T) {
	s := New()
	base := listen(t, s)
	c := newLoginClient(t, base)
	for _, tc := range []struct {
		name   string
		change func(url.Values)
		status int
		error  string
	}{
		{"https redirect", func(q url.Values) { q.Set("redirect_uri", "https://example.com/cb") }, 400, ""},
		{"no port", func(q url.Values) { q.Set("redirect_uri", "http://127.0.0.1/cb") }, 400, ""},
		{"other client", func(q url.Values) { q.Set("client_id", "arn:aws:signin:::devtools/other") }, 400, ""},
		{"cross-device to a loopback", func(q url.Values) { q.Set("client_id", SigninCrossDevice) }, 400, ""},
		{"S256", func(q url.Values) { q.Set("code_challenge_method", "S256") }, 302, "invalid_request"},
		{"no state", func(q url.Values) { q.Del("state") }, 302, "invalid_request"},
		{"short challenge", func(q url.Values) { q.Set("code_challenge", "abc") }, 302, "invalid_request"},
		{"no openid", func(q url.Values) { q.Set("scope", "profile") }, 302, "invalid_scope"},
		{"token response", func(q url.Values) { q.Set("response_type", "token") }, 302, "unsupported_response_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := authorizeQuery("http://127.0.0.1:4321/oauth/callback")
			tc.change(q)
			status, back := c.authorize(q)
			if status != tc.status || back.Get("error") != tc.error || back.Get("code") != "" {
				t.Fatalf("got %d %v", status, back)
			}
		})
	}

	// The cross-device flow ends on the service's own confirmation page,
	// which shows base64 of code=...&state=....
	q := authorizeQuery(base + "/v1/sessions/confirmation")
	q.Set("client_id", SigninCrossDevice)
	resp, err := http.Get(base + "/v1/authorize?" + q.Encode()) // follows the redirect, as a browser does
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	_, _ = page.ReadFrom(resp.Body)
	resp.Body.Close()
	_, encoded, ok := strings.Cut(page.String(), "Code: ")
	pasted, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encoded))
	if !ok || err != nil {
		t.Fatalf("page %q", page.String())
	}
	back, _ := url.ParseQuery(string(pasted))
	if back.Get("state") != "st4te" || back.Get("code") == "" {
		t.Fatalf("pasted %q", pasted)
	}
	status, out, _ := c.token(map[string]string{"clientId": SigninCrossDevice, "grantType": "authorization_code",
		"code": back.Get("code"), "codeVerifier": testVerifier, "redirectUri": base + "/v1/sessions/confirmation"},
		c.proof(proofClaims{}))
	if status != http.StatusOK || out["refreshToken"] == nil {
		t.Fatalf("cross-device token: %d %v", status, out)
	}
}

func TestAWSLoginTokenRules(t *testing.T) {
	s, clock := newClockedServer()
	base := listen(t, s)
	c := newLoginClient(t, base)
	redirect := "http://127.0.0.1:4321/oauth/callback"
	code := func() string {
		_, back := c.authorize(authorizeQuery(redirect))
		return back.Get("code")
	}
	exchange := func(code, verifier, proof string) (int, map[string]any, http.Header) {
		return c.token(map[string]string{"clientId": SigninSameDevice, "grantType": "authorization_code",
			"code": code, "codeVerifier": verifier, "redirectUri": redirect}, proof)
	}
	now := clock.Now().Unix()
	for _, tc := range []struct {
		name      string
		proof     string
		exception string
	}{
		{"no proof", "", "ValidationException"},
		{"wrong typ", c.proof(proofClaims{Typ: "JWT", IAT: now}), "ValidationException"},
		{"wrong htm", c.proof(proofClaims{HTM: "GET", IAT: now}), "ValidationException"},
		{"wrong htu", c.proof(proofClaims{HTU: base + "/v1/token?x=1", IAT: now}), "ValidationException"},
		{"old iat", c.proof(proofClaims{IAT: now - 600}), "ValidationException"},
		{"future iat", c.proof(proofClaims{IAT: now + 600}), "ValidationException"},
		{"bad signature", c.proof(proofClaims{IAT: now})[:40] + c.proof(proofClaims{IAT: now})[40:len(c.proof(proofClaims{IAT: now}))-4] + "AAAA", "ValidationException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out, h := exchange(code(), testVerifier, tc.proof)
			expectSigninError(t, status, out, h, tc.exception, "INVALID_REQUEST")
		})
	}

	// A jti is good once.
	p := c.proof(proofClaims{JTI: "once", IAT: now})
	if status, out, _ := exchange(code(), testVerifier, p); status != http.StatusOK {
		t.Fatalf("first use: %d %v", status, out)
	}
	status, out, h := exchange(code(), testVerifier, p)
	expectSigninError(t, status, out, h, "ValidationException", "INVALID_REQUEST")

	// The verifier is checked, and a code is good for one try.
	cd := code()
	status, out, h = exchange(cd, testVerifier+"x", c.proof(proofClaims{IAT: now}))
	expectSigninError(t, status, out, h, "InvalidGrantException", "invalid_grant")
	status, out, h = exchange(cd, testVerifier, c.proof(proofClaims{IAT: now}))
	expectSigninError(t, status, out, h, "InvalidGrantException", "invalid_grant")

	// A code lives five minutes.
	cd = code()
	clock.Add(6 * time.Minute)
	status, out, h = exchange(cd, testVerifier, c.proof(proofClaims{IAT: clock.Now().Unix()}))
	expectSigninError(t, status, out, h, "AccessDeniedException", "AUTHCODE_EXPIRED")
}

// writeLoginCache writes a token file the way the AWS CLI does, for a
// login made by c, and returns its path.
func writeLoginCache(t *testing.T, dir string, c *loginClient, out map[string]any, expires time.Time) string {
	der, err := x509.MarshalECPrivateKey(c.key)
	if err != nil {
		t.Fatal(err)
	}
	at := out["accessToken"].(map[string]any)
	at["accountId"] = DefaultAccountID
	at["expiresAt"] = expires.UTC().Format("2006-01-02T15:04:05Z")
	file := map[string]any{"accessToken": at, "tokenType": out["tokenType"], "clientId": SigninSameDevice,
		"refreshToken": out["refreshToken"], "idToken": out["idToken"],
		"dpopKey": string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))}
	data, _ := json.Marshal(file)
	session := "arn:aws:iam::123456789012:user/login-user"
	sum := sha256.Sum256([]byte(session))
	path := filepath.Join(dir, base64Hex(sum[:])+".json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func base64Hex(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// TestAWSLoginGoSDK has the AWS SDK for Go's login provider
// (credentials/logincreds, through config.LoadDefaultConfig) refresh an
// expired login at the stand-in and use the new credentials at STS.
func TestAWSLoginGoSDK(t *testing.T) {
	s := New()
	base := listen(t, s)
	c := newLoginClient(t, base)
	out := c.login()
	home := t.TempDir()
	cacheDir := filepath.Join(home, "login-cache")
	if err := os.Mkdir(cacheDir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := writeLoginCache(t, cacheDir, c, out, time.Now().Add(-time.Minute))
	cfgFile := filepath.Join(home, "config")
	if err := os.WriteFile(cfgFile, []byte("[profile dev]\nlogin_session = arn:aws:iam::123456789012:user/login-user\nregion = eu-west-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"HOME": home, "AWS_ENDPOINT_URL_SIGNIN": base, "AWS_ENDPOINT_URL_STS": base, "AWS_LOGIN_CACHE_DIRECTORY": cacheDir,
		"AWS_CA_BUNDLE": "", "AWS_PROFILE": "", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
		"AWS_SESSION_TOKEN": "", "AWS_ENDPOINT_URL": "", "AWS_CONFIG_FILE": "", "AWS_SHARED_CREDENTIALS_FILE": "",
		"AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
	load := func() aws.Config {
		cfg, err := config.LoadDefaultConfig(context.Background(), config.WithSharedConfigProfile("dev"),
			config.WithSharedConfigFiles([]string{cfgFile}),
			config.WithSharedCredentialsFiles([]string{filepath.Join(home, "no-credentials")}))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	id, err := sts.NewFromConfig(load()).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != "arn:aws:iam::123456789012:user/login-user" {
		t.Fatalf("GetCallerIdentity: %v %v", id, err)
	}
	if n := s.Count("CreateOAuth2Token.refresh_token"); n != 1 {
		t.Errorf("refresh_token calls: %d", n)
	}
	var file struct {
		RefreshToken string `json:"refreshToken"`
		AccessToken  struct {
			ExpiresAt time.Time `json:"expiresAt"`
		} `json:"accessToken"`
	}
	data, _ := os.ReadFile(path)
	if json.Unmarshal(data, &file) != nil || file.RefreshToken == out["refreshToken"] || !file.AccessToken.ExpiresAt.After(time.Now()) {
		t.Fatalf("the SDK's rewrite: %s", data)
	}

	// A login that has ended: the SDK reports the service's error.
	s.EndAWSLogins("TOKEN_EXPIRED")
	data = bytes.Replace(data, []byte(file.AccessToken.ExpiresAt.Format(time.RFC3339Nano)), []byte("2020-01-01T00:00:00Z"), 1)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = load().Credentials.Retrieve(context.Background())
	if err == nil || !strings.Contains(err.Error(), "login session has expired") {
		t.Fatalf("ended login: %v", err)
	}
}

func TestAWSLoginShortLifetime(t *testing.T) {
	s := New()
	s.SetLifetime(3 * time.Second)
	c := newLoginClient(t, listen(t, s))
	if out := c.login(); out["expiresIn"].(float64) > 3 || out["expiresIn"].(float64) < 2 {
		t.Fatalf("expiresIn %v with a 3s lifetime", out["expiresIn"])
	}
}
