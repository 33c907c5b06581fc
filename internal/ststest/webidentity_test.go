package ststest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/oauth2-proxy/mockoidc"
)

const (
	testIssuer   = "https://idp.example.com/tenant"
	testAudience = "awsenv-client"
	webRoleARN   = "arn:aws:iam::123456789012:role/web-dev"
)

// testRSAKey is one RSA key for the whole test binary: generating one
// takes long under -race.
var testRSAKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// signJWT signs claims with key (RSA: RS256, ECDSA: ES256) and kid.
func signJWT(t *testing.T, key any, kid string, claims map[string]any) string {
	t.Helper()
	alg := jose.RS256
	if _, ok := key.(*ecdsa.PrivateKey); ok {
		alg = jose.ES256
	}
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// idClaims are the claims of a valid token from testIssuer, valid for an
// hour from now.
func idClaims(now time.Time) map[string]any {
	return map[string]any{
		"iss": testIssuer, "sub": "user-42", "aud": []string{"other-client", testAudience},
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "email": "dev@example.com",
	}
}

func publicSet(kid string, keys ...any) *jose.JSONWebKeySet {
	set := &jose.JSONWebKeySet{}
	for _, k := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k, KeyID: kid, Use: "sig"})
	}
	return set
}

// webIdentityServer is a clocked server with testIssuer's RSA key and
// webRoleARN trusting it.
func webIdentityServer(t *testing.T) (*Server, *testClock) {
	t.Helper()
	s, clk := newClockedServer()
	s.AddOIDCProvider(OIDCProvider{
		Issuer:    testIssuer,
		Audiences: []string{testAudience},
		Keys:      publicSet("k1", &testRSAKey().PublicKey),
	})
	s.AddRole(Role{ARN: webRoleARN, MaxSessionDuration: 4 * time.Hour, WebIdentityIssuer: testIssuer})
	return s, clk
}

// webIdentityRequest is an unsigned AssumeRoleWithWebIdentity request.
func webIdentityRequest(params url.Values) *http.Request {
	form := url.Values{"Action": {webIdentityAction}, "Version": {stsVersion}}
	for k, v := range params {
		form[k] = v
	}
	r := httptest.NewRequest(http.MethodPost, "http://sts.test/", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	return r
}

func webParams(token string) url.Values {
	return url.Values{"RoleArn": {webRoleARN}, "RoleSessionName": {"dev-session"}, "WebIdentityToken": {token}}
}

type webIdentityResponse struct {
	Result struct {
		Credentials struct {
			AccessKeyID     string `xml:"AccessKeyId"`
			SecretAccessKey string `xml:"SecretAccessKey"`
			SessionToken    string `xml:"SessionToken"`
			Expiration      string `xml:"Expiration"`
		} `xml:"Credentials"`
		Subject  string `xml:"SubjectFromWebIdentityToken"`
		ARN      string `xml:"AssumedRoleUser>Arn"`
		RoleID   string `xml:"AssumedRoleUser>AssumedRoleId"`
		Provider string `xml:"Provider"`
		Audience string `xml:"Audience"`
	} `xml:"AssumeRoleWithWebIdentityResult"`
}

func TestWebIdentitySuccess(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  any
		pub  any
	}{
		{"RS256", testRSAKey(), &testRSAKey().PublicKey},
		{"ES256", mustECKey(t), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := webIdentityServer(t)
			if ec, ok := tc.key.(*ecdsa.PrivateKey); ok {
				s.AddOIDCProvider(OIDCProvider{Issuer: testIssuer, Audiences: []string{testAudience}, Keys: publicSet("k1", &ec.PublicKey)})
			}
			token := signJWT(t, tc.key, "k1", idClaims(clk.Now()))
			w := serve(s, webIdentityRequest(webParams(token)))
			var out webIdentityResponse
			expectOK(t, w, &out)
			res := out.Result
			wantARN := "arn:aws:sts::123456789012:assumed-role/web-dev/dev-session"
			if res.ARN != wantARN || !strings.HasSuffix(res.RoleID, ":dev-session") || !strings.HasPrefix(res.RoleID, "AROA") {
				t.Errorf("assumed role user %q %q", res.ARN, res.RoleID)
			}
			if res.Subject != "user-42" || res.Audience != testAudience || res.Provider != "idp.example.com/tenant" {
				t.Errorf("subject %q audience %q provider %q", res.Subject, res.Audience, res.Provider)
			}
			c := res.Credentials
			if !strings.HasPrefix(c.AccessKeyID, "ASIA") || len(c.SecretAccessKey) != 40 || c.SessionToken == "" {
				t.Errorf("credentials %+v", c)
			}
			if want := clk.Now().Add(time.Hour).UTC().Format(isoFormat); c.Expiration != want {
				t.Errorf("expiration %s, want %s (default one hour)", c.Expiration, want)
			}
			if n := s.Count(webIdentityAction); n != 1 {
				t.Errorf("count %d", n)
			}

			creds := aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
			w = serve(s, stsCall(t, "Action=GetCallerIdentity&Version=2011-06-15", creds, clk.Now()))
			var idResp struct {
				Result getCallerIdentityResult `xml:"GetCallerIdentityResult"`
			}
			expectOK(t, w, &idResp)
			id := idResp.Result
			if id.Arn != wantARN || id.Account != "123456789012" || id.UserID != res.RoleID {
				t.Errorf("caller identity %+v", id)
			}
			// They are role credentials: no GetSessionToken with them.
			w = serve(s, stsCall(t, "Action=GetSessionToken&Version=2011-06-15", creds, clk.Now()))
			expectError(t, w, http.StatusForbidden, "AccessDenied")
			// Not role-chained themselves, but a role assumed with them is.
			s.AddRole(Role{ARN: "arn:aws:iam::123456789012:role/next", MaxSessionDuration: 4 * time.Hour})
			body := "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fnext&RoleSessionName=x1&DurationSeconds=7200"
			w = serve(s, stsCall(t, body, creds, clk.Now()))
			e := expectError(t, w, http.StatusBadRequest, "ValidationError")
			if !strings.Contains(e.Error.Message, "role chaining") {
				t.Errorf("message %q", e.Error.Message)
			}
		})
	}
}

func mustECKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestWebIdentityDurationAndSignedRequest(t *testing.T) {
	s, clk := webIdentityServer(t)
	token := signJWT(t, testRSAKey(), "k1", idClaims(clk.Now()))
	p := webParams(token)
	p.Set("DurationSeconds", "14400")
	var out webIdentityResponse
	expectOK(t, serve(s, webIdentityRequest(p)), &out)
	if want := clk.Now().Add(4 * time.Hour).UTC().Format(isoFormat); out.Result.Credentials.Expiration != want {
		t.Errorf("expiration %s, want %s", out.Result.Credentials.Expiration, want)
	}

	// A signed request is fine too: the signature is not looked at.
	u := s.AddUser("alice", false)
	form := url.Values{"Action": {webIdentityAction}, "Version": {stsVersion}}
	for k, v := range webParams(token) {
		form[k] = v
	}
	expectOK(t, serve(s, stsCall(t, form.Encode(), userCreds(u), clk.Now())), &out)
}

func TestWebIdentityRefusals(t *testing.T) {
	s, clk := webIdentityServer(t)
	now := clk.Now()
	s.AddRole(Role{ARN: "arn:aws:iam::123456789012:role/plain"})
	s.AddRole(Role{ARN: "arn:aws:iam::123456789012:role/other-idp", WebIdentityIssuer: "https://other.example.com"})
	s.AddOIDCProvider(OIDCProvider{Issuer: "https://other.example.com", Audiences: []string{testAudience}, Keys: publicSet("k1", &testRSAKey().PublicKey)})
	otherKey := mustECKey(t)
	good := signJWT(t, testRSAKey(), "k1", idClaims(now))
	with := func(edit func(map[string]any)) string {
		c := idClaims(now)
		edit(c)
		return signJWT(t, testRSAKey(), "k1", c)
	}
	parts := strings.Split(good, ".")
	tamperedClaims := idClaims(now)
	tamperedClaims["sub"] = "admin"
	forged := strings.Split(signJWT(t, otherKey, "k1", tamperedClaims), ".")
	tampered := parts[0] + "." + forged[1] + "." + parts[2]
	sig := []byte(parts[2])
	sig[10] ^= 1
	flipped := parts[0] + "." + parts[1] + "." + string(sig)

	for _, tc := range []struct {
		name   string
		params url.Values
		status int
		code   string
		msg    string
	}{
		{"tampered payload", webParams(tampered), 400, "InvalidIdentityToken", "could not be validated"},
		{"flipped signature", webParams(flipped), 400, "InvalidIdentityToken", "could not be validated"},
		{"other key same kid", webParams(signJWT(t, otherKey, "k1", idClaims(now))), 400, "InvalidIdentityToken", "could not be validated"},
		{"unknown kid", webParams(signJWT(t, testRSAKey(), "k2", idClaims(now))), 400, "InvalidIdentityToken", "could not be validated"},
		{"not a jwt", webParams("not-a-token"), 400, "InvalidIdentityToken", "could not be validated"},
		{"unsigned jwt", webParams("eyJhbGciOiJub25lIn0." + parts[1] + "."), 400, "InvalidIdentityToken", "could not be validated"},
		{"wrong audience", webParams(with(func(c map[string]any) { c["aud"] = "someone-else" })), 400, "InvalidIdentityToken", "Incorrect token audience"},
		{"expired", webParams(with(func(c map[string]any) { c["exp"] = now.Add(-time.Second).Unix() })), 400, "ExpiredTokenException", "Token expired: current date/time "},
		{"no exp", webParams(with(func(c map[string]any) { delete(c, "exp") })), 400, "InvalidIdentityToken", "could not be validated"},
		{"no sub", webParams(with(func(c map[string]any) { delete(c, "sub") })), 400, "InvalidIdentityToken", "could not be validated"},
		{"unknown issuer", webParams(with(func(c map[string]any) { c["iss"] = "https://evil.example.com" })), 400, "InvalidIdentityToken",
			"No OpenIDConnect provider found in your account for https://evil.example.com"},
		{"role missing", withParam(webParams(good), "RoleArn", "arn:aws:iam::123456789012:role/nope"), 403, "AccessDenied", msgWebIdentityDenied},
		{"role trusts no idp", withParam(webParams(good), "RoleArn", "arn:aws:iam::123456789012:role/plain"), 403, "AccessDenied", msgWebIdentityDenied},
		{"role trusts another idp", withParam(webParams(good), "RoleArn", "arn:aws:iam::123456789012:role/other-idp"), 403, "AccessDenied", msgWebIdentityDenied},
		{"bad role arn", withParam(webParams(good), "RoleArn", "arn:aws:iam::123:role/x-yyyyyyyy"), 400, "ValidationError", "is invalid"},
		{"duration over role max", withParam(webParams(good), "DurationSeconds", "18000"), 400, "ValidationError", "MaxSessionDuration"},
		{"duration under 900", withParam(webParams(good), "DurationSeconds", "899"), 400, "ValidationError", "greater than or equal to 900"},
		{"duration over 12h", withParam(webParams(good), "DurationSeconds", "43201"), 400, "ValidationError", "less than or equal to 43200"},
		{"duration not a number", withParam(webParams(good), "DurationSeconds", "1h"), 400, "MalformedInput", "not an integer"},
		{"session name chars", withParam(webParams(good), "RoleSessionName", "a b"), 400, "ValidationError", "roleSessionName"},
		{"session name short", withParam(webParams(good), "RoleSessionName", "a"), 400, "ValidationError", "roleSessionName"},
		{"session name long", withParam(webParams(good), "RoleSessionName", strings.Repeat("a", 65)), 400, "ValidationError", "roleSessionName"},
		{"token short", webParams("abc"), 400, "ValidationError", "Value at 'webIdentityToken' failed"},
		{"token long", webParams(strings.Repeat("a", 20001)), 400, "ValidationError", "Value at 'webIdentityToken' failed"},
		{"token missing", url.Values{"RoleArn": {webRoleARN}, "RoleSessionName": {"s1"}}, 400, "ValidationError", "Value null at 'webIdentityToken'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := expectError(t, serve(s, webIdentityRequest(tc.params)), tc.status, tc.code)
			if !strings.Contains(e.Error.Message, tc.msg) {
				t.Errorf("message %q, want it to contain %q", e.Error.Message, tc.msg)
			}
			if tok := tc.params.Get("WebIdentityToken"); len(tok) > 8 && strings.Contains(e.Error.Message, tok) {
				t.Errorf("message echoes the token: %q", e.Error.Message)
			}
		})
	}
	if got, want := s.Count(webIdentityAction), 25; got != want {
		t.Errorf("count %d, want %d", got, want)
	}
}

func withParam(p url.Values, k, v string) url.Values {
	p.Set(k, v)
	return p
}

func TestWebIdentityExpiryMessage(t *testing.T) {
	s, clk := webIdentityServer(t)
	exp := clk.Now().Add(-time.Minute)
	c := idClaims(clk.Now())
	c["exp"] = exp.Unix()
	e := expectError(t, serve(s, webIdentityRequest(webParams(signJWT(t, testRSAKey(), "k1", c)))), 400, "ExpiredTokenException")
	want := "Token expired: current date/time " + strconv.FormatInt(clk.Now().Unix(), 10) + " must be before the expiration date/time " + strconv.FormatInt(exp.Unix(), 10)
	if e.Error.Message != want {
		t.Errorf("message %q, want %q", e.Error.Message, want)
	}
	// The server's clock decides: an hour later a token valid now expires.
	good := signJWT(t, testRSAKey(), "k1", idClaims(clk.Now()))
	clk.Add(time.Hour)
	expectError(t, serve(s, webIdentityRequest(webParams(good))), 400, "ExpiredTokenException")
}

// startMockOIDC runs a mockoidc provider whose JWKS requests are counted.
func startMockOIDC(t *testing.T) (*mockoidc.MockOIDC, *atomic.Int32) {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	var jwks atomic.Int32
	if err := m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == mockoidc.JWKSEndpoint {
				jwks.Add(1)
			}
			next.ServeHTTP(w, r)
		})
	}); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return m, &jwks
}

func TestWebIdentityKeysFromDiscovery(t *testing.T) {
	m, jwks := startMockOIDC(t)
	s := New()
	s.AddOIDCProvider(OIDCProvider{Issuer: m.Issuer(), Audiences: []string{m.ClientID}})
	s.AddRole(Role{ARN: webRoleARN, WebIdentityIssuer: m.Issuer()})
	kid, err := m.Keypair.KeyID()
	if err != nil {
		t.Fatal(err)
	}
	claims := map[string]any{
		"iss": m.Issuer(), "sub": "1234567890", "aud": m.ClientID,
		"iat": time.Now().Unix(), "exp": time.Now().Add(10 * time.Minute).Unix(),
	}
	token := signJWT(t, m.Keypair.PrivateKey, kid, claims)
	for range 2 {
		var out webIdentityResponse
		expectOK(t, serve(s, webIdentityRequest(webParams(token))), &out)
		if out.Result.Subject != "1234567890" || out.Result.Audience != m.ClientID ||
			out.Result.Provider != strings.TrimPrefix(m.Issuer(), "http://") {
			t.Errorf("result %+v", out.Result)
		}
	}
	if n := jwks.Load(); n != 1 {
		t.Errorf("JWKS fetched %d times, want once (cached)", n)
	}
	// A key the issuer does not publish: fetched again, still refused.
	forged := signJWT(t, testRSAKey(), "rotated", claims)
	expectError(t, serve(s, webIdentityRequest(webParams(forged))), 400, "InvalidIdentityToken")
	// Signed by another key under the issuer's kid: refused.
	forged = signJWT(t, testRSAKey(), kid, claims)
	expectError(t, serve(s, webIdentityRequest(webParams(forged))), 400, "InvalidIdentityToken")
	if n := jwks.Load(); n != 2 {
		t.Errorf("JWKS fetched %d times, want 2 (once more for the unknown kid)", n)
	}
}

func TestWebIdentityUnreachableIssuer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	ln.Close()
	s := New()
	s.AddOIDCProvider(OIDCProvider{Issuer: issuer, Audiences: []string{testAudience}})
	s.AddRole(Role{ARN: webRoleARN, WebIdentityIssuer: issuer})
	c := idClaims(time.Now())
	c["iss"] = issuer
	e := expectError(t, serve(s, webIdentityRequest(webParams(signJWT(t, testRSAKey(), "k1", c)))), 400, "InvalidIdentityToken")
	if e.Error.Message != msgNoVerificationKey {
		t.Errorf("message %q", e.Error.Message)
	}
}

// TestSDKAssumeRoleWithWebIdentity has the AWS SDK call the action the
// way it calls real STS: anonymously.
func TestSDKAssumeRoleWithWebIdentity(t *testing.T) {
	s, clk := webIdentityServer(t)
	u := listen(t, s)
	token := signJWT(t, testRSAKey(), "k1", idClaims(clk.Now()))
	c := client(u, aws.Credentials{}, 1)
	out, err := c.AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(webRoleARN), RoleSessionName: aws.String("sdk"), WebIdentityToken: aws.String(token),
		DurationSeconds: aws.Int32(900),
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.AssumedRoleUser.Arn) != "arn:aws:sts::123456789012:assumed-role/web-dev/sdk" ||
		aws.ToString(out.SubjectFromWebIdentityToken) != "user-42" || aws.ToString(out.Audience) != testAudience ||
		aws.ToString(out.Provider) != "idp.example.com/tenant" {
		t.Errorf("output %+v", out)
	}
	if got := out.Credentials.Expiration.Sub(clk.Now()); got != 15*time.Minute {
		t.Errorf("lifetime %v", got)
	}
	id, err := client(u, fromSTS(out.Credentials), 1).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Arn) != "arn:aws:sts::123456789012:assumed-role/web-dev/sdk" {
		t.Errorf("caller %s", aws.ToString(id.Arn))
	}

	_, err = c.AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(webRoleARN), RoleSessionName: aws.String("sdk"), WebIdentityToken: aws.String(token + "x"),
	})
	expectAPIError(t, err, "InvalidIdentityToken", "could not be validated")
}
