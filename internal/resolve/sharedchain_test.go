package resolve

import (
	"strings"
	"testing"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/config"
)

// The SDKs share a suite of profile-chain cases (the AWS SDKs for Rust and
// Kotlin run it as is): which base a selected profile's credentials start
// from and which roles are assumed on it, or why the chain is refused. Each
// case below is one of them, restated for awsenv's planner (with 12-digit
// account ids and role ARNs where the suite's are placeholders awsenv's
// parser refuses). Where the SDKs disagree among themselves, awsenv follows
// botocore and the AWS CLI and the case says so (followsCLI). The Go SDK v2
// also differs from the suite (and from botocore and the JS SDK) on a source
// profile with keys and its own role_arn: it assumes that role too
// (testdata/script/source_keys.txt runs botocore, the JS and Go SDKs).

// chainOf is a plan's chain in the suite's terms: the base and its
// settings, then each role ARN with its session name and external id.
func chainOf(p *Plan) string {
	var parts []string
	for _, st := range p.Steps {
		s := st.Kind.String()
		switch st.Kind {
		case StaticKeys:
			s += "(" + st.AccessKeyID + ")"
		case AssumeRole, WebIdentity:
			s += "(" + st.RoleARN
			if st.TokenFile != "" {
				s += " " + st.TokenFile
			}
			if st.SessionName != "tester" {
				s += " session=" + st.SessionName
			}
			if st.ExternalID != "" {
				s += " external_id=" + st.ExternalID
			}
			s += ")"
		case SSO:
			s += "(" + st.SSO.Session + " " + st.SSO.StartURL + " " + st.SSO.Region + " " + st.SSO.AccountID + " " + st.SSO.RoleName + ")"
		case Process:
			s += "(" + st.Command + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " > ")
}

func TestPlanSharedChainCases(t *testing.T) {
	const sso = "sso_start_url = https://d-92671207e4.awsapps.com/start\nsso_region = us-east-2\n"
	tests := []struct {
		name   string
		config string
		chain  string // the chain of profile A, or
		err    string // a part of the refusal
		// followsCLI: the suite's answer differs; awsenv gives what
		// botocore, the Go SDK and the AWS CLI give, and says why.
		followsCLI string
	}{
		{name: "a role backed by static keys",
			config: "[profile A]\nrole_arn = arn:aws:iam::123456789:role/RoleA\nsource_profile = B\n[profile B]\naws_access_key_id = abc123\naws_secret_access_key = def456\n",
			chain:  "static-keys(abc123) > assume-role(arn:aws:iam::123456789:role/RoleA)"},
		{name: "a selected profile with keys and a role",
			config:     "[profile A]\naws_access_key_id = abc123\naws_secret_access_key = def456\nrole_arn = arn:aws:iam::123456789:role/RoleA\nsource_profile = B\n[profile B]\naws_access_key_id = ghi890\naws_secret_access_key = jkl123\n",
			chain:      "static-keys(ghi890) > assume-role(arn:aws:iam::123456789:role/RoleA)",
			followsCLI: "the suite stops at A's keys; botocore, the Go and JS SDKs and the AWS CLI assume the selected profile's role from its source (source_keys.txt)"},
		{name: "role_session_name",
			config: "[profile A]\nrole_arn = arn:aws:iam::123456789:role/RoleA\nrole_session_name = my_session_name\nsource_profile = B\n[profile B]\naws_access_key_id = abc123\naws_secret_access_key = def456\n",
			chain:  "static-keys(abc123) > assume-role(arn:aws:iam::123456789:role/RoleA session=my_session_name)"},
		{name: "external_id",
			config: "[profile A]\nrole_arn = arn:aws:iam::123456789:role/RoleA\nexternal_id = my_external_id\nsource_profile = B\n[profile B]\naws_access_key_id = abc123\naws_secret_access_key = def456\n",
			chain:  "static-keys(abc123) > assume-role(arn:aws:iam::123456789:role/RoleA external_id=my_external_id)"},
		{name: "a profile that is its own source_profile",
			config:     "[profile A]\naws_access_key_id = abc123\naws_secret_access_key = def456\nrole_arn = arn:aws:iam::123456789:role/RoleA\nsource_profile = A\n",
			chain:      "static-keys(abc123) > assume-role(arn:aws:iam::123456789:role/RoleA)",
			followsCLI: "the suite stops at the keys; botocore, the Go and JS SDKs and the AWS CLI assume the role with them"},
		{name: "credential_source",
			config: "[profile A]\nrole_arn = arn:aws:iam::123456789:role/RoleA\ncredential_source = Ec2InstanceMetadata\n",
			chain:  "instance-metadata > assume-role(arn:aws:iam::123456789:role/RoleA)"},
		{name: "role_arn without a source",
			config: "[profile A]\nrole_arn = arn:aws:iam::123456789:role/RoleA\n",
			err:    `profile "A" has role_arn but no source_profile or credential_source`},
		{name: "source_profile and credential_source together",
			config: "[profile A]\nrole_arn = arn:aws:iam::123456789:role/RoleA\ncredential_source = Environment\nsource_profile = B\n[profile B]\naws_access_key_id = !23\naws_secret_access_key = 456\n",
			err:    "source_profile and credential_source are both set"},
		{name: "a source with an access key and no secret",
			config: "[profile A]\nrole_arn = arn:aws:iam::123456789:role/RoleA\nsource_profile = B\n[profile B]\naws_access_key_id = abc123\n",
			err:    `profile "B" has aws_access_key_id but no aws_secret_access_key`},
		{name: "a source with a secret and no access key",
			config: "[profile A]\nrole_arn = arn:aws:iam::123456789:role/RoleA\nsource_profile = B\n[profile B]\naws_secret_access_key = abc123\n",
			err:    `profile "B" has aws_secret_access_key but no aws_access_key_id`},
		{name: "an empty source profile",
			config: "[profile A]\nrole_arn = arn:aws:iam::123456789:role/RoleA\nsource_profile = B\n[profile B]\n",
			err:    `profile "B" has no credentials`},
		{name: "a profile with settings only",
			config: "[profile A]\nec2_metadata_service_endpoint_mode = IPv6\n",
			err:    `profile "A" has no credentials`},
		{name: "a missing source profile",
			config: "[profile A]\nrole_arn = arn:aws:iam::123456789:role/RoleA\nsource_profile = B\n",
			err:    `profile "A": source_profile "B" does not exist`},
		{name: "roles chained through source profiles",
			config: "[profile A]\nrole_arn = arn:aws:iam::123456789:role/RoleA\nsource_profile = B\n[profile B]\nrole_arn = arn:aws:iam::123456789:role/RoleB\nsource_profile = C\n[profile C]\naws_access_key_id = mno456\naws_secret_access_key = pqr789\n",
			chain:  "static-keys(mno456) > assume-role(arn:aws:iam::123456789:role/RoleB) > assume-role(arn:aws:iam::123456789:role/RoleA)"},
		{name: "a source profile with static keys and its own role (issue 20 item 10)",
			config: "[profile A]\nrole_arn = arn:aws:iam::123456789:role/RoleA\nsource_profile = B\n[profile B]\nrole_arn = arn:aws:iam::123456789:role/RoleB\nsource_profile = C\naws_access_key_id = profile_b_key\naws_secret_access_key = profile_b_secret\n[profile C]\naws_access_key_id = bug_if_returned\naws_secret_access_key = bug_if_returned\n",
			chain:  "static-keys(profile_b_key) > assume-role(arn:aws:iam::123456789:role/RoleA)"},
		{name: "the same, as the suite writes it: the selected profile also has web_identity_token_file",
			config:     "[profile A]\nrole_arn = arn:aws:iam::123456789:role/RoleA\nweb_identity_token_file = /bug/if/returned\nsource_profile = B\n[profile B]\nrole_arn = arn:aws:iam::123456789:role/RoleB\nsource_profile = C\naws_access_key_id = profile_b_key\naws_secret_access_key = profile_b_secret\n[profile C]\naws_access_key_id = bug_if_returned\naws_secret_access_key = bug_if_returned\n",
			chain:      "web-identity(arn:aws:iam::123456789:role/RoleA /bug/if/returned)",
			followsCLI: "the suite (and the Go SDK) follow source_profile; botocore and the AWS CLI give web_identity_token_file precedence on the selected profile"},
		{name: "a source profile with static keys and a role but no source_profile (issue 20 item 10)",
			config: "[profile A]\nrole_arn = arn:aws:iam::123456789:role/RoleA\nsource_profile = B\n[profile B]\nrole_arn = arn:aws:iam::123456789:role/RoleB\naws_access_key_id = profile_b_key\naws_secret_access_key = profile_b_secret\n",
			chain:  "static-keys(profile_b_key) > assume-role(arn:aws:iam::123456789:role/RoleA)"},
		{name: "a source_profile loop",
			config: "[profile A]\nrole_arn = arn:aws:iam::123456789:role/RoleA\nsource_profile = B\n[profile B]\nrole_arn = arn:aws:iam::123456789:role/RoleB\nsource_profile = A\n",
			err:    "source_profile loop A -> B -> A"},
		{name: "a loop from a profile with a web identity token",
			config:     "[profile A]\nrole_arn = arn:aws:iam::123456789:role/RoleA\nweb_identity_token_file = /bug/if/returned\nsource_profile = B\n[profile B]\nrole_arn = arn:aws:iam::123456789:role/RoleB\nsource_profile = A\n",
			chain:      "web-identity(arn:aws:iam::123456789:role/RoleA /bug/if/returned)",
			followsCLI: "the suite follows source_profile into the loop; botocore and the AWS CLI use the token file and never read source_profile"},
		{name: "a web identity role",
			config: "[profile A]\nrole_arn = arn:aws:iam::123456789:role/RoleA\nweb_identity_token_file = /var/token.jwt\n",
			chain:  "web-identity(arn:aws:iam::123456789:role/RoleA /var/token.jwt)"},
		{name: "a web identity role with a session name",
			config: "[profile A]\nrole_arn = arn:aws:iam::123456789:role/RoleA\nweb_identity_token_file = /var/token.jwt\nrole_session_name = some_session_name\n",
			chain:  "web-identity(arn:aws:iam::123456789:role/RoleA /var/token.jwt session=some_session_name)"},
		{name: "a web identity token without role_arn",
			config: "[profile A]\nweb_identity_token_file = /var/token.jwt\n",
			err:    `profile "A" has no credentials`},
		{name: "a web identity role as a source",
			config: "[profile A]\nrole_arn = arn:aws:iam::123456789:role/RoleA\nsource_profile = B\n[profile B]\nrole_arn = arn:aws:iam::123456789:role/RoleB\nweb_identity_token_file = /var/token.jwt\nrole_session_name = some_session_name\n",
			chain:  "web-identity(arn:aws:iam::123456789:role/RoleB /var/token.jwt session=some_session_name) > assume-role(arn:aws:iam::123456789:role/RoleA)"},
		{name: "legacy single sign-on",
			config: "[profile A]\n" + sso + "sso_account_id = 123456789012\nsso_role_name = RoleA\n",
			chain:  "sso( https://d-92671207e4.awsapps.com/start us-east-2 123456789012 RoleA)"},
		{name: "legacy single sign-on as a source",
			config: "[profile A]\nrole_arn = arn:aws:iam::123456789:role/RoleA\nregion = us-west-1\nsource_profile = B\n[profile B]\n" + sso + "sso_account_id = 123456789012\nsso_role_name = RoleA\n",
			chain:  "sso( https://d-92671207e4.awsapps.com/start us-east-2 123456789012 RoleA) > assume-role(arn:aws:iam::123456789:role/RoleA)"},
		{name: "single sign-on without a start URL",
			config: "[profile A]\nsso_region = us-east-2\nsso_account_id = 123456789012\nsso_role_name = RoleA\n",
			err:    `profile "A" uses IAM Identity Center but has no sso_start_url`},
		{name: "single sign-on without a region",
			config: "[profile A]\nsso_start_url = https://d-92671207e4.awsapps.com/start\nsso_account_id = 123456789012\nsso_role_name = RoleA\n",
			err:    `profile "A" uses IAM Identity Center but has no sso_region`},
		{name: "single sign-on without an account id",
			config: "[profile A]\n" + sso + "sso_role_name = RoleA\n",
			err:    "has no sso_account_id"},
		{name: "single sign-on without a role name",
			config: "[profile A]\n" + sso + "sso_account_id = 123456789012\n",
			err:    "has no sso_role_name"},
		{name: "a credential_process with an absolute path",
			config: "[profile A]\ncredential_process = /home/ec2-user/credential_provider.o\n",
			chain:  "process(/home/ec2-user/credential_provider.o)"},
		{name: "a credential_process from PATH with arguments",
			config: "[profile A]\ncredential_process = credential_provider --flag true\n",
			chain:  "process(credential_provider --flag true)"},
		{name: "an sso-session profile as a source",
			config: "[profile A]\nrole_arn = arn:aws:iam::123456789:role/RoleA\nregion = us-west-1\nsource_profile = B\n[profile B]\nsso_role_name = RoleA\nsso_account_id = 123456789012\nsso_session = my-session\n[sso-session my-session]\n" + sso,
			chain:  "sso(my-session https://d-92671207e4.awsapps.com/start us-east-2 123456789012 RoleA) > assume-role(arn:aws:iam::123456789:role/RoleA)"},
		{name: "an sso-session without a start URL",
			config: "[profile A]\nsso_account_id = 123456789012\nsso_role_name = RoleA\nsso_session = my-session\n[sso-session my-session]\nsso_region = us-east-2\n",
			err:    "sso_start_url"},
		{name: "an sso-session without a region",
			config: "[profile A]\nsso_account_id = 123456789012\nsso_role_name = RoleA\nsso_session = my-session\n[sso-session my-session]\nsso_start_url = https://d-92671207e4.awsapps.com/start\n",
			err:    "sso_region"},
		{name: "an sso-session and its profile with other regions",
			config: "[profile A]\nsso_account_id = 123456789012\nsso_role_name = RoleA\nsso_region = us-east-1\nsso_session = my-session\n[sso-session my-session]\nsso_start_url = https://d-92671207e4.awsapps.com/start\nsso_region = us-west-2\n",
			err:    "sso_region"},
		{name: "an sso-session and its profile with other start URLs",
			config: "[profile A]\nsso_account_id = 123456789012\nsso_role_name = RoleA\nsso_start_url = https://d-1\nsso_session = my-session\n[sso-session my-session]\nsso_start_url = https://d-2\nsso_region = us-west-2\n",
			err:    "sso_start_url"},
		{name: "precedence: static keys over everything",
			config:     "[profile A]\naws_access_key_id = 1\naws_secret_access_key = 2\naws_session_token = 3\nsource_profile = B\nrole_arn = arn:aws:iam::123456789:role/some\nweb_identity_token_file = /some/path\n[profile B]\naws_access_key_id = 0\naws_secret_access_key = 0\naws_session_token = 0\n",
			chain:      "web-identity(arn:aws:iam::123456789:role/some /some/path)",
			followsCLI: "the suite takes A's own keys; botocore and the AWS CLI take the role (here its web identity token), as in the selected-profile case above"},
		{name: "precedence: a role from its source profile",
			config: "[profile A]\nsource_profile = B\nrole_arn = arn:aws:iam::123456789:role/some\ncredential_process = some/process\n[profile B]\naws_access_key_id = 1\naws_secret_access_key = 2\naws_session_token = 3\n",
			chain:  "static-keys(1) > assume-role(arn:aws:iam::123456789:role/some)"},
		{name: "precedence: a role from its credential_source",
			config: "[profile A]\nrole_arn = arn:aws:iam::123456789:role/some\ncredential_source = Ec2InstanceMetadata\n" + sso + "sso_account_id = 123456789012\nsso_role_name = role\ncredential_process = some/process\n",
			chain:  "instance-metadata > assume-role(arn:aws:iam::123456789:role/some)"},
		{name: "precedence: a web identity role",
			config: "[profile A]\nrole_arn = arn:aws:iam::123456789:role/some\nweb_identity_token_file = /some/path\n" + sso + "sso_account_id = 123456789012\nsso_role_name = role\ncredential_process = some/process\n",
			chain:  "web-identity(arn:aws:iam::123456789:role/some /some/path)"},
		{name: "precedence: single sign-on over credential_process",
			config: "[profile A]\nsso_session = dev\nsso_account_id = 123456789012\nsso_role_name = role\ncredential_process = some/process\n[sso-session dev]\n" + sso,
			chain:  "sso(dev https://d-92671207e4.awsapps.com/start us-east-2 123456789012 role)"},
		{name: "precedence: legacy single sign-on over credential_process",
			config: "[profile A]\n" + sso + "sso_account_id = 123456789012\nsso_role_name = role\ncredential_process = some/process\n",
			chain:  "sso( https://d-92671207e4.awsapps.com/start us-east-2 123456789012 role)"},
		{name: "precedence: credential_process",
			config: "[profile A]\ncredential_process = some/process\n",
			chain:  "process(some/process)"},
		{name: "an empty profile",
			config: "[profile A]\n",
			err:    `profile "A" has no credentials`},
	}
	conform, differ := 0, 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.followsCLI != "" {
				differ++
				t.Log("differs from the suite: " + tt.followsCLI)
			} else {
				conform++
			}
			chain, err := sharedSource(t, tt.config, "A")
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v (chain %s), want %q", err, chain, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if chain != tt.chain {
				t.Errorf("chain\n got  %s\n want %s", chain, tt.chain)
			}
		})
	}
	t.Logf("%d cases: %d as the suite says, %d as botocore and the AWS CLI say", len(tests), conform, differ)
}

// sharedSource plans profile name of a config file (and an empty
// credentials file) for exec, the purpose with no awsenv-only steps.
func sharedSource(t *testing.T, cfg, name string) (string, error) {
	t.Helper()
	ps, err := config.ParseProfiles("/home/a/.aws/config", []byte(cfg), "/home/a/.aws/credentials", nil)
	if err != nil {
		return "", err
	}
	p := ps.Get(name)
	if p == nil {
		t.Fatalf("no profile %q", name)
	}
	src := &Source{Name: name, Scope: cache.ScopeProfile, Profile: p, Profiles: ps, User: "tester",
		ConfigFiles: [2]string{"/home/a/.aws/config", "/home/a/.aws/credentials"}, Region: "us-east-1", Partition: "aws"}
	plan, err := src.Plan(Request{Purpose: Use}, nil)
	if err != nil {
		return "", err
	}
	return chainOf(plan), nil
}
