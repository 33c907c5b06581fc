package resolve

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/config"
)

// testEnv is a credential directory with an accounts file and key files,
// and ~/.aws files from cfg; env is the caller's environment.
func testEnv(t *testing.T, cfg string, env map[string]string) *Env {
	t.Helper()
	home := t.TempDir()
	dir := filepath.Join(home, "aws-creds")
	must(t, os.MkdirAll(dir, 0o700))
	must(t, os.MkdirAll(filepath.Join(home, ".aws"), 0o700))
	files := map[string]string{
		"aws-creds/accounts.json":       `{"work": {"arn": "arn:aws:iam::123456789012:", "region": "eu-west-1"}, "gov": "arn:aws-us-gov:iam::123456789012:"}`,
		"aws-creds/work.access_key":     "AKIAWORKWORKWORK0001\n",
		"aws-creds/work.secret_key":     "worksecretworksecretworksecret\n",
		"aws-creds/loose.access_key":    "AKIALOOSELOOSELOOS01\n",
		"aws-creds/loose.secret_key":    "loosesecretloosesecretloose\n",
		"aws-creds/shadowed.access_key": "AKIASHADOWSHADOWSH01\n",
		"aws-creds/shadowed.secret_key": "shadowsecretshadowsecret1234\n",
		".aws/config":                   cfg,
	}
	for name, content := range files {
		must(t, os.WriteFile(filepath.Join(home, name), []byte(content), 0o600))
	}
	if env == nil {
		env = map[string]string{}
	}
	env["HOME"], env["USER"] = home, "tester"
	e, err := NewEnv("", "", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

const lookupConfig = `[profile dev]
role_arn = arn:aws:iam::210987654321:role/dev
source_profile = shadowed
region = ap-south-1

[profile shadowed]
region = eu-west-3
`

// Lookup is the one place that decides what a name is: the accounts file
// first, then key files alone, then profiles.
func TestLookup(t *testing.T) {
	e := testEnv(t, lookupConfig, nil)
	for _, tt := range []struct {
		name   string
		scope  cache.Scope
		listed bool
		region string
		err    string
	}{
		{name: "work", scope: cache.ScopeAccount, listed: true, region: "eu-west-1"},
		{name: "gov", scope: cache.ScopeAccount, listed: true, region: "us-gov-west-1"},
		{name: "loose", scope: cache.ScopeAccount, region: "us-east-1"},
		// An account's key files win over a profile of the same name.
		{name: "shadowed", scope: cache.ScopeAccount, region: "us-east-1"},
		{name: "dev", scope: cache.ScopeProfile, region: "ap-south-1"},
		{name: "nosuch", err: `unknown account "nosuch": known accounts are work, gov, loose, shadowed`},
		{name: "../work", err: `unknown account "../work"`},
	} {
		src, err := e.Lookup(tt.name)
		if tt.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
				t.Errorf("Lookup(%q) err = %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Lookup(%q): %v", tt.name, err)
			continue
		}
		if src.Scope != tt.scope || src.Listed != tt.listed || src.Region != tt.region {
			t.Errorf("Lookup(%q) = scope %v listed %v region %q", tt.name, src.Scope, src.Listed, src.Region)
		}
	}
	if got, _ := e.ProfileNames(); strings.Join(got, ",") != "dev" {
		t.Errorf("ProfileNames = %q: a profile an account shadows is not listed", got)
	}
}

// The region: the configured one, else the caller's, else the partition's.
func TestRegion(t *testing.T) {
	for _, tt := range []struct {
		configured, partition string
		env                   map[string]string
		want                  string
	}{
		{"eu-west-1", "aws", map[string]string{"AWS_REGION": "x-y-1"}, "eu-west-1"},
		{"", "aws", map[string]string{"AWS_DEFAULT_REGION": "ap-south-1"}, "ap-south-1"},
		{"", "aws", map[string]string{"AWS_REGION": "eu-north-1", "AWS_DEFAULT_REGION": "ap-south-1"}, "eu-north-1"},
		{"", "aws", nil, "us-east-1"},
		{"", "aws-us-gov", nil, "us-gov-west-1"},
		{"", "aws-cn", nil, "cn-north-1"},
		{"", "aws-cn", map[string]string{"AWS_REGION": "cn-northwest-1"}, "cn-northwest-1"},
	} {
		e := &Env{Getenv: func(k string) string { return tt.env[k] }}
		if got := e.region(tt.configured, tt.partition); got != tt.want {
			t.Errorf("region(%q, %q) with %v = %q, want %q", tt.configured, tt.partition, tt.env, got, tt.want)
		}
	}
}

// Commands without NAME: the flag, else the account ec2switch chose, else
// the profile the AWS CLI would use.
func TestCurrent(t *testing.T) {
	for _, tt := range []struct {
		flag string
		env  map[string]string
		want string
	}{
		{"x", map[string]string{"AWSENV_ACCOUNT": "a", "AWS_PROFILE": "p"}, "x"},
		{"", map[string]string{"AWSENV_ACCOUNT": "a", "AWS_PROFILE": "p"}, "a"},
		{"", map[string]string{"AWS_PROFILE": "p", "AWS_DEFAULT_PROFILE": "d"}, "p"},
		{"", map[string]string{"AWS_DEFAULT_PROFILE": "d"}, "d"},
		{"", nil, ""},
	} {
		e := &Env{Getenv: func(k string) string { return tt.env[k] }}
		if got, ok := e.Current(tt.flag); got != tt.want || ok != (tt.want != "") {
			t.Errorf("Current(%q) with %v = %q, %v", tt.flag, tt.env, got, ok)
		}
	}
}

// The STS endpoint in the SDKs' order: AWS_ENDPOINT_URL_STS,
// AWS_ENDPOINT_URL, the profile's [services] sts endpoint_url, its
// endpoint_url; none with the ignore setting (the variable over the key).
func TestSTSEndpoint(t *testing.T) {
	const cfg = `[profile full]
role_arn = arn:aws:iam::1:role/r
source_profile = full
services = local
endpoint_url = http://127.0.0.1:4004/global

[profile global]
endpoint_url = http://127.0.0.1:4004/global

[profile ignoring]
endpoint_url = http://127.0.0.1:4004/global
ignore_configured_endpoint_urls = true

[services local]
sts =
  endpoint_url = http://127.0.0.1:4003/services
s3 =
  endpoint_url = http://127.0.0.1:4999/s3
`
	stsVar, allVar := "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"
	for _, tt := range []struct {
		profile string
		env     map[string]string
		want    string
		from    string
	}{
		{"full", map[string]string{stsVar: "http://127.0.0.1:4001/sts", allVar: "http://127.0.0.1:4002/all"}, "http://127.0.0.1:4001/sts", stsVar},
		{"full", map[string]string{allVar: "http://127.0.0.1:4002/all"}, "http://127.0.0.1:4002/all", allVar},
		{"full", nil, "http://127.0.0.1:4003/services", "[services local]"},
		{"global", nil, "http://127.0.0.1:4004/global", "endpoint_url of profile global"},
		{"full", map[string]string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true", stsVar: "http://127.0.0.1:4001/sts"}, "", ""},
		{"ignoring", map[string]string{stsVar: "http://127.0.0.1:4001/sts"}, "", ""},
		{"ignoring", map[string]string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false"}, "http://127.0.0.1:4004/global", "endpoint_url"},
	} {
		ps, err := config.ParseProfiles("/h/.aws/config", []byte(cfg), "", nil)
		must(t, err)
		e := &Env{Getenv: func(k string) string {
			if k == "AWS_CONFIG_FILE" {
				return "/h/.aws/config"
			}
			return tt.env[k]
		}}
		url, from := e.stsEndpoint(ps.Get(tt.profile), ps)
		if url != tt.want || !strings.Contains(from, tt.from) {
			t.Errorf("%s with %v: %q from %q, want %q from %q", tt.profile, tt.env, url, from, tt.want, tt.from)
		}
	}
	// Accounts: the variables alone.
	e := &Env{Getenv: func(k string) string { return map[string]string{allVar: "http://127.0.0.1:4002/all"}[k] }}
	if url, from := e.stsEndpoint(nil, nil); url != "http://127.0.0.1:4002/all" || from != allVar {
		t.Errorf("account endpoint %q from %q", url, from)
	}
}
