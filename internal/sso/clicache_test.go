//go:build unix

package sso

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
)

// The files the AWS CLI v2 writes into ~/.aws/cli/cache, as it writes them
// (botocore's JSONFileCache: json.dumps with its default separators).
const (
	cliSSOCredentials = `{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIAEXAMPLESSO000001", "SecretAccessKey": "ssosecret", ` +
		`"SessionToken": "ssotoken", "Expiration": "2099-01-01T00:00:00UTC"}}`
	cliAssumeRole = `{"Credentials": {"AccessKeyId": "ASIAEXAMPLEROLE00001", "SecretAccessKey": "rolesecret", "SessionToken": "roletoken", ` +
		`"Expiration": "2099-01-01T00:00:00+00:00"}, "AssumedRoleUser": {"AssumedRoleId": "AROAEXAMPLE:botocore-session-1", ` +
		`"Arn": "arn:aws:sts::123456789012:assumed-role/readonly/botocore-session-1"}, "ResponseMetadata": {"RequestId": "r", "HTTPStatusCode": 200}}`
	cliWebIdentity = `{"Credentials": {"AccessKeyId": "ASIAEXAMPLEWEBID0001", "SecretAccessKey": "s", "SessionToken": "t", ` +
		`"Expiration": "2099-01-01T00:00:00+00:00"}, "SubjectFromWebIdentityToken": "jane", "Provider": "idp.example"}`
)

// sso logout deletes the AWS CLI's cached role credentials of IAM Identity
// Center, as aws sso logout does, so that the CLI stops working too; the
// other providers' files, and whatever is not such a file, stay.
func TestLogoutDeletesTheCLIsCachedSSORoleCredentials(t *testing.T) {
	w := newWorld(t)
	w.login()
	dir := filepath.Join(w.home, ".aws", "cli", "cache")
	outside := filepath.Join(w.home, "outside.json")
	w.writeFile(outside, cliSSOCredentials)
	files := map[string]string{
		"0d8e2c1ee9a5c4ac64a8a86f6b1cc54b7c6e2f3a.json": cliSSOCredentials,
		"5b2a1f0c8e7d6c5b4a39281706f5e4d3c2b1a090.json": strings.ReplaceAll(cliSSOCredentials, ", ", ","), // another writer's spacing
		"a3c7e0f1d2b4c6e8f0a1b3c5d7e9f1a3b5c7d9e1.json": cliAssumeRole,
		"b4d8f2a6c0e4b8d2f6a0c4e8b2d6f0a4c8e2b6d0.json": cliWebIdentity,
		"c5e9a3b7d1f5c9e3a7b1d5f9c3e7a1b5d9f3c7e1.json": `{"ProviderType": "sso", "Credentials": `, // torn: the CLI skips it too
		"d6f0b4c8e2a6d0f4b8c2e6a0d4f8b2c6e0a4d8f2.json": `{"ProviderType": "assume-role"}`,
		"notes.txt": `{"ProviderType": "sso"}`,
	}
	for name, content := range files {
		w.writeFile(filepath.Join(dir, name), content)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "e7a1c5d9f3b7e1a5c9d3f7b1e5a9c3d7f1b5e9a3.json")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "f8b2d6f0a4c8e2b6d0f4a8c2e6b0d4f8a2c6e0b4.json"), 0o600); err != nil {
		t.Fatal(err)
	}

	if err := w.client().Logout(context.Background(), w.sess); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	sort.Strings(left)
	want := []string{
		"a3c7e0f1d2b4c6e8f0a1b3c5d7e9f1a3b5c7d9e1.json", "b4d8f2a6c0e4b8d2f6a0c4e8b2d6f0a4c8e2b6d0.json",
		"c5e9a3b7d1f5c9e3a7b1d5f9c3e7a1b5d9f3c7e1.json", "d6f0b4c8e2a6d0f4b8c2e6a0d4f8b2c6e0a4d8f2.json",
		"e7a1c5d9f3b7e1a5c9d3f7b1e5a9c3d7f1b5e9a3.json", "f8b2d6f0a4c8e2b6d0f4a8c2e6b0d4f8a2c6e0b4.json", "notes.txt",
	}
	if strings.Join(left, " ") != strings.Join(want, " ") {
		t.Errorf("left in the CLI's cache:\n%s\nwant\n%s", strings.Join(left, "\n"), strings.Join(want, "\n"))
	}
	if got := w.readFile(filepath.Join(dir, "a3c7e0f1d2b4c6e8f0a1b3c5d7e9f1a3b5c7d9e1.json")); got != cliAssumeRole {
		t.Errorf("the assume-role file changed: %s", got)
	}
	if _, err := os.Stat(outside); err != nil {
		t.Errorf("a file outside the cache, linked from it, was deleted: %v", err)
	}

	// Without a CLI cache folder, or a token, logout still works.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := w.client().Logout(context.Background(), w.sess); err != nil {
		t.Errorf("logout without a CLI cache: %v", err)
	}
}
