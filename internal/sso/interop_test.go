package sso

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// The other readers and writers of the token cache, run for real: botocore
// (the pyenv Python's), the AWS SDK for Go v2, and the Debian AWS CLI v2's
// own login code. Each logs in, reads or refreshes the cache the way it
// does for its users, pointed at the stand-in.

// testConfig is an AWS config file with SSO profiles of the world's session.
func (w *world) testConfig() string {
	w.t.Helper()
	path := filepath.Join(w.home, "aws-config")
	w.writeFile(path, `[profile sso-ro]
sso_session = my-sso
sso_account_id = 111122223333
sso_role_name = ReadOnly
region = eu-west-1

[profile sso-admin]
sso_session = my-sso
sso_account_id = 111122223333
sso_role_name = AdministratorAccess
region = eu-west-1

[sso-session my-sso]
sso_start_url = `+w.sess.StartURL+`
sso_region = eu-west-1
sso_registration_scopes = sso:account:access
`)
	return path
}

// pythonEnv is a clean environment for a Python client of the world.
func (w *world) pythonEnv() []string {
	return []string{
		"PATH=/usr/bin:/bin", "HOME=" + w.home, "LANG=C.UTF-8",
		"AWS_CONFIG_FILE=" + w.testConfig(), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(w.home, "no-credentials"),
		"AWS_ENDPOINT_URL_SSO=" + w.url, "AWS_ENDPOINT_URL_SSO_OIDC=" + w.url, "AWS_EC2_METADATA_DISABLED=true",
	}
}

// botocorePython is the interpreter that has botocore, or a skip.
func botocorePython(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("python3", "-c", "import botocore, sys; print(sys.executable)").Output()
	if err != nil {
		t.Skip("needs botocore in the python3 first on PATH (pip install botocore; the pyenv Python has it): skipping the botocore reader")
	}
	return strings.TrimSpace(string(out))
}

func runPython(t *testing.T, python string, env []string, script string, args ...string) string {
	t.Helper()
	cmd := exec.Command(python, append([]string{"-c", script}, args...)...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", python, err, stderr.String())
	}
	return string(out)
}

// botocoreCredentials is botocore's default chain for a profile: it reads
// the cached token (refreshing it as botocore does) and calls
// GetRoleCredentials.
const botocoreCredentials = `
import json, sys, botocore.session
s = botocore.session.Session(profile=sys.argv[1])
c = s.get_credentials().get_frozen_credentials()
print(json.dumps({"AccessKeyID": c.access_key, "SecretAccessKey": c.secret_key, "SessionToken": c.token}))
`

func credsOf(t *testing.T, out string) aws.Credentials {
	t.Helper()
	var c aws.Credentials
	if err := json.Unmarshal([]byte(out), &c); err != nil || c.AccessKeyID == "" {
		t.Fatalf("credentials %q: %v", out, err)
	}
	return c
}

func TestBotocoreAndAwsenvShareTheCache(t *testing.T) {
	python := botocorePython(t)
	w := newWorld(t)
	w.login()

	// botocore uses awsenv's login for another profile of the session.
	w.srv.ResetCounts()
	c := credsOf(t, runPython(t, python, w.pythonEnv(), botocoreCredentials, "sso-admin"))
	if got := w.counts("RegisterClient", "CreateToken", "GetRoleCredentials"); got != "RegisterClient=0 CreateToken=0 GetRoleCredentials=1" {
		t.Errorf("botocore: %s", got)
	}
	if got, want := w.callerARN(c), w.srv.SSORoleARN(testAccount, "AdministratorAccess"); got != want {
		t.Errorf("botocore's credentials are %s, want %s", got, want)
	}

	// With under 15 minutes left, botocore refreshes the token and writes
	// the file in the CLI's format; awsenv takes that token as it is.
	tok, _ := readToken(w.tokenPath())
	tok.ExpiresAt = time.Now().Add(5 * time.Minute).UTC().Truncate(time.Second)
	w.writeFile(w.tokenPath(), string(tok.encode()))
	w.srv.ResetCounts()
	credsOf(t, runPython(t, python, w.pythonEnv(), botocoreCredentials, "sso-ro"))
	if got := w.counts("CreateToken.refresh_token", "GetRoleCredentials"); got != "CreateToken.refresh_token=1 GetRoleCredentials=1" {
		t.Errorf("botocore refresh: %s", got)
	}
	written := w.readFile(w.tokenPath())
	var fields map[string]string
	if err := json.Unmarshal([]byte(written), &fields); err != nil || fields["accessToken"] == tok.AccessToken {
		t.Fatalf("botocore did not write a new token: %v\n%s", err, written)
	}
	w.srv.ResetCounts()
	mine := w.login()
	if mine.AccessToken != fields["accessToken"] || w.srv.Total() != 0 {
		t.Errorf("awsenv did not take botocore's token (%d calls)", w.srv.Total())
	}
	cr, err := w.client().RoleCredentials(context.Background(), mine, testAccount, testRole)
	if err != nil {
		t.Fatal(err)
	}
	if w.callerARN(cr) != w.srv.SSORoleARN(testAccount, testRole) {
		t.Error("wrong role")
	}
}

// goSDKCredentials is the Go SDK's default chain for a profile of the
// world's config.
func (w *world) goSDKCredentials(profile string) aws.Credentials {
	w.t.Helper()
	for k, v := range map[string]string{
		"HOME": w.home, "AWS_ENDPOINT_URL_SSO": w.url, "AWS_ENDPOINT_URL_SSO_OIDC": w.url,
		"AWS_CA_BUNDLE": "", "AWS_PROFILE": "", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
		"AWS_SESSION_TOKEN": "", "AWS_ENDPOINT_URL": "", "AWS_CONFIG_FILE": "", "AWS_SHARED_CREDENTIALS_FILE": "",
		"AWS_EC2_METADATA_DISABLED": "true",
	} {
		w.t.Setenv(k, v)
	}
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithSharedConfigProfile(profile),
		config.WithSharedConfigFiles([]string{w.testConfig()}),
		config.WithSharedCredentialsFiles([]string{filepath.Join(w.home, "no-credentials")}))
	if err != nil {
		w.t.Fatal(err)
	}
	c, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

func TestGoSDKAndAwsenvShareTheCache(t *testing.T) {
	w := newWorld(t)
	w.login()

	w.srv.ResetCounts()
	c := w.goSDKCredentials("sso-admin")
	if got := w.counts("RegisterClient", "CreateToken", "GetRoleCredentials"); got != "RegisterClient=0 CreateToken=0 GetRoleCredentials=1" {
		t.Errorf("Go SDK: %s", got)
	}
	if got, want := w.callerARN(c), w.srv.SSORoleARN(testAccount, "AdministratorAccess"); got != want {
		t.Errorf("the Go SDK's credentials are %s, want %s", got, want)
	}

	// The Go SDK refreshes an expired token and rewrites the file, keeping
	// the fields it does not know (awsenv's among them); awsenv then takes
	// the SDK's token.
	tok, _ := readToken(w.tokenPath())
	tok.ExpiresAt = time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	w.writeFile(w.tokenPath(), strings.TrimSuffix(string(tok.encode()), "}")+`, "awsenvTest": "kept"}`)
	w.srv.ResetCounts()
	w.goSDKCredentials("sso-ro")
	if got := w.counts("CreateToken.refresh_token", "GetRoleCredentials"); got != "CreateToken.refresh_token=1 GetRoleCredentials=1" {
		t.Errorf("Go SDK refresh: %s", got)
	}
	var fields map[string]string
	if err := json.Unmarshal([]byte(w.readFile(w.tokenPath())), &fields); err != nil || fields["accessToken"] == tok.AccessToken ||
		fields["awsenvTest"] != "kept" || fields["startUrl"] != w.sess.StartURL {
		t.Fatalf("the Go SDK's token file: %v %v", fields, err)
	}
	w.srv.ResetCounts()
	mine := w.login()
	if mine.AccessToken != fields["accessToken"] || w.srv.Total() != 0 {
		t.Errorf("awsenv did not take the Go SDK's token (%d calls)", w.srv.Total())
	}
}

// cliPython is the Debian AWS CLI v2's interpreter, or a skip.
func cliPython(t *testing.T) string {
	t.Helper()
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import awscli.botocore.utils").Run(); err != nil {
		t.Skip("the Debian AWS CLI v2 (apt-get install awscli) is not installed: skipping its cache names and login")
	}
	return python
}

// cliCacheKeys prints the AWS CLI's own names for the token and the
// registration files of sessions given as JSON [name, start URL, region, scopes].
const cliCacheKeys = `
import json, sys
import awscli
from botocore.utils import SSOTokenFetcher
for name, url, region, scopes in json.loads(sys.argv[1]):
    f = SSOTokenFetcher(region, None)
    print(f._token_cache_key(url, name) + ".json", f._registration_cache_key(url, name, scopes) + ".json")
`

func TestCacheFileNamesAreTheCLIs(t *testing.T) {
	python := cliPython(t)
	sessions := []Session{
		{Name: "my-sso", StartURL: "https://d-1234567890.awsapps.com/start", Region: "eu-west-1"},
		{Name: "ünïcødé \"quoted\" \\ ☃ 𝄞", StartURL: "https://d-1/start#x", Region: "us-east-1", Scopes: []string{"sso:account:access", "codewhisperer:completions"}},
		{StartURL: "https://legacy.awsapps.com/start/", Region: "cn-north-1", Scopes: []string{}},
	}
	var args [][]any
	for _, s := range sessions {
		var name, scopes any
		if s.Name != "" {
			name = s.Name
		}
		if s.Scopes != nil {
			scopes = s.Scopes
		}
		args = append(args, []any{name, s.StartURL, s.Region, scopes})
	}
	arg, _ := json.Marshal(args)
	lines := strings.Split(strings.TrimSpace(runPython(t, python, []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir()}, cliCacheKeys, string(arg))), "\n")
	for i, s := range sessions {
		if want, got := lines[i], TokenFile(s)+" "+cliRegistrationFile(s); got != want {
			t.Errorf("%+v: awsenv names %s, the CLI %s", s, got, want)
		}
	}
}

// cliRegistrationFile is the name of the AWS CLI's own registration file
// of sess, which awsenv must leave alone.
func cliRegistrationFile(sess Session) string { return registrationKey(sess, "botocore", "") }

// cliLogin is the Debian AWS CLI v2's 'aws sso login' (device flow, its
// default in 2.9) with its client pointed at the stand-in; the person
// approves by opening the verification page.
const cliLogin = `
import os, sys, urllib.request
import awscli
import botocore.session
from awscli.customizations.sso.utils import do_sso_login
s = botocore.session.Session()
create = s.create_client
s.create_client = lambda name, **kw: create(name, endpoint_url=os.environ["AWS_ENDPOINT_URL_SSO_OIDC"], **kw)
def approve(verificationUriComplete, **kw):
    urllib.request.urlopen(verificationUriComplete).read()
do_sso_login(s, "eu-west-1", sys.argv[1], on_pending_authorization=approve,
             registration_scopes=["sso:account:access"], session_name="my-sso")
`

func TestLoginOfTheAWSCLIIsUsed(t *testing.T) {
	python := cliPython(t)
	w := newWorld(t)
	runPython(t, python, w.pythonEnv(), cliLogin, w.sess.StartURL)
	if got := w.counts("RegisterClient", "StartDeviceAuthorization"); got != "RegisterClient=1 StartDeviceAuthorization=1" {
		t.Fatalf("aws sso login: %s", got)
	}
	w.srv.ResetCounts()
	w.sess.Scopes = []string{"sso:account:access"}
	c := w.client()
	tok, err := c.Token(context.Background(), w.sess, w.opts())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.RoleCredentials(context.Background(), tok, testAccount, testRole); err != nil {
		t.Fatal(err)
	}
	if w.srv.Total() != 1 || w.opened != 0 {
		t.Errorf("awsenv made %d calls and opened %d browsers with the CLI's login", w.srv.Total(), w.opened)
	}
	// awsenv's device login registers a client of its own and leaves the
	// CLI's registration as the CLI wrote it (see
	// TestAWSCLIAndAwsenvLogInInEitherOrder for why).
	cliReg := filepath.Join(filepath.Dir(w.tokenPath()), cliRegistrationFile(w.sess))
	before := w.readFile(cliReg)
	w.srv.ResetCounts()
	opts := w.opts()
	opts.DeviceCode = true
	opts.Open = nil
	opts.Show = func(u, code string) error { return w.srv.ApproveSSODevice(code) }
	c.Sleep = func(context.Context, time.Duration) error { return nil }
	if _, err := c.Login(context.Background(), w.sess, opts); err != nil {
		t.Fatal(err)
	}
	if got := w.counts("RegisterClient", "StartDeviceAuthorization", "CreateToken"); got != "RegisterClient=1 StartDeviceAuthorization=1 CreateToken=1" {
		t.Errorf("awsenv's device login: %s", got)
	}
	if after := w.readFile(cliReg); after != before {
		t.Errorf("awsenv rewrote the CLI's registration:\n%s\n%s", before, after)
	}
}

func TestMain(m *testing.M) {
	if os.Getenv("AWSENV_SSO_HELPER") != "" {
		os.Exit(helperProcess())
	}
	os.Exit(m.Run())
}
