// The end-to-end scripts drive real Unix shells, FIFOs and process groups.

//go:build unix

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/awsenv/awsenv/internal/ststest"
)

// awsCLI is Debian's AWS CLI v2, called by its path: the aws first on PATH
// may be an old v1.
const awsCLI = "/usr/bin/aws"

// goRace is the race detector's setting for every awsenv a test runs:
// by default a binary built with -race sleeps a second as it exits, for
// goroutines still running to report, which the hundreds of short runs
// of the scripts paid in minutes. A race found is still reported, and
// still makes the run exit with status 66.
var goRace = func() string {
	if v := os.Getenv("GORACE"); v != "" {
		return v
	}
	return "atexit_sleep_ms=10"
}()

type stsKey struct{}

type fixture struct {
	srv   *ststest.Server
	users map[string]*ststest.User // by account name
}

// setupScript gives every script its own HOME with a credential directory
// (accounts work, personal and, when moto runs, moto), a fresh STS
// stand-in, and an environment free of the developer's AWS settings.
func setupScript(env *testscript.Env) error {
	home := filepath.Join(env.WorkDir, "home")
	creds := filepath.Join(home, "aws-creds")
	if err := os.MkdirAll(creds, 0o700); err != nil {
		return err
	}
	srv := ststest.New()
	url, err := srv.Listen()
	if err != nil {
		return err
	}
	env.Defer(func() { srv.Close() })
	fx := &fixture{srv: srv, users: map[string]*ststest.User{}}
	env.Values[stsKey{}] = fx
	env.Values[oidcKey{}] = &idp{}

	// Roles: admin needs MFA and allows 12h; readonly needs nothing;
	// partner needs an external id.
	srv.AddRole(ststest.Role{ARN: "arn:aws:iam::123456789012:role/work-admin", MaxSessionDuration: 12 * time.Hour, RequireMFA: true})
	srv.AddRole(ststest.Role{ARN: "arn:aws:iam::123456789012:role/readonly", MaxSessionDuration: 2 * time.Hour})
	srv.AddRole(ststest.Role{ARN: "arn:aws:iam::123456789012:role/partner", ExternalID: "s3cr3t-ext"})
	files := map[string]string{}
	for _, a := range []struct{ account, user string }{{"work", "alice"}, {"personal", "bob"}} {
		u := srv.AddUser(a.user, true)
		fx.users[a.account] = u
		files[a.account+".access_key"] = u.AccessKeyID + "\n"
		files[a.account+".secret_key"] = u.SecretAccessKey + "\n"
		files[a.account+".user"] = u.Name + "\n"
	}
	accounts := `{
  "personal": "arn:aws:iam::123456789012:",
  "work": {
    "arn": "arn:aws:iam::123456789012:",
    "region": "eu-west-1",
    "session_duration": "8h",
    "roles": { "admin": "arn:aws:iam::123456789012:role/work-admin", "ro": "arn:aws:iam::123456789012:role/readonly" }
  }`
	if m := motoUser(); m != nil {
		files["moto.access_key"] = m.AccessKeyID + "\n"
		files["moto.secret_key"] = m.SecretAccessKey + "\n"
		files["moto.user"] = m.UserName + "\n"
		accounts += `,
  "moto": { "arn": "arn:aws:iam::123456789012:", "region": "us-east-1", "roles": { "dev": "arn:aws:iam::123456789012:role/moto-dev" } }`
		env.Setenv("MOTO", motoURL())
		env.Setenv("MOTO_ARN", m.ARN)
	}
	files["accounts.json"] = accounts + "\n}\n"
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(creds, name), []byte(content), 0o600); err != nil {
			return err
		}
	}
	for k, v := range map[string]string{
		"HOME":                 home,
		"USER":                 "tester",
		"CREDS":                creds,
		"CACHE":                filepath.Join(creds, ".cache"),
		"STS":                  url,
		"AWS_ENDPOINT_URL_STS": url,
		// Nothing in a test may reach AWS: IAM (doctor, rotate) is local too.
		"AWS_ENDPOINT_URL_IAM":        url,
		"AWS_CONFIG_FILE":             filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, ".aws", "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_PAGER":                   "",
		"GORACE":                      goRace,
		"SHELL":                       "/bin/bash",
		"AWS_CLI":                     awsCLI,
		"WORK_ARN":                    fx.users["work"].ARN,
		"PERSONAL_ARN":                fx.users["personal"].ARN,
	} {
		env.Setenv(k, v)
	}
	return nil
}

func fixtureOf(ts *testscript.TestScript) *fixture {
	return ts.Value(stsKey{}).(*fixture)
}

// wrongCode is a six-digit code that is none of the codes the stand-in
// accepts around t.
func wrongCode(u *ststest.User, t time.Time) string {
	valid := map[string]bool{}
	for _, d := range []time.Duration{-60 * time.Second, -30 * time.Second, 0, 30 * time.Second, 60 * time.Second} {
		valid[u.Code(t.Add(d))] = true
	}
	for n := 0; ; n++ {
		c := fmt.Sprintf("%06d", (n*7919+123457)%1000000)
		if !valid[c] {
			return c
		}
	}
}

func userOf(ts *testscript.TestScript, account string) *ststest.User {
	u := fixtureOf(ts).users[account]
	if u == nil {
		ts.Fatalf("no stand-in user for account %q", account)
	}
	return u
}

func trimLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
