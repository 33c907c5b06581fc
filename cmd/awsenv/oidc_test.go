// The end-to-end scripts drive real Unix shells, FIFOs and process groups.

//go:build unix

package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/oauth2-proxy/mockoidc"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/awsenv/awsenv/internal/ststest"
)

// teamRole is the role that trusts the scripts' OIDC provider.
const teamRole = "arn:aws:iam::123456789012:role/team"

type oidcKey struct{}

// idp is a real OIDC provider (mockoidc) for a script, with a switch that
// makes its token endpoint hand out forged ID tokens.
type idp struct {
	m     *mockoidc.MockOIDC
	forge atomic.Value // "", "none", "signature", "audience" or "expired"
}

// idpOf is the script's provider; setupScript leaves an empty one that
// "oidc start" fills.
func idpOf(ts *testscript.TestScript, started bool) *idp {
	p := ts.Value(oidcKey{}).(*idp)
	if started && p.m == nil {
		ts.Fatalf("no OIDC provider: run 'oidc start' first")
	}
	return p
}

// oidcCmd: "oidc start" starts the provider, trusted by the stand-in for
// teamRole, and sets ISSUER, CLIENT_ID, CLIENT_SECRET, TEAM_ROLE;
// "oidc forge MODE" makes the token endpoint forge its ID tokens.
func oidcCmd(ts *testscript.TestScript, neg bool, args []string) {
	switch args[0] {
	case "start":
		fx := fixtureOf(ts)
		m, err := mockoidc.NewServer(nil)
		ts.Check(err)
		p := idpOf(ts, false)
		p.m = m
		ts.Check(m.AddMiddleware(p.middleware))
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		ts.Check(m.Start(ln, nil))
		ts.Defer(func() { m.Shutdown() })
		fx.srv.AddOIDCProvider(ststest.OIDCProvider{Issuer: m.Issuer(), Audiences: []string{m.ClientID}})
		fx.srv.AddRole(ststest.Role{ARN: teamRole, MaxSessionDuration: 12 * time.Hour, WebIdentityIssuer: m.Issuer()})
		ts.Setenv("ISSUER", m.Issuer())
		ts.Setenv("CLIENT_ID", m.ClientID)
		ts.Setenv("CLIENT_SECRET", m.ClientSecret)
		ts.Setenv("TEAM_ROLE", teamRole)
	case "forge":
		idpOf(ts, true).forge.Store(args[1])
	default:
		ts.Fatalf("usage: oidc start | oidc forge none|signature|audience|expired")
	}
}

// oidcToken FILE [MODE]: write an ID token of the provider's (or forged).
func oidcToken(ts *testscript.TestScript, neg bool, args []string) {
	p := idpOf(ts, true)
	mode := ""
	if len(args) > 1 {
		mode = args[1]
	}
	claims := map[string]any{
		"iss": p.m.Issuer(), "aud": p.m.ClientID, "sub": "jane", "email": "jane@example.com",
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
	}
	tok, err := p.sign(claims, mode)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(tok), 0o600))
}

// sign signs claims with the provider's key, after spoiling them as mode says.
func (p *idp) sign(claims map[string]any, mode string) (string, error) {
	key := p.m.Keypair.PrivateKey
	switch mode {
	case "signature":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return "", err
		}
		key = k
	case "audience":
		claims["aud"] = "someone-else"
	case "expired":
		claims["iat"] = time.Now().Add(-2 * time.Hour).Unix()
		claims["exp"] = time.Now().Add(-time.Hour).Unix()
	}
	kid, err := p.m.Keypair.KeyID()
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}

// middleware rewrites the token endpoint's ID token when forging is on,
// keeping its nonce, so that only the forged property is wrong.
func (p *idp) middleware(next http.Handler) http.Handler {
	{
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mode, _ := p.forge.Load().(string)
			if mode == "" || mode == "none" || r.URL.Path != mockoidc.TokenEndpoint {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var body map[string]any
			if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &body) != nil {
				w.WriteHeader(rec.Code)
				w.Write(rec.Body.Bytes())
				return
			}
			orig, _ := body["id_token"].(string)
			parsed, err := jwt.ParseSigned(orig, []jose.SignatureAlgorithm{jose.RS256})
			claims := map[string]any{}
			if err == nil {
				err = parsed.UnsafeClaimsWithoutVerification(&claims)
			}
			if err != nil {
				http.Error(w, "cannot forge", http.StatusInternalServerError)
				return
			}
			if body["id_token"], err = p.sign(claims, mode); err != nil {
				http.Error(w, "cannot forge", http.StatusInternalServerError)
				return
			}
			out, _ := json.Marshal(body)
			w.Header().Set("Content-Type", "application/json")
			w.Write(bytes.TrimSpace(out))
		})
	}
}
