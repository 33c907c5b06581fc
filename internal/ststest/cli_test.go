package ststest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const awsCLI = "/usr/bin/aws"

// runCLI runs the AWS CLI against url with only the given credentials.
func runCLI(t *testing.T, url string, c aws.Credentials, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	home := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if (strings.HasPrefix(name, "AWS_") && name != "AWS_CA_BUNDLE") || name == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"HOME="+home,
		"AWS_CONFIG_FILE="+filepath.Join(home, "no-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "no-credentials"),
		"AWS_ACCESS_KEY_ID="+c.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+c.SecretAccessKey,
		"AWS_PAGER=",
		"AWS_EC2_METADATA_DISABLED=true",
	)
	if c.SessionToken != "" {
		env = append(env, "AWS_SESSION_TOKEN="+c.SessionToken)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, awsCLI, append(args, "--endpoint-url", url, "--region", "us-east-1", "--output", "json")...)
	cmd.Env = env
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// TestAWSCLI checks that the real AWS CLI (botocore) accepts the server.
func TestAWSCLI(t *testing.T) {
	if _, err := os.Stat(awsCLI); err != nil {
		t.Skipf("the AWS CLI is not installed at %s: %v", awsCLI, err)
	}
	s := New() // the CLI signs with the real clock
	url := listen(t, s)
	u := s.AddUser("alice", true)
	now := time.Now()
	out, err := client(url, userCreds(u), 1).GetSessionToken(context.Background(), &sts.GetSessionTokenInput{
		SerialNumber: &u.MFASerial, TokenCode: aws.String(u.Code(now)),
	})
	if err != nil {
		t.Fatal(err)
	}
	session := fromSTS(out.Credentials)

	t.Run("get-caller-identity with session credentials", func(t *testing.T) {
		t.Parallel()
		stdout, stderr, err := runCLI(t, url, session, "sts", "get-caller-identity")
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		var id struct{ UserId, Account, Arn string }
		if err := json.Unmarshal([]byte(stdout), &id); err != nil {
			t.Fatalf("%v: %s", err, stdout)
		}
		if id.Arn != u.ARN || id.Account != DefaultAccountID || !strings.HasPrefix(id.UserId, "AIDA") {
			t.Errorf("identity %+v, want %s", id, u.ARN)
		}
	})
	t.Run("get-session-token with MFA", func(t *testing.T) {
		t.Parallel()
		stdout, stderr, err := runCLI(t, url, userCreds(u), "sts", "get-session-token",
			"--serial-number", u.MFASerial, "--token-code", u.Code(now.Add(30*time.Second)), "--duration-seconds", "900")
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		var got struct {
			Credentials struct{ AccessKeyId, SecretAccessKey, SessionToken, Expiration string }
		}
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatalf("%v: %s", err, stdout)
		}
		c := got.Credentials
		exp, err := time.Parse(time.RFC3339, c.Expiration)
		if !strings.HasPrefix(c.AccessKeyId, "ASIA") || c.SessionToken == "" || err != nil ||
			exp.Sub(now) < 14*time.Minute || exp.Sub(now) > 16*time.Minute {
			t.Errorf("credentials %+v (expiration: %v)", c, err)
		}
	})
	t.Run("session credentials cannot get a session token", func(t *testing.T) {
		t.Parallel()
		_, stderr, err := runCLI(t, url, session, "sts", "get-session-token")
		if err == nil || !strings.Contains(stderr, "(AccessDenied)") ||
			!strings.Contains(stderr, "Cannot call GetSessionToken with session credentials") {
			t.Errorf("err %v, stderr %s", err, stderr)
		}
	})
}
