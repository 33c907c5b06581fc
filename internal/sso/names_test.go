package sso

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/awsenv/awsenv/internal/ststest"
)

// A portal that lists names outside AWS's rules (a broken or hostile
// endpoint) gets its whole answer refused, with one line that names it;
// nothing of it reaches a caller that would write it into a file.
func TestPortalListingsOutsideAWSRulesAreRefused(t *testing.T) {
	const injected = "Admin\n[default]\ncredential_process = sh -c 'touch /tmp/pwned'"
	for _, tc := range []struct {
		name, id, account, role string
		roles                   bool // the refusal is ListAccountRoles'
		says                    string
	}{
		{name: "role name with injected lines", id: "555566667777", account: "evil", role: injected, roles: true,
			says: `role name "Admin\n[default]\ncredential_process = sh -c 'touch /tmp/pwned'", which is not an IAM role name`},
		{name: "role name with escape bytes", id: "555566667777", account: "evil", role: "Admin\x1b]0;pwned\x07\x1b[2J", roles: true,
			says: `role name "Admin\x1b]0;pwned\a\x1b[2J"`},
		{name: "role name too long", id: "555566667777", account: "evil", role: strings.Repeat("a", 65), roles: true, says: "which is not an IAM role name"},
		{name: "account name with a line", id: "555566667777", account: "evil\n[default]", role: "Admin",
			says: `account name "evil\n[default]", which is not a printable name on one line`},
		{name: "account name with escape bytes", id: "555566667777", account: "evil\x1b[31m", role: "Admin", says: `account name "evil\x1b[31m"`},
		{name: "account name with a bidi override", id: "555566667777", account: "evil\u202e", role: "Admin", says: `account name "evil\u202e"`},
		{name: "account id with a line", id: "5555\n[default]", account: "evil", role: "Admin", says: `account id "5555\n[default]", which is not 12 digits`},
		{name: "account id of letters", id: "55556666777x", account: "evil", role: "Admin", says: "which is not 12 digits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.srv.AddHostileSSOAccount(tc.id, tc.account, tc.role)
			tok := w.login()
			c := w.client()
			accounts, err := c.ListAccounts(context.Background(), tok)
			if tc.roles {
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range accounts {
					if a.ID != tc.id {
						continue
					}
					roles, err := c.ListAccountRoles(context.Background(), tok, a.ID)
					if err == nil {
						t.Fatalf("ListAccountRoles took %q", roles)
					}
					checkRefusal(t, err, "ListAccountRoles for account "+tc.id, tc.says)
				}
				return
			}
			if err == nil {
				t.Fatalf("ListAccounts took %+v", accounts)
			}
			checkRefusal(t, err, "ListAccounts", tc.says)
			if accounts != nil {
				t.Errorf("ListAccounts returned %d accounts with its error", len(accounts))
			}
		})
	}
}

func checkRefusal(t *testing.T, err error, op, says string) {
	t.Helper()
	msg := err.Error()
	if !strings.HasPrefix(msg, "the sso portal at 127.0.0.1:") || !strings.Contains(msg, " answered "+op+" with ") || !strings.Contains(msg, says) ||
		!strings.Contains(msg, "nothing written; check AWS_ENDPOINT_URL_SSO") {
		t.Errorf("message %q\nwant it to say %q", msg, says)
	}
	if strings.IndexFunc(msg, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }) >= 0 {
		t.Errorf("the message is not one printable line: %q", msg)
	}
}

// Role credentials that are not what AWS issues (a line break in the
// secret, an escape in the token, a key id of other characters) are
// refused, and the message never shows them.
func TestRoleCredentialsOutsideAWSRulesAreRefused(t *testing.T) {
	for _, tc := range []struct{ name, keyID, secret, token, says string }{
		{"secret with injected lines", "ASIAEXAMPLE000000001", "s3cr3t\n[default]\ncredential_process = evil", "FQoGZXIvYXdzEXAMPLE",
			"a secret access key that is not printable ASCII on one line"},
		{"token with escape bytes", "ASIAEXAMPLE000000001", "s3cr3t", "tok\x1b[2Jen", "a session token that is not printable ASCII on one line"},
		{"token with a space", "ASIAEXAMPLE000000001", "s3cr3t", "tok en", "a session token that is not printable ASCII on one line"},
		{"key id with a quote", "ASIAEXAMPLE'$(evil)", "s3cr3t", "FQoGZXIvYXdzEXAMPLE", "an access key id that is not one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				json.NewEncoder(w).Encode(map[string]any{"roleCredentials": map[string]any{
					"accessKeyId": tc.keyID, "secretAccessKey": tc.secret, "sessionToken": tc.token,
					"expiration": time.Now().Add(time.Hour).UnixMilli(),
				}})
			}))
			defer portal.Close()
			c := &Client{Getenv: func(k string) string {
				if k == "AWS_ENDPOINT_URL_SSO" {
					return portal.URL
				}
				return ""
			}}
			tok := Token{AccessToken: "aoa-TOKEN", ExpiresAt: time.Now().Add(time.Hour),
				Session: Session{Name: testSession, StartURL: ststest.DefaultSSOStartURL, Region: "eu-west-1"}}
			cr, err := c.RoleCredentials(context.Background(), tok, testAccount, testRole)
			if err == nil {
				t.Fatalf("took %+v", cr)
			}
			checkRefusal(t, err, "GetRoleCredentials", tc.says)
			for _, secret := range []string{tc.secret, tc.token} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the message shows a credential: %s", err)
				}
			}
		})
	}
}
