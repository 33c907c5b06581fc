package resolve

import (
	"strings"
	"testing"
	"time"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/config"
)

const samlConfig = `[profile corp-admin]
saml_url = https://idp.example.com/app/aws/sso
role_arn = arn:aws:iam::123456789012:role/Admin
region = eu-west-1

[profile corp]
saml_url = https://idp.example.com/app/aws/sso

[profile corp-long]
saml_url = https://idp.example.com/app/aws/sso
role_arn = arn:aws:iam::123456789012:role/Admin
saml_provider_arn = arn:aws:iam::123456789012:saml-provider/Corp
duration_seconds = 28800

[profile corp-short]
saml_url = https://idp.example.com/app/aws/sso
duration_seconds = 600

[profile corp-chained]
role_arn = arn:aws:iam::210987654321:role/Deploy
source_profile = corp-admin

[profile corp-chained-long]
role_arn = arn:aws:iam::210987654321:role/Deploy
source_profile = corp-admin
duration_seconds = 7200

[profile corp-bad]
saml_url = https://idp.example.com/app/aws/sso
source_profile = corp
`

// SAML profiles plan as one AssumeRoleWithSAML step cached under the
// profile, for duration_seconds (default 1h, not the assertion's
// SessionDuration); a role on top is chained, capped at 1h.
func TestPlanSAML(t *testing.T) {
	for _, c := range []struct {
		name, profile string
		req           Request
		shape, err    string
		check         func(t *testing.T, p *Plan)
	}{
		{name: "a SAML profile is one step, one hour by default", profile: "corp-admin", req: Request{Purpose: Switch}, shape: "saml(1h)",
			check: func(t *testing.T, p *Plan) {
				st := p.Last()
				if st.RoleARN != "arn:aws:iam::123456789012:role/Admin" || st.SAML.URL != "https://idp.example.com/app/aws/sso" || st.SAML.ProviderARN != "" ||
					st.Key != (cache.Key{Scope: cache.ScopeProfile, Name: "corp-admin", Kind: cache.KindOwn}) || st.OnlyCached || p.Label != "corp-admin" {
					t.Errorf("step %+v label %q", st, p.Label)
				}
			}},
		{name: "without role_arn the role is chosen from the assertion", profile: "corp", req: Request{Purpose: Use}, shape: "saml(1h)",
			check: func(t *testing.T, p *Plan) {
				if p.Last().RoleARN != "" {
					t.Errorf("role %q", p.Last().RoleARN)
				}
			}},
		{name: "duration_seconds up to the role's maximum, and the provider", profile: "corp-long", req: Request{Purpose: Switch}, shape: "saml(8h)",
			check: func(t *testing.T, p *Plan) {
				if p.Last().SAML.ProviderARN != "arn:aws:iam::123456789012:saml-provider/Corp" {
					t.Errorf("provider %q", p.Last().SAML.ProviderARN)
				}
			}},
		{name: "under 15 minutes is refused before the browser opens", profile: "corp-short", req: Request{Purpose: Switch}, err: `profile "corp-short": duration_seconds: role duration 10m0s is out of bounds`},
		{name: "a role chained from the SAML role", profile: "corp-chained", req: Request{Purpose: Switch}, shape: "saml(1h) > assume-role(1h)"},
		{name: "a chained role gets an hour at most", profile: "corp-chained-long", req: Request{Purpose: Switch}, err: "role chaining"},
		{name: "the console signs in with the SAML role's credentials", profile: "corp-admin", req: Request{Purpose: Console, Duration: 2 * time.Hour}, shape: "saml(2h)"},
		{name: "a conflicting setting is refused with its line", profile: "corp-bad", req: Request{Purpose: Switch}, err: "/home/a/.aws/config line 30: source_profile cannot be used with saml_url"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := profileSource(t, samlConfig, c.profile).Plan(c.req, nil)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := shape(p); got != c.shape {
				t.Errorf("shape %q, want %q", got, c.shape)
			}
			if c.check != nil {
				c.check(t, p)
			}
		})
	}
}

func TestPlanSAMLFingerprint(t *testing.T) {
	fp := func(cfg string) string {
		p, err := profileSource(t, cfg, "x").Plan(Request{Purpose: Switch}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return p.Last().Fingerprint
	}
	base := "[profile x]\nsaml_url = https://idp.example.com/a\nrole_arn = arn:aws:iam::123456789012:role/A\n"
	first := fp(base)
	if fp(base) != first || first == fp(strings.Replace(base, "role/A", "role/B", 1)) ||
		first == fp(strings.Replace(base, "/a\n", "/b\n", 1)) || first == fp(base+"duration_seconds = 7200\n") {
		t.Error("the fingerprint does not follow the configuration")
	}
}

// An accounts-file entry with "saml" plans like a SAML profile, cached
// under the account.
func TestPlanSAMLAccount(t *testing.T) {
	list, err := config.ParseAccounts([]byte(`{"corp": {"region": "eu-west-1", "saml": {"url": "https://idp.example.com/aws", "role_arn": "arn:aws:iam::123456789012:role/Admin", "duration": "2h"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	src := &Source{Name: "corp", Scope: cache.ScopeAccount, Account: list[0], Listed: true, Region: "eu-west-1", Partition: "aws", User: "alice"}
	p, err := src.Plan(Request{Purpose: Switch}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := p.Last()
	if shape(p) != "saml(2h)" || st.SAML.URL != "https://idp.example.com/aws" || st.Key != (cache.Key{Scope: cache.ScopeAccount, Name: "corp", Kind: cache.KindOwn}) ||
		p.AccountID != "123456789012" || !p.ShowsLifetime() {
		t.Errorf("plan %s %+v", shape(p), st)
	}
	if _, err := src.Plan(Request{Purpose: MFA}, nil); err == nil || !strings.Contains(err.Error(), "has no keys or mfa") {
		t.Errorf("mfa: %v", err)
	}
	for _, bad := range []struct{ json, says string }{
		{`{"c": {"saml": {"url": "nope", "role_arn": "arn:aws:iam::1:role/A"}}}`, `account "c": saml needs "url"`},
		{`{"c": {"saml": {"url": "https://idp.example", "role_arn": "A"}}}`, `saml role_arn "A" is not a role ARN`},
		{`{"c": {"keys": "keyring", "saml": {"url": "https://idp.example", "role_arn": "arn:aws:iam::123456789012:role/A"}}}`, `"keys" does not apply to a saml account`},
		{`{"c": {"saml": {"url": "https://idp.example", "role_arn": "arn:aws:iam::123456789012:role/A", "extra": 1}}}`, `unknown field "extra"`},
	} {
		if _, err := config.ParseAccounts([]byte(bad.json)); err == nil || !strings.Contains(err.Error(), bad.says) {
			t.Errorf("%s: got %v, want %q", bad.json, err, bad.says)
		}
	}
}
