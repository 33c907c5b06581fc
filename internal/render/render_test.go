package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/shellenv"
)

var session = Output{
	Creds: aws.Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "s3cr3t", SessionToken: "tok&en",
		CanExpire: true, Expires: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), AccountID: "123456789012"},
	Account: "work", Label: "work-ROLE-admin", Region: "eu-west-1", ARN: "arn:aws:sts::123456789012:assumed-role/admin/alice",
	Shell: shellenv.POSIX,
}

func write(t *testing.T, format string, o Output) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, format, o); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestFormats(t *testing.T) {
	env := write(t, "env", session)
	for _, want := range []string{"export AWS_ACCESS_KEY_ID='ASIAEXAMPLE'\n", "export AWS_SESSION_TOKEN='tok&en'\n",
		"export AWS_CREDENTIAL_EXPIRATION='2030-01-02T03:04:05Z'\n", "export MY_AWS_SET_FOR='work-ROLE-admin'\n"} {
		if !strings.Contains(env, want) {
			t.Errorf("env lacks %q:\n%s", want, env)
		}
	}

	var j map[string]string
	if err := json.Unmarshal([]byte(write(t, "json", session)), &j); err != nil {
		t.Fatal(err)
	}
	if j["access_key"] != "ASIAEXAMPLE" || j["secret_key"] != "s3cr3t" || j["session_token"] != "tok&en" ||
		j["expiration"] != "2030-01-02T03:04:05Z" || j["arn"] != session.ARN || j["console_access"] != "" {
		t.Errorf("json = %v", j)
	}
	link := session
	link.ConsoleLink = "https://signin.aws.amazon.com/federation?Action=login&SigninToken=x"
	out := write(t, "json", link)
	if !strings.Contains(out, `"console_access": "https://signin.aws.amazon.com/federation?Action=login&SigninToken=x"`) {
		t.Errorf("console link escaped or missing:\n%s", out)
	}

	ini := write(t, "credentials", session)
	for _, want := range []string{"[work-ROLE-admin]\n", "aws_access_key_id = ASIAEXAMPLE\n", "aws_session_token = tok&en\n", "x_security_token_expires = 2030-01-02T03:04:05Z\n",
		"aws_account_id = 123456789012\n", "region = eu-west-1\n"} {
		if !strings.Contains(ini, want) {
			t.Errorf("credentials lacks %q:\n%s", want, ini)
		}
	}

	var p struct {
		Version                                    int
		AccessKeyId, SecretAccessKey, SessionToken string
		Expiration, AccountId                      string
	}
	if err := json.Unmarshal([]byte(write(t, "process", session)), &p); err != nil {
		t.Fatal(err)
	}
	if p.Version != 1 || p.AccessKeyId != "ASIAEXAMPLE" || p.Expiration != "2030-01-02T03:04:05Z" || p.AccountId != "123456789012" {
		t.Errorf("process = %+v", p)
	}
	// Long-lived keys: no token, no expiration.
	keys := Output{Creds: aws.Credentials{AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "s"}, Label: "work"}
	if out := write(t, "process", keys); strings.Contains(out, "Expiration") || strings.Contains(out, "SessionToken") {
		t.Errorf("process of keys:\n%s", out)
	}
}

func TestCheck(t *testing.T) {
	if err := Check("json", "env", "json"); err != nil {
		t.Error(err)
	}
	if err := Check("process", "env", "json"); err == nil || err.Error() != `unknown --format "process": use env, json` {
		t.Errorf("Check(process) = %v", err)
	}
	if err := Check("yaml", "yaml"); err == nil {
		t.Error("a format nobody writes was accepted")
	}
	if u := Usage("env", "process"); u != "env (shell statements), process (credential_process JSON)" {
		t.Errorf("Usage = %q", u)
	}
}
