package resolve

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/config"
)

// The planner is pure: these cases pin STS's rules and awsenv's chain
// shapes from configuration text alone, with no file and no network.

const accountsJSON = `{
  "work": {
    "arn": "arn:aws:iam::123456789012:",
    "region": "eu-west-1",
    "session_duration": "8h",
    "mfa_process": "ykman oath code",
    "roles": { "admin": "arn:aws:iam::123456789012:role/work-admin" }
  },
  "personal": "arn:aws:iam::987654321012:",
  "phone": { "arn": "arn:aws:iam::111111111111:", "mfa_serial": "arn:aws:iam::111111111111:mfa/jb-phone" },
  "team": { "web_identity": { "issuer": "https://idp.example/", "client_id": "abc", "role_arn": "arn:aws:iam::222222222222:role/team" } }
}`

const baseConfig = `[profile base]
mfa_serial = arn:aws:iam::123456789012:mfa/alice

[profile nomfa]
region = eu-north-1

[profile admin]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/alice

[profile deep]
role_arn = arn:aws:iam::123456789012:role/readonly
source_profile = admin
role_session_name = deep-session

[profile long]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/alice
duration_seconds = 7200

[profile longchained]
role_arn = arn:aws:iam::123456789012:role/readonly
source_profile = admin
duration_seconds = 7200

[profile plain]
role_arn = arn:aws:iam::123456789012:role/readonly
source_profile = nomfa

[profile late-mfa]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = plain
mfa_serial = arn:aws:iam::123456789012:mfa/alice

[profile loop-a]
role_arn = arn:aws:iam::123456789012:role/readonly
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::123456789012:role/readonly
source_profile = loop-a

[profile orphan]
role_arn = arn:aws:iam::123456789012:role/readonly
source_profile = nowhere

[profile nosource]
role_arn = arn:aws:iam::123456789012:role/readonly

[profile both]
role_arn = arn:aws:iam::123456789012:role/readonly
source_profile = base
credential_source = Environment

[profile fromenv]
role_arn = arn:aws:iam::123456789012:role/readonly
credential_source = Environment

[profile fromec2]
role_arn = arn:aws:iam::123456789012:role/readonly
credential_source = Ec2InstanceMetadata

[profile proc]
credential_process = /usr/bin/get-creds --account 1

[profile onproc]
role_arn = arn:aws:iam::123456789012:role/readonly
source_profile = proc

[profile wif]
role_arn = arn:aws:iam::123456789012:role/ci
web_identity_token_file = /var/run/token
source_profile = base

[profile self]
role_arn = arn:aws:iam::123456789012:role/readonly
source_profile = self

[profile oldstyle]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = nomfa
mfa_arn = arn:aws:iam::123456789012:mfa/alice

[profile empty]
region = eu-west-1

[profile partial]
aws_access_key_id = AKIAPARTIALPARTIAL1

[profile dev]
login_session = arn:aws:iam::123456789012:user/alice
region = eu-central-1

[profile ondev]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = dev

[profile ondevlong]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = dev
duration_seconds = 7200
`

const baseCredentials = `[base]
aws_access_key_id = AKIABASEBASEBASE0001
aws_secret_access_key = basesecretbasesecretbasesecret

[nomfa]
aws_access_key_id = AKIANOMFANOMFANOMF01
aws_secret_access_key = nomfasecretnomfasecretnomfa

[self]
aws_access_key_id = AKIASELFSELFSELFSELF
aws_secret_access_key = selfsecretselfsecretselfsecret
`

func accountSource(t *testing.T, name string) *Source {
	t.Helper()
	list, err := config.ParseAccounts([]byte(accountsJSON))
	if err != nil {
		t.Fatal(err)
	}
	for _, acc := range list {
		if acc.Name == name {
			src := &Source{Name: name, Scope: cache.ScopeAccount, Account: acc, Listed: true, KeyDir: "/creds",
				Region: "us-east-1", Partition: acc.Partition, AccountID: acc.AccountID, User: "alice"}
			src.unknown = func() error { return fmt.Errorf("unknown account %q", name) }
			return src
		}
	}
	t.Fatalf("no account %q", name)
	return nil
}

func profileSource(t *testing.T, cfg, name string) *Source {
	t.Helper()
	ps, err := config.ParseProfiles("/home/a/.aws/config", []byte(cfg), "/home/a/.aws/credentials", []byte(baseCredentials))
	if err != nil {
		t.Fatal(err)
	}
	p := ps.Get(name)
	if p == nil {
		t.Fatalf("no profile %q", name)
	}
	return &Source{Name: name, Scope: cache.ScopeProfile, Profile: p, Profiles: ps, User: "tester",
		ConfigFiles: [2]string{"/home/a/.aws/config", "/home/a/.aws/credentials"}, Region: "us-east-1", Partition: "aws"}
}

// shape is a plan's steps in short: kind, "?" when only a cached entry is
// used, "+mfa" when the step sends a code, and the step's duration.
func shape(p *Plan) string {
	var parts []string
	for _, st := range p.Steps {
		s := st.Kind.String()
		if st.OnlyCached {
			s += "?"
		}
		if st.MFASerial != "" {
			s += "+mfa"
		}
		if st.Duration != 0 {
			s += "(" + strings.TrimSuffix(strings.TrimSuffix(st.Duration.String(), "0s"), "0m") + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " > ")
}

func TestPlan(t *testing.T) {
	sessionOf := func(name string) map[cache.Key]bool { return map[cache.Key]bool{cache.AccountSession(name): true} }
	tests := []struct {
		name   string
		src    func(t *testing.T) *Source
		req    Request
		cached map[cache.Key]bool
		shape  string
		label  string
		err    string
		check  func(t *testing.T, p *Plan)
	}{
		// Accounts: a chain whose base is the key files.
		{name: "switch uses the cached session, else the keys, never a call",
			src: acc("work"), req: Request{Purpose: Switch}, shape: "keys > session?", label: "work-MFA-STS",
			check: func(t *testing.T, p *Plan) {
				if p.FallbackLabel != "work" || p.Last().Key != cache.AccountSession("work") {
					t.Errorf("fallback %q key %v", p.FallbackLabel, p.Last().Key)
				}
			}},
		{name: "mfa takes the account's session_duration and its device",
			src: acc("work"), req: Request{Purpose: MFA}, shape: "keys > session+mfa(8h)", label: "work-MFA-STS",
			check: func(t *testing.T, p *Plan) {
				st := p.Last()
				if st.MFASerial != "arn:aws:iam::123456789012:mfa/alice" || st.MFAProcess != "ykman oath code" || st.WantLifetime != 0 || st.PromptUser != "alice" {
					t.Errorf("session step %+v", st)
				}
			}},
		{name: "mfa defaults to 12h and honours mfa_serial",
			src: acc("phone"), req: Request{Purpose: MFA}, shape: "keys > session+mfa(12h)",
			check: func(t *testing.T, p *Plan) {
				if p.Last().MFASerial != "arn:aws:iam::111111111111:mfa/jb-phone" {
					t.Errorf("serial %q", p.Last().MFASerial)
				}
			}},
		{name: "an explicit duration only accepts an entry of that lifetime",
			src: acc("work"), req: Request{Purpose: MFA, Duration: 2 * time.Hour}, shape: "keys > session+mfa(2h)",
			check: func(t *testing.T, p *Plan) {
				if p.Last().WantLifetime != 2*time.Hour {
					t.Errorf("WantLifetime %s", p.Last().WantLifetime)
				}
			}},
		{name: "a session under 15m is refused before any call",
			src: acc("work"), req: Request{Purpose: MFA, Duration: 10 * time.Minute}, err: "session duration 10m0s is out of bounds: sts allows 15m to 36h"},
		{name: "a session over 36h is refused",
			src: acc("work"), req: Request{Purpose: MFA, Duration: 37 * time.Hour}, err: "out of bounds"},
		{name: "key files without an accounts entry have no mfa device",
			src: func(t *testing.T) *Source { s := accountSource(t, "work"); s.Listed = false; return s },
			req: Request{Purpose: MFA}, err: `unknown account "work"`},
		{name: "a broken NAME.user fails only what needs the user",
			src: func(t *testing.T) *Source {
				s := accountSource(t, "work")
				s.UserErr = fmt.Errorf("malformed user file")
				return s
			},
			req: Request{Purpose: MFA}, err: "malformed user file"},
		{name: "switch does not need NAME.user",
			src: func(t *testing.T) *Source {
				s := accountSource(t, "work")
				s.UserErr = fmt.Errorf("malformed user file")
				return s
			},
			req: Request{Purpose: Switch}, shape: "keys > session?"},
		{name: "role without a cached session is assumed from the keys with the code",
			src: acc("work"), req: Request{Purpose: Role, Role: "admin", Duration: 2 * time.Hour}, shape: "keys > assume-role+mfa(2h)", label: "work-ROLE-admin",
			check: func(t *testing.T, p *Plan) {
				st := p.Last()
				want := cache.Key{Scope: cache.ScopeAccount, Name: "work", Kind: cache.KindRole, Role: "arn:aws:iam::123456789012:role/work-admin", Sess: "alice"}
				if st.Key != want || st.EntrySource != "keys" || st.SessionName != "alice" {
					t.Errorf("role step %+v", st)
				}
			}},
		{name: "role with a cached session is chained from it, without a code",
			src: acc("work"), req: Request{Purpose: Role, Role: "admin"}, cached: sessionOf("work"), shape: "keys > session? > assume-role(1h)",
			check: func(t *testing.T, p *Plan) {
				if p.Last().EntrySource != "session" {
					t.Errorf("entry source %q", p.Last().EntrySource)
				}
			}},
		{name: "a chained role over 1h is refused with the way out",
			src: acc("work"), req: Request{Purpose: Role, Role: "admin", Duration: 2 * time.Hour}, cached: sessionOf("work"),
			err: "role duration 2h0m0s is too long for a role assumed from the cached mfa session: sts limits role chaining to 1h; use --duration 1h, or --no-session"},
		{name: "--no-session assumes from the keys even with a session cached, and only accepts such entries",
			src: acc("work"), req: Request{Purpose: Role, Role: "admin", Duration: 2 * time.Hour, NoSession: true}, cached: sessionOf("work"),
			shape: "keys > assume-role+mfa(2h)",
			check: func(t *testing.T, p *Plan) {
				if p.Last().WantSource != "keys" {
					t.Errorf("WantSource %q", p.Last().WantSource)
				}
			}},
		{name: "--no-mfa sends no code",
			src: acc("work"), req: Request{Purpose: Role, Role: "admin", NoMFA: true}, shape: "keys > assume-role(1h)"},
		{name: "a role over 12h is refused",
			src: acc("work"), req: Request{Purpose: Role, Role: "admin", Duration: 13 * time.Hour, NoSession: true}, err: "role duration 13h0m0s is out of bounds: sts allows 15m to 12h"},
		{name: "a role name not in the map is a role of the account",
			src: acc("work"), req: Request{Purpose: Role, Role: "path/deploy", NoMFA: true}, label: "work-ROLE-deploy",
			check: func(t *testing.T, p *Plan) {
				if p.Last().RoleARN != "arn:aws:iam::123456789012:role/path/deploy" {
					t.Errorf("role ARN %q", p.Last().RoleARN)
				}
			}},
		{name: "a role ARN of another account is that account's",
			src: acc("work"), req: Request{Purpose: Role, Role: "arn:aws:iam::210987654321:role/audit", NoMFA: true}, label: "work-ROLE-audit",
			check: func(t *testing.T, p *Plan) {
				if p.AccountID != "210987654321" {
					t.Errorf("account id %q, want the role's", p.AccountID)
				}
			}},
		{name: "a role name STS could not have is unknown, with the known ones",
			src: acc("work"), req: Request{Purpose: Role, Role: "bad role!"}, err: `unknown role "bad role!" for account work: known roles are admin, or give a role ARN`},
		{name: "an ARN that is not a role's",
			src: acc("work"), req: Request{Purpose: Role, Role: "arn:aws:s3:::bucket"}, err: "is not a role ARN"},
		{name: "session names follow STS's rule",
			src: acc("work"), req: Request{Purpose: Role, Role: "admin", SessionName: "x"}, err: `session name "x" is not allowed`},
		{name: "a user name STS refuses as a session name falls back to awsenv",
			src: func(t *testing.T) *Source { s := accountSource(t, "work"); s.User = "a"; return s },
			req: Request{Purpose: Role, Role: "admin"},
			check: func(t *testing.T, p *Plan) {
				if p.Last().SessionName != "awsenv" {
					t.Errorf("session name %q", p.Last().SessionName)
				}
			}},
		{name: "exec --no-session is the long-lived keys",
			src: acc("work"), req: Request{Purpose: Use, NoSession: true}, shape: "keys", label: "work"},
		{name: "exec is the MFA session",
			src: acc("personal"), req: Request{Purpose: Use}, shape: "keys > session+mfa(12h)", label: "personal-MFA-STS"},
		{name: "--force refreshes the last step only",
			src: acc("work"), req: Request{Purpose: Role, Role: "admin", Force: true}, cached: sessionOf("work"),
			check: func(t *testing.T, p *Plan) {
				if p.Steps[1].Force || !p.Last().Force {
					t.Errorf("force on %v / %v", p.Steps[1].Force, p.Last().Force)
				}
			}},
		{name: "console for a plain user is a federation token",
			src: acc("personal"), req: Request{Purpose: Console}, shape: "keys > federation(1h)",
			check: func(t *testing.T, p *Plan) {
				if p.Last().SessionName != "alice" {
					t.Errorf("federated name %q", p.Last().SessionName)
				}
			}},
		{name: "console for a role assumes it from the keys, never from the session",
			src: acc("work"), req: Request{Purpose: Console, Role: "admin", Duration: 4 * time.Hour}, cached: sessionOf("work"),
			shape: "keys > assume-role+mfa(4h)",
			check: func(t *testing.T, p *Plan) {
				if p.Last().SessionDuration != 4*time.Hour || p.Last().Key.Name != "" {
					t.Errorf("console role step %+v", p.Last())
				}
			}},
		{name: "a console session over 12h is refused",
			src: acc("work"), req: Request{Purpose: Console, Duration: 13 * time.Hour}, err: "console session duration 13h0m0s is out of bounds"},
		{name: "an identity-provider account has no mfa",
			src: acc("team"), req: Request{Purpose: MFA}, err: `account "team" logs in through its identity provider`},
		{name: "an identity-provider account logs in, cached under the account",
			src: acc("team"), req: Request{Purpose: Switch}, shape: "web-identity(1h)", label: "team-WEB-IDENTITY",
			check: func(t *testing.T, p *Plan) {
				if p.Last().Key != (cache.Key{Scope: cache.ScopeAccount, Name: "team", Kind: cache.KindWebIdentity}) || p.Last().Login == nil || p.AccountID != "222222222222" {
					t.Errorf("step %+v account %q", p.Last(), p.AccountID)
				}
			}},

		// Profiles of ~/.aws/config.
		{name: "switch on a keys profile: its session while cached, else its keys",
			src: prof("base"), req: Request{Purpose: Switch}, shape: "static-keys > session?+mfa(12h)", label: "base-MFA-STS",
			check: func(t *testing.T, p *Plan) {
				if p.FallbackLabel != "base" || p.Last().Key != (cache.Key{Scope: cache.ScopeProfile, Name: "base", Kind: cache.KindSession}) {
					t.Errorf("fallback %q key %v", p.FallbackLabel, p.Last().Key)
				}
			}},
		{name: "exec on a keys profile makes its session",
			src: prof("base"), req: Request{Purpose: Use}, shape: "static-keys > session+mfa(12h)"},
		{name: "exec --no-session on a keys profile is its keys",
			src: prof("base"), req: Request{Purpose: Use, NoSession: true}, shape: "static-keys", label: "base"},
		{name: "a keys profile without mfa_serial is its keys",
			src: prof("nomfa"), req: Request{Purpose: Switch}, shape: "static-keys", label: "nomfa"},
		{name: "an MFA role: the code goes to the source's session, reused by every role on it",
			src: prof("admin"), req: Request{Purpose: Switch}, shape: "static-keys > session+mfa(12h) > assume-role(1h)", label: "admin",
			check: func(t *testing.T, p *Plan) {
				if p.Steps[1].Key.Name != "base" || p.Steps[1].PromptUser != "alice" {
					t.Errorf("session step %+v", p.Steps[1])
				}
			}},
		{name: "a chain of roles: one code, each role cached",
			src: prof("deep"), req: Request{Purpose: Switch}, shape: "static-keys > session+mfa(12h) > assume-role(1h) > assume-role(1h)",
			check: func(t *testing.T, p *Plan) {
				if p.Last().SessionName != "deep-session" || p.Steps[2].SessionName != "tester" {
					t.Errorf("session names %q %q", p.Steps[2].SessionName, p.Last().SessionName)
				}
				if p.Last().Key != (cache.Key{Scope: cache.ScopeProfile, Name: "deep", Kind: cache.KindOwn}) {
					t.Errorf("key %v", p.Last().Key)
				}
			}},
		{name: "a first role over 1h is assumed straight from the keys with the code",
			src: prof("long"), req: Request{Purpose: Switch}, shape: "static-keys > assume-role+mfa(2h)"},
		{name: "a chained role over 1h is refused",
			src: prof("longchained"), req: Request{Purpose: Switch}, err: `profile "longchained": duration_seconds 7200 is more than sts allows for a role assumed from temporary credentials`},
		{name: "mfa_serial further up a chain built without MFA gets the code",
			src: prof("late-mfa"), req: Request{Purpose: Switch}, shape: "static-keys > assume-role(1h) > assume-role+mfa(1h)"},
		{name: "a source_profile loop is named",
			src: prof("loop-a"), req: Request{Purpose: Switch}, err: `profile "loop-a": source_profile loop loop-a -> loop-b -> loop-a: fix source_profile in /home/a/.aws/config`},
		{name: "a missing source profile",
			src: prof("orphan"), req: Request{Purpose: Switch}, err: `profile "orphan": source_profile "nowhere" does not exist`},
		{name: "role_arn needs a source",
			src: prof("nosource"), req: Request{Purpose: Switch}, err: `profile "nosource" has role_arn but no source_profile or credential_source`},
		{name: "source_profile and credential_source together are refused, as the SDKs do",
			src: prof("both"), req: Request{Purpose: Switch}, err: `profile "both": /home/a/.aws/config line 55: source_profile and credential_source are both set`},
		{name: "credential_source = Environment is a base",
			src: prof("fromenv"), req: Request{Purpose: Switch}, shape: "environment > assume-role(1h)"},
		{name: "credential_source = Ec2InstanceMetadata is a base",
			src: prof("fromec2"), req: Request{Purpose: Switch}, shape: "instance-metadata > assume-role(1h)"},
		{name: "credential_process is a base; the role on it is chained",
			src: prof("onproc"), req: Request{Purpose: Switch}, shape: "process > assume-role(1h)",
			check: func(t *testing.T, p *Plan) {
				if p.Steps[0].Command != "/usr/bin/get-creds --account 1" {
					t.Errorf("command %q", p.Steps[0].Command)
				}
			}},
		{name: "web_identity_token_file is a base of its own (source_profile ignored, as the AWS CLI does)",
			src: prof("wif"), req: Request{Purpose: Switch}, shape: "web-identity(1h)",
			check: func(t *testing.T, p *Plan) {
				if p.Last().TokenFile != "/var/run/token" || p.Last().Key != (cache.Key{Scope: cache.ScopeProfile, Name: "wif", Kind: cache.KindOwn}) {
					t.Errorf("step %+v", p.Last())
				}
			}},
		{name: "a profile may be its own source_profile for its keys",
			src: prof("self"), req: Request{Purpose: Switch}, shape: "static-keys > assume-role(1h)"},
		{name: "mfa_arn is read as mfa_serial, with a note",
			src: prof("oldstyle"), req: Request{Purpose: Switch}, shape: "static-keys > session+mfa(12h) > assume-role(1h)",
			check: func(t *testing.T, p *Plan) {
				if len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "the AWS CLI and SDKs read only mfa_serial") {
					t.Errorf("notes %q", p.Notes)
				}
			}},
		// aws login sessions: a base like any other, whose credentials are
		// temporary, so a role on them is chained.
		{name: "a login_session profile is one cached login step",
			src: prof("dev"), req: Request{Purpose: Switch}, shape: "login", label: "dev",
			check: func(t *testing.T, p *Plan) {
				st := p.Last()
				if st.LoginSession != "arn:aws:iam::123456789012:user/alice" || st.LoginRegion != "eu-central-1" ||
					st.Key != (cache.Key{Scope: cache.ScopeProfile, Name: "dev", Kind: cache.KindOwn}) || st.Fingerprint == "" {
					t.Errorf("step %+v", st)
				}
			}},
		{name: "a role on a login session is assumed from its credentials (the Go SDK refuses this)",
			src: prof("ondev"), req: Request{Purpose: Switch}, shape: "login > assume-role(1h)", label: "ondev"},
		{name: "a role on a login session is chained: at most 1h",
			src: prof("ondevlong"), req: Request{Purpose: Switch}, err: "role chaining"},
		{name: "--role on a login session: at most 1h",
			src: prof("dev"), req: Request{Purpose: Role, Role: "arn:aws:iam::123456789012:role/x", Duration: 2 * time.Hour}, err: "role chaining"},
		{name: "a profile without credentials",
			src: prof("empty"), req: Request{Purpose: Switch}, err: `profile "empty" has no credentials`},
		{name: "half a key pair",
			src: prof("partial"), req: Request{Purpose: Switch}, err: `profile "partial" has aws_access_key_id but no aws_secret_access_key`},
		{name: "--force on a profile refreshes its last step (it used to be ignored)",
			src: prof("deep"), req: Request{Purpose: Use, Force: true},
			check: func(t *testing.T, p *Plan) {
				for i, st := range p.Steps {
					if st.Force != (i == len(p.Steps)-1) {
						t.Errorf("step %d force %v", i, st.Force)
					}
				}
			}},
		{name: "--role ARN on a profile is chained from its session",
			src: prof("base"), req: Request{Purpose: Use, Role: "arn:aws:iam::123456789012:role/readonly"},
			shape: "static-keys > session+mfa(12h) > assume-role(1h)", label: "base-ROLE-readonly",
			check: func(t *testing.T, p *Plan) {
				want := cache.Key{Scope: cache.ScopeProfile, Name: "base", Kind: cache.KindRole, Role: "arn:aws:iam::123456789012:role/readonly", Sess: "tester"}
				if p.Last().Key != want {
					t.Errorf("key %+v", p.Last().Key)
				}
			}},
		{name: "--role ARN over 1h on temporary credentials is refused",
			src: prof("base"), req: Request{Purpose: Use, Role: "arn:aws:iam::123456789012:role/readonly", Duration: 2 * time.Hour}, err: "sts limits role chaining to 1h"},
		{name: "--role naming a role profile plans that profile",
			src: prof("base"), req: Request{Purpose: Use, Role: "deep"}, label: "deep",
			shape: "static-keys > session+mfa(12h) > assume-role(1h) > assume-role(1h)"},
		{name: "--role on a profile must be an ARN or a role profile",
			src: prof("base"), req: Request{Purpose: Use, Role: "admin2"}, err: `unknown role "admin2" for profile base`},
		{name: "console on a one-hop role profile assumes it from the keys",
			src: prof("admin"), req: Request{Purpose: Console}, shape: "static-keys > assume-role+mfa(1h)",
			check: func(t *testing.T, p *Plan) {
				if p.Last().SessionDuration != time.Hour {
					t.Errorf("SessionDuration %s", p.Last().SessionDuration)
				}
			}},
		{name: "console on a chained profile is refused",
			src: prof("deep"), req: Request{Purpose: Console}, err: `profile "deep": a console link needs long-lived keys, or a role assumed straight from them`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := tt.src(t).Plan(tt.req, func(k cache.Key) bool { return tt.cached[k] })
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.shape != "" && shape(p) != tt.shape {
				t.Errorf("shape\n got  %s\n want %s", shape(p), tt.shape)
			}
			if tt.label != "" && p.Label != tt.label {
				t.Errorf("label %q, want %q", p.Label, tt.label)
			}
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

func acc(name string) func(t *testing.T) *Source {
	return func(t *testing.T) *Source { return accountSource(t, name) }
}

func prof(name string) func(t *testing.T) *Source {
	return func(t *testing.T) *Source { return profileSource(t, baseConfig, name) }
}

// Fingerprints tie an entry to the configuration it came from: another
// role_arn, another config file or other keys make another fingerprint;
// the same configuration always the same one.
func TestPlanFingerprints(t *testing.T) {
	plan := func(cfg, name string, edit func(*Source)) *Plan {
		src := profileSource(t, cfg, name)
		if edit != nil {
			edit(src)
		}
		p, err := src.Plan(Request{Purpose: Switch}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	fp := func(p *Plan) string { return p.Last().Fingerprint }
	same := plan(baseConfig, "deep", nil)
	if fp(same) == "" || fp(same) != fp(plan(baseConfig, "deep", nil)) {
		t.Fatalf("fingerprint not stable: %q", fp(same))
	}
	if same.Steps[1].Fingerprint == same.Steps[2].Fingerprint || same.Steps[2].Fingerprint == same.Steps[3].Fingerprint {
		t.Error("steps share a fingerprint")
	}
	edited := strings.Replace(baseConfig, "role/readonly\nsource_profile = admin\nrole_session_name", "role/audit\nsource_profile = admin\nrole_session_name", 1)
	if fp(plan(edited, "deep", nil)) == fp(same) {
		t.Error("an edited role_arn kept the fingerprint")
	}
	upstream := strings.Replace(baseConfig, "role/admin\nsource_profile = base\nmfa_serial", "role/admin2\nsource_profile = base\nmfa_serial", 1)
	if fp(plan(upstream, "deep", nil)) == fp(same) {
		t.Error("an edit further down the chain kept the fingerprint")
	}
	if fp(plan(baseConfig, "deep", func(s *Source) { s.ConfigFiles[0] = "/other/config" })) == fp(same) {
		t.Error("another config file kept the fingerprint")
	}
}

// mfa on a profile that asks no code has no session to make: it is refused
// with the setting to add, never answered with the keys as a "session".
func TestPlanMFAWithoutDevice(t *testing.T) {
	for _, tt := range []struct{ cfg, name, want string }{
		{baseConfig, "nomfa", `profile "nomfa" has no mfa_serial, so there is no mfa session to start: add mfa_serial = arn:aws:iam::ACCOUNT:mfa/DEVICE to [profile nomfa] in /home/a/.aws/config, or run ec2switch nomfa for its keys`},
		{baseConfig, "proc", `profile "proc" takes its credentials from its credential_process and asks for no mfa code, so there is no mfa session to start: run ec2switch proc`},
	} {
		_, err := profileSource(t, tt.cfg, tt.name).Plan(Request{Purpose: MFA}, nil)
		if err == nil || err.Error() != tt.want {
			t.Errorf("mfa on %s: err = %v\nwant %s", tt.name, err, tt.want)
		}
	}
	// A profile with a device still makes its session.
	p, err := profileSource(t, baseConfig, "base").Plan(Request{Purpose: MFA}, nil)
	if err != nil || shape(p) != "static-keys > session+mfa(12h)" {
		t.Errorf("mfa on base: %v %v", err, p)
	}
}
