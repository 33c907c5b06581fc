package cli

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ec2now in a shell set from an aws login session reads that session's
// cache file and says what it can about its renewal, in each state.
func TestNowLoginSession(t *testing.T) {
	const arn = "arn:aws:iam::123456789012:user/u"
	home := t.TempDir()
	dir := filepath.Join(home, ".aws", "login", "cache")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(arn))
	path := filepath.Join(dir, hex.EncodeToString(sum[:])+".json")
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	idToken := func(iat time.Time) string {
		return "e30." + base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"sub":%q,"iat":%d}`, arn, iat.Unix()))) + ".c2ln"
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalECPrivateKey(k)
	keyJSON, _ := json.Marshal(string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})))
	file := func(refresh, idToken string) string {
		return `{"accessToken": {"accessKeyId": "ASIAEXAMPLE", "secretAccessKey": "s", "sessionToken": "t", "accountId": "123456789012",` +
			` "expiresAt": "2026-12-07T12:10:00Z"}, "tokenType": "urn:aws:params:oauth:token-type:access_token_sigv4",` +
			` "clientId": "arn:aws:signin:::devtools/same-device", "refreshToken": "` + refresh + `", "idToken": "` + idToken + `",` +
			` "dpopKey": ` + string(keyJSON) + `}`
	}
	env := map[string]string{"HOME": home, "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE", "AWS_SESSION_TOKEN": "t",
		"AWS_CREDENTIAL_EXPIRATION": "2026-12-07T12:10:00Z", "MY_AWS_SET_FOR": "ondev",
		"AWSENV_LOGIN_PROFILE": "dev", "AWSENV_LOGIN_SESSION": arn}
	for _, tc := range []struct {
		name, content, want string
	}{
		{"absent", "", "That session is no longer cached (logged out): run awsenv login dev"},
		{"signed in 2h ago", file("rt", idToken(now.Add(-2*time.Hour))),
			"ec2switch ondev renews them without a person until 2026-12-07T22:00:00Z at most (10h00m left; 12h from the sign-in), then run awsenv login dev"},
		{"no idToken", file("rt", ""),
			"ec2switch ondev renews them without a person while the session lasts (at most 12h from the sign-in), then run awsenv login dev"},
		{"ended", file("rt", idToken(now.Add(-13*time.Hour))), "That session ended at 2026-12-07T11:00:00Z, 12h after the sign-in: run awsenv login dev"},
		{"no refresh token", file("", idToken(now)), "The aws login cache file " + path + " cannot be used: it has no refreshToken: remove it and run awsenv login dev"},
		{"garbage", "{", "The aws login cache file " + path + " cannot be used: it is not a JSON object: remove it and run awsenv login dev"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(path)
			if tc.content != "" {
				if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			var out, errs bytes.Buffer
			io := &IO{Out: &out, Err: &errs, Getenv: func(k string) string { return env[k] }, Now: func() time.Time { return now }}
			if err := runNow(io, "text"); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(errs.String()), "\n")
			if out.Len() != 0 || len(lines) < 2 || lines[len(lines)-2] != "They come from the aws login session of "+arn+" (profile dev)" ||
				lines[len(lines)-1] != tc.want {
				t.Errorf("stdout %q, stderr:\n%s\nwant last line %q", out.String(), errs.String(), tc.want)
			}
			// The prompt format is the same short line as ever.
			out.Reset()
			if err := runNow(io, "prompt"); err != nil || out.String() != "ondev 10m\n" {
				t.Errorf("prompt %q, %v", out.String(), err)
			}
		})
	}

	// No HOME: the cache cannot be found, which is not a logout.
	delete(env, "HOME")
	var errs bytes.Buffer
	if err := runNow(&IO{Out: &bytes.Buffer{}, Err: &errs, Getenv: func(k string) string { return env[k] }, Now: func() time.Time { return now }}, "text"); err != nil ||
		!strings.HasSuffix(errs.String(), "\nCannot find the aws login cache: HOME is not set\n") {
		t.Errorf("no HOME:\n%s", errs.String())
	}
	// What the environment holds is shown inert.
	env["HOME"], env["AWSENV_LOGIN_SESSION"] = home, "arn:\x1b]0;x\x07"+strings.Repeat("a", 500)
	errs.Reset()
	if err := runNow(&IO{Out: &bytes.Buffer{}, Err: &errs, Getenv: func(k string) string { return env[k] }, Now: func() time.Time { return now }}, "text"); err != nil ||
		strings.Contains(errs.String(), "\x1b") || strings.Contains(errs.String(), strings.Repeat("a", 201)) || !strings.Contains(errs.String(), `"arn:\x1b]0;x\aaaa`) {
		t.Errorf("hostile session value:\n%q", errs.String())
	}
}
