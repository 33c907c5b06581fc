package oidclogin

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/oauth2-proxy/mockoidc"
)

// provider runs a mockoidc provider with the given middlewares.
func provider(t *testing.T, mws ...func(http.Handler) http.Handler) *mockoidc.MockOIDC {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, mw := range mws {
		if err := m.AddMiddleware(mw); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return m
}

// browser plays the user's browser: it follows the authorization URL
// through the provider's redirect to the loopback callback.
type browser struct {
	// edit, when set, changes the callback URL before it is followed.
	edit func(*url.URL)

	authURL  string
	callback *url.URL // the callback URL the provider redirected to
	code     string
	status   int
	page     string
	err      error
}

func (b *browser) show(authURL string) error {
	b.authURL = authURL
	hc := &http.Client{
		Timeout: 10 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Path == callbackPath {
				b.code = req.URL.Query().Get("code")
				if b.edit != nil {
					b.edit(req.URL)
				}
				u := *req.URL
				b.callback = &u
			}
			return nil
		},
	}
	resp, err := hc.Get(authURL)
	if err != nil {
		b.err = err
		return nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.status, b.page = resp.StatusCode, string(body)
	return nil
}

func config(m *mockoidc.MockOIDC, b *browser) Config {
	return Config{
		Issuer: m.Issuer(), ClientID: m.ClientID, ClientSecret: m.ClientSecret,
		Show: b.show, Timeout: 10 * time.Second,
	}
}

// recordToken is a middleware that keeps the form of token requests.
func recordToken(mu *sync.Mutex, forms *[]url.Values) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == mockoidc.TokenEndpoint {
				body, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(body))
				form, _ := url.ParseQuery(string(body))
				mu.Lock()
				*forms = append(*forms, form)
				mu.Unlock()
			}
			next.ServeHTTP(w, r)
		})
	}
}

func verifyWith(t *testing.T, raw string, key *rsa.PublicKey) map[string]any {
	t.Helper()
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := jws.Verify(key)
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

var otherKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// forge is a middleware that replaces the id_token of the provider's
// token response by one with edited claims, signed by key under kid.
// It stores the forged token in *forged.
func forge(t *testing.T, key *rsa.PrivateKey, kid string, edit func(map[string]any), forged *string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != mockoidc.TokenEndpoint {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var resp map[string]any
			if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &resp) != nil {
				w.WriteHeader(rec.Code)
				_, _ = w.Write(rec.Body.Bytes())
				return
			}
			orig, _ := resp["id_token"].(string)
			parts := strings.Split(orig, ".")
			payload, err := base64.RawURLEncoding.DecodeString(parts[1])
			if err != nil {
				t.Errorf("mockoidc id token: %v", err)
				return
			}
			var claims map[string]any
			_ = json.Unmarshal(payload, &claims)
			edit(claims)
			signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
				(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
			if err != nil {
				t.Error(err)
				return
			}
			data, _ := json.Marshal(claims)
			jws, err := signer.Sign(data)
			if err != nil {
				t.Error(err)
				return
			}
			*forged, _ = jws.CompactSerialize()
			resp["id_token"] = *forged
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(resp)
		})
	}
}

// expectRefused checks that Login failed with a message containing want,
// and that the message carries neither the code nor the ID token.
func expectRefused(t *testing.T, tok *Token, err error, b *browser, forged, want string) {
	t.Helper()
	if err == nil || tok != nil {
		t.Fatalf("got token %+v, error %v; want an error", tok, err)
	}
	msg := err.Error()
	t.Logf("error: %s", msg)
	if !strings.Contains(msg, want) {
		t.Errorf("error %q does not mention %q", msg, want)
	}
	if strings.ContainsAny(msg, "\n\r") || msg != strings.ToLower(msg[:1])+msg[1:] {
		t.Errorf("error %q is not one lowercase line", msg)
	}
	if b.code != "" && strings.Contains(msg, b.code) {
		t.Errorf("error %q contains the authorization code", msg)
	}
	if forged != "" && strings.Contains(msg, forged) {
		t.Errorf("error contains the id token")
	}
}
