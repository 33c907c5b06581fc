package signin

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A file as the Go SDK writes it back: compact, nanosecond times,
// identityToken for idToken, 0600.
const goSDKFile = `{"accessToken":{"accessKeyId":"ASIAEXAMPLEEXAMPLE01","secretAccessKey":"s3cret","sessionToken":"t0ken","accountId":"123456789012","expiresAt":"2026-12-07T13:59:39.123456789Z"},"tokenType":"urn:aws:params:oauth:token-type:access_token_sigv4","refreshToken":"rt","identityToken":"","clientId":"arn:aws:signin:::devtools/same-device","dpopKey":"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIh2Xyb1Gf6a6j+0n3nH7F4+u0bkJ0P4aQ0nq4kq7mV3oAoGCCqGSM49\nAwEHoUQDQgAE\n-----END EC PRIVATE KEY-----\n"}`

func TestReadsTheGoSDKsLayout(t *testing.T) {
	tok, err := parseToken("f.json", []byte(goSDKFile))
	if err != nil {
		t.Fatal(err)
	}
	if tok.ExpiresAt != time.Date(2026, 12, 7, 13, 59, 39, 123456789, time.UTC) || tok.AccountID != "123456789012" || tok.RefreshToken != "rt" {
		t.Fatalf("%+v", tok)
	}
}

func TestRewriteKeepsUnknownFields(t *testing.T) {
	in := `{"accessToken": {"accessKeyId": "A", "secretAccessKey": "S", "sessionToken": "T", "accountId": "123456789012", "expiresAt": "2026-01-01T00:00:00Z", "futureField": [1, 2]}, "tokenType": "tt", "clientId": "c", "refreshToken": "r", "idToken": "i", "dpopKey": "k", "signInRegion": "eu-central-1", "other": {"a": "b"}}`
	tok, err := parseToken("f.json", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if tok.SignInRegion != "eu-central-1" {
		t.Errorf("signInRegion %q", tok.SignInRegion)
	}
	tok.RefreshToken = "r2"
	tok.ExpiresAt = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	want := strings.NewReplacer(`"r"`, `"r2"`, "2026-01-01", "2027-01-01").Replace(in)
	if got := string(tok.encode()); got != want {
		t.Errorf("rewrite\n got %s\nwant %s", got, want)
	}
}

func TestRefreshGoesToTheSignInRegion(t *testing.T) {
	env := map[string]string{}
	got, err := Endpoint("eu-central-1", func(k string) string { return env[k] })
	if err != nil || got != "https://eu-central-1.signin.aws.amazon.com" {
		t.Fatal(got, err)
	}
}

func FuzzParseToken(f *testing.F) {
	f.Add([]byte(goSDKFile))
	f.Add([]byte(`{"accessToken": {}}`))
	f.Add([]byte(`{"accessToken": "x"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := parseToken("f.json", data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		again, err := parseToken("f.json", tok.encode())
		if err != nil {
			t.Fatalf("rewrite does not parse: %v\n%s", err, tok.encode())
		}
		if again.AccessKeyID != tok.AccessKeyID || again.RefreshToken != tok.RefreshToken || !again.ExpiresAt.Equal(tok.ExpiresAt.Truncate(time.Second)) {
			t.Fatalf("rewrite changed the token")
		}
	})
}

// A sign-in endpoint that misbehaves: the error is one line, names the
// endpoint, and holds nothing of the request.
func TestTokenCallFaults(t *testing.T) {
	w := newWorld(t)
	w.login()
	w.expire()
	secret := w.fields()["refreshToken"].(string)
	stop := make(chan struct{})
	for name, h := range map[string]http.HandlerFunc{
		"redirect": func(rw http.ResponseWriter, r *http.Request) {
			http.Redirect(rw, r, "http://elsewhere.example/v1/token?"+secret, http.StatusTemporaryRedirect)
		},
		"huge": func(rw http.ResponseWriter, r *http.Request) {
			_, _ = rw.Write(bytes.Repeat([]byte("x"), maxAnswer+10))
		},
		"garbage": func(rw http.ResponseWriter, r *http.Request) { _, _ = rw.Write([]byte("{}")) },
		"5xx": func(rw http.ResponseWriter, r *http.Request) {
			rw.Header().Set("X-Amzn-Errortype", "InternalServerException")
			rw.WriteHeader(500)
			_ = json.NewEncoder(rw).Encode(map[string]string{"error": "server_error", "message": "boom\n\x1b[31m"})
		},
		"slow": func(rw http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body) // then the server notices the client leave
			select {
			case <-r.Context().Done():
			case <-stop:
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			defer srv.Close()
			defer srv.CloseClientConnections()
			w.env["AWS_ENDPOINT_URL_SIGNIN"] = srv.URL
			c := w.client()
			c.Timeout = 300 * time.Millisecond
			_, err := c.Credentials(context.Background(), w.session(), 5*time.Minute)
			if err == nil || strings.ContainsAny(err.Error(), "\n\x1b") || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), srv.URL) {
				t.Fatalf("error %q", err)
			}
		})
	}
	close(stop)
	// Nothing was written: the refresh token is still the one to use.
	if w.fields()["refreshToken"] != secret {
		t.Error("the cache file changed")
	}
}

func TestLogout(t *testing.T) {
	w := newWorld(t)
	w.login()
	if ok, err := w.client().Logout(context.Background(), w.session()); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if _, err := os.Stat(w.path()); !os.IsNotExist(err) {
		t.Error("file left")
	}
	if ok, err := w.client().Logout(context.Background(), w.session()); ok || err != nil {
		t.Fatal(ok, err)
	}
	if _, err := os.Stat(filepath.Dir(w.path())); err != nil {
		t.Error(err)
	}
}

// The end of a session's renewal comes from its idToken: auth_time, else
// iat, 12 hours on; a file whose idToken an SDK dropped does not say.
func TestStatusSignedIn(t *testing.T) {
	w := newWorld(t)
	before := time.Now().Add(-time.Second)
	w.login()
	st, err := w.client().Status(testARN)
	if err != nil || st.SignedIn.Before(before.Truncate(time.Second)) || st.SignedIn.After(time.Now()) ||
		!st.RenewsUntil.Equal(st.SignedIn.Add(MaxSession)) {
		t.Fatalf("status %+v, %v", st, err)
	}
	jwt := func(payload string) string {
		return "eyJhbGciOiJFUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + ".sig"
	}
	for _, tc := range []struct {
		token string
		want  int64
	}{
		{jwt(`{"sub":"x","iat":1700000100,"auth_time":1700000000}`), 1700000000},
		{jwt(`{"sub":"x","iat":1700000100}`), 1700000100},
		{jwt(`{"sub":"x"}`), 0},
		{jwt(`{"iat":"soon"}`), 0},
		{jwt(`{"iat":-5}`), 0},
		{"", 0},
		{"a.b", 0},
	} {
		got := signedIn(tc.token)
		if (tc.want == 0) != got.IsZero() || (tc.want != 0 && got.Unix() != tc.want) {
			t.Errorf("signedIn(%q) = %v, want %d", tc.token, got, tc.want)
		}
	}
}
