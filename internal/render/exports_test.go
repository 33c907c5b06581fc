package render

import (
	"bytes"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// env applies changes to a map the way a shell would.
func env(changes []Change) (set map[string]string, unset map[string]bool) {
	set, unset = map[string]string{}, map[string]bool{}
	for _, c := range changes {
		if c.Unset {
			delete(set, c.Name)
			unset[c.Name] = true
		} else {
			set[c.Name] = c.Value
			delete(unset, c.Name)
		}
	}
	return set, unset
}

func checkOnce(t *testing.T, changes []Change) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range changes {
		if seen[c.Name] {
			t.Errorf("%s is changed twice", c.Name)
		}
		seen[c.Name] = true
	}
}

var target = Target{Account: "work", Label: "work-MFA-STS", Region: "eu-west-1"}

func TestChangesPlainKeys(t *testing.T) {
	ch := Changes(Target{Account: "work", Label: "work", Region: "us-east-1"}, aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "sk"})
	checkOnce(t, ch)
	set, unset := env(ch)
	wantSet := map[string]string{
		"AWS_ACCESS_KEY_ID":     "AKIAIOSFODNN7EXAMPLE",
		"AWS_SECRET_ACCESS_KEY": "sk",
		"AWS_ACCESS_KEY":        "AKIAIOSFODNN7EXAMPLE",
		"AWS_SECRET_KEY":        "sk",
		"AWS_REGION":            "us-east-1",
		"AWS_DEFAULT_REGION":    "us-east-1",
		"AWSENV_ACCOUNT":        "work",
		"MY_AWS_SET_FOR":        "work",
	}
	if len(set) != len(wantSet) {
		t.Errorf("sets %v, want %v", set, wantSet)
	}
	for k, v := range wantSet {
		if set[k] != v {
			t.Errorf("%s = %q, want %q", k, set[k], v)
		}
	}
	// The old session must not survive a switch to plain keys, nor may a
	// profile override the keys.
	for _, n := range []string{"AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DELEGATION_TOKEN",
		"AWS_CREDENTIAL_EXPIRATION", "AWS_SESSION_EXPIRATION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCOUNT_ID",
		"AWSENV_LOGIN_PROFILE", "AWSENV_LOGIN_SESSION"} {
		if !unset[n] {
			t.Errorf("%s is not unset", n)
		}
	}
	if len(unset) != 10 {
		t.Errorf("unsets %v", unset)
	}
}

func TestChangesTemporary(t *testing.T) {
	exp := time.Date(2030, 1, 2, 15, 4, 5, 0, time.FixedZone("CET", 3600))
	ch := Changes(target, aws.Credentials{AccessKeyID: "ASIAIOSFODNN7EXAMPLE", SecretAccessKey: "sk", SessionToken: "tok", Expires: exp, AccountID: "123456789012"})
	checkOnce(t, ch)
	set, unset := env(ch)
	for _, n := range []string{"AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DELEGATION_TOKEN"} {
		if set[n] != "tok" {
			t.Errorf("%s = %q, want the token", n, set[n])
		}
	}
	for _, n := range []string{"AWS_CREDENTIAL_EXPIRATION", "AWS_SESSION_EXPIRATION"} {
		if set[n] != "2030-01-02T14:04:05Z" {
			t.Errorf("%s = %q, want RFC 3339 in UTC", n, set[n])
		}
		if got, err := time.Parse(time.RFC3339, set[n]); err != nil || !got.Equal(exp) {
			t.Errorf("%s = %q does not parse back to %v", n, set[n], exp)
		}
	}
	if set["AWS_ACCESS_KEY_ID"] != "ASIAIOSFODNN7EXAMPLE" || set["AWS_ACCESS_KEY"] != set["AWS_ACCESS_KEY_ID"] ||
		set["AWS_SECRET_ACCESS_KEY"] != "sk" || set["AWS_SECRET_KEY"] != set["AWS_SECRET_ACCESS_KEY"] {
		t.Errorf("keys %v", set)
	}
	if set["AWS_REGION"] != "eu-west-1" || set["AWS_DEFAULT_REGION"] != "eu-west-1" || set["AWSENV_ACCOUNT"] != "work" || set["MY_AWS_SET_FOR"] != "work-MFA-STS" {
		t.Errorf("target variables %v", set)
	}
	if len(unset) != 4 || !unset["AWS_PROFILE"] || !unset["AWS_DEFAULT_PROFILE"] || !unset["AWSENV_LOGIN_PROFILE"] || !unset["AWSENV_LOGIN_SESSION"] {
		t.Errorf("unsets %v, want only the profile and aws login variables", unset)
	}
	if set["AWS_ACCOUNT_ID"] != "123456789012" {
		t.Errorf("AWS_ACCOUNT_ID = %q", set["AWS_ACCOUNT_ID"])
	}
	if len(set) != 14 {
		t.Errorf("sets %d variables: %v", len(set), set)
	}
}

// TestChangesStatements: whatever Changes produces renders for every shell.
func TestChangesStatements(t *testing.T) {
	ch := Changes(target, aws.Credentials{AccessKeyID: "A", SecretAccessKey: "s'$(x)", SessionToken: "t", Expires: time.Unix(0, 0)})
	for _, s := range []Shell{POSIX, Fish, PowerShell} {
		var b bytes.Buffer
		if err := Statements(&b, s, ch); err != nil {
			t.Errorf("%v: %v", s, err)
		}
		if got := strings.Count(b.String(), "\n"); got != len(ch) {
			t.Errorf("%v: %d lines for %d changes", s, got, len(ch))
		}
	}
}

// TestClear: Clear unsets every variable that Changes sets, for plain keys
// and for temporary credentials, and sets nothing.
func TestClear(t *testing.T) {
	unsets := Clear(true)
	checkOnce(t, unsets)
	cleared := map[string]bool{}
	for _, c := range unsets {
		if !c.Unset {
			t.Errorf("Clear sets %s", c.Name)
		}
		cleared[c.Name] = true
	}
	setByChanges := map[string]bool{}
	for _, c := range []aws.Credentials{
		{AccessKeyID: "A", SecretAccessKey: "s"},
		{AccessKeyID: "A", SecretAccessKey: "s", SessionToken: "t", Expires: time.Now()},
	} {
		for _, ch := range Changes(target, c) {
			if !ch.Unset {
				setByChanges[ch.Name] = true
			}
		}
	}
	for _, ch := range Served(target, "http://127.0.0.1:1/credentials", "tok", 42, time.Now(), "123456789012") {
		if !ch.Unset {
			setByChanges[ch.Name] = true
		}
	}
	var missing []string
	for n := range setByChanges {
		if !cleared[n] {
			missing = append(missing, n)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("Clear leaves %q set", missing)
	}
	// Clearing after a switch leaves nothing of awsenv's behind.
	after, _ := env(append(Changes(target, aws.Credentials{AccessKeyID: "A", SecretAccessKey: "s", SessionToken: "t"}), unsets...))
	if len(after) != 0 {
		t.Errorf("after Clear still set: %v", after)
	}
}

// Served credentials: the container variables, and no fixed key at all
// (the SDKs would take it first).
func TestServed(t *testing.T) {
	until := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	ch := Served(target, "http://127.0.0.1:8/credentials", "tok", 42, until, "123456789012")
	checkOnce(t, ch)
	set, unset := env(ch)
	for k, v := range map[string]string{ContainerURI: "http://127.0.0.1:8/credentials", ContainerToken: "tok", ServerPID: "42",
		ServedUntil: "2030-01-02T03:04:05Z", "AWS_ACCOUNT_ID": "123456789012", "MY_AWS_SET_FOR": "work-MFA-STS", "AWS_REGION": "eu-west-1"} {
		if set[k] != v {
			t.Errorf("%s = %q, want %q", k, set[k], v)
		}
	}
	for _, n := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"} {
		if !unset[n] {
			t.Errorf("%s is not unset", n)
		}
	}
	// A later switch to fixed credentials unsets them again.
	_, unset = env(Changes(Target{Account: "work", Label: "work", Region: "eu-west-1", Unserve: true}, aws.Credentials{AccessKeyID: "A", SecretAccessKey: "s"}))
	for _, n := range []string{ContainerURI, ContainerToken, ServerPID, ServedUntil} {
		if !unset[n] {
			t.Errorf("%s is not unset after a switch", n)
		}
	}
}

// Credentials from an aws login session say which, for ec2now; served ones
// too.
func TestChangesLogin(t *testing.T) {
	tg := target
	tg.Login = Login{Profile: "dev", Session: "arn:aws:iam::123456789012:user/u"}
	for _, ch := range [][]Change{
		Changes(tg, aws.Credentials{AccessKeyID: "ASIAIOSFODNN7EXAMPLE", SecretAccessKey: "sk", SessionToken: "tok", Expires: time.Now()}),
		Served(tg, "http://127.0.0.1:1/credentials", "t", 1, time.Time{}, ""),
	} {
		checkOnce(t, ch)
		set, unset := env(ch)
		if set["AWSENV_LOGIN_PROFILE"] != "dev" || set["AWSENV_LOGIN_SESSION"] != tg.Login.Session || unset["AWSENV_LOGIN_SESSION"] {
			t.Errorf("sets %v, unsets %v", set, unset)
		}
	}
	cleared := map[string]bool{}
	for _, c := range Clear(false) {
		cleared[c.Name] = true
	}
	if !cleared["AWSENV_LOGIN_PROFILE"] || !cleared["AWSENV_LOGIN_SESSION"] {
		t.Errorf("Clear leaves the aws login variables: %v", cleared)
	}
}
