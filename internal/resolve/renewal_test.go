package resolve

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/sso"
)

// What switch --serve says of how long it renews, read from the caches
// alone.
func TestRenewal(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 0, 0, 0, time.UTC)
	cfg := `[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin

[profile guarded]
role_arn = arn:aws:iam::111111111111:role/guarded
source_profile = dev
mfa_serial = arn:aws:iam::111111111111:mfa/me
`
	type world struct {
		r     *Resolver
		store *cache.Store
		home  string
	}
	setup := func(t *testing.T) world {
		e := testEnv(t, cfg, nil)
		r := newResolver(e, Options{Now: func() time.Time { return now }, MinTTL: 5 * time.Minute})
		return world{r: r, store: r.b.Store, home: e.Getenv("HOME")}
	}
	session := func(exp time.Time) *cache.Entry {
		return &cache.Entry{Account: "work", Kind: "session", Created: exp.Add(-time.Hour),
			Credentials: cache.Credentials{AccessKeyID: "ASIA", SecretAccessKey: "s", SessionToken: "t", Expiration: exp}}
	}
	token := func(t *testing.T, w world, refresh string, expires time.Time) {
		sess := sso.Session{Name: "corp", StartURL: "https://corp.awsapps.com/start", Region: "eu-west-1"}
		dir := sso.DefaultCacheDir(w.r.env.Getenv)
		must(t, os.MkdirAll(dir, 0o700))
		body := fmt.Sprintf(`{"startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1", "accessToken": "at", "expiresAt": %q, "clientId": "c", "clientSecret": "s", "registrationExpiresAt": %q, "refreshToken": %q}`,
			expires.Format(time.RFC3339), now.Add(90*24*time.Hour).Format(time.RFC3339), refresh)
		must(t, os.WriteFile(filepath.Join(dir, sso.TokenFile(sess)), []byte(body), 0o600))
	}
	renewal := func(t *testing.T, w world, name string) Renewal {
		t.Helper()
		p, err := w.r.Plan(name, Request{Purpose: Switch})
		must(t, err)
		return w.r.Renewal(p)
	}

	t.Run("keys and no session: as long as the shell runs", func(t *testing.T) {
		if rn := renewal(t, setup(t), "work"); rn != (Renewal{}) {
			t.Errorf("%+v", rn)
		}
	})
	t.Run("a valid MFA session: until it expires", func(t *testing.T) {
		w := setup(t)
		must(t, w.store.Put(cache.AccountSession("work"), session(now.Add(time.Hour))))
		if rn := renewal(t, w, "work"); !rn.Until.Equal(now.Add(time.Hour)) || rn.Then != "ec2mfa" {
			t.Errorf("%+v", rn)
		}
	})
	t.Run("an expired MFA session is none: the keys, as long as the shell runs", func(t *testing.T) {
		w := setup(t)
		must(t, w.store.Put(cache.AccountSession("work"), session(now.Add(-time.Minute))))
		if rn := renewal(t, w, "work"); rn != (Renewal{}) {
			t.Errorf("%+v", rn)
		}
	})
	t.Run("an SSO session with a refresh token: while it lasts", func(t *testing.T) {
		w := setup(t)
		token(t, w, "rt", now.Add(time.Minute))
		if rn := renewal(t, w, "dev"); rn.While == "" || !rn.Until.IsZero() || rn.Then != "awsenv sso login corp" {
			t.Errorf("%+v", rn)
		}
	})
	t.Run("an SSO session without one: until the token expires", func(t *testing.T) {
		w := setup(t)
		token(t, w, "", now.Add(time.Hour))
		if rn := renewal(t, w, "dev"); rn.While != "" || !rn.Until.Equal(now.Add(time.Hour)) {
			t.Errorf("%+v", rn)
		}
	})
	t.Run("a web identity's browser login: ec2switch NAME", func(t *testing.T) {
		w := setup(t)
		accounts := w.r.env.Paths.Accounts
		must(t, os.WriteFile(accounts, []byte(`{"team": {"arn": "arn:aws:iam::333333333333:", "web_identity": {"issuer": "https://idp.example.com", "client_id": "c", "role_arn": "arn:aws:iam::333333333333:role/w"}}}`), 0o600))
		e, err := NewEnv("", "", w.r.env.Getenv)
		must(t, err)
		w.r.env = e
		if rn := renewal(t, w, "team"); !rn.Until.Equal(now) || rn.Then != "ec2switch team" {
			t.Errorf("%+v", rn)
		}
	})
	t.Run("a role that needs a code on an SSO profile ends first", func(t *testing.T) {
		w := setup(t)
		token(t, w, "rt", now.Add(time.Hour))
		rn := renewal(t, w, "guarded")
		if rn.While != "" || !rn.Until.Equal(now) || rn.Then != "ec2mfa" {
			t.Errorf("%+v", rn)
		}
	})
}
