// Package indextest makes the files the index is tested on, in the index's
// tests and in those of resolve that go through it: accounts files and
// ~/.aws/config over the size from which they are indexed, a home that holds
// them, and an edit that only the change time can tell.
package indextest

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Accounts is an accounts file over the index's minimum size: n accounts,
// work among them with region.
func Accounts(n int, region string) string {
	var b strings.Builder
	b.WriteString("{\n")
	for i := range n {
		fmt.Fprintf(&b, "  \"acct%04d\": {\"arn\": \"arn:aws:iam::%012d:\", \"region\": \"eu-north-1\", \"roles\": {\"admin\": \"arn:aws:iam::%012d:role/admin\"}},\n", i, i, i)
		if i == n/2 {
			fmt.Fprintf(&b, "  \"work\": {\"arn\": \"arn:aws:iam::123456789012:\", \"region\": %q},\n", region)
		}
	}
	b.WriteString("  \"last\": \"arn:aws:iam::123456789012:\"\n}\n")
	return b.String()
}

// Config is a ~/.aws/config over the index's minimum size, with the role
// profile dev (in region) on the profile base.
func Config(n int, region string) string {
	var b strings.Builder
	b.WriteString("[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n\n[profile base]\nregion = eu-west-1\n\n")
	for i := range n {
		fmt.Fprintf(&b, "[profile p%04d]\nsso_session = corp\nsso_account_id = %012d\nsso_role_name = ReadOnly\n\n", i, i)
		if i == n/2 {
			fmt.Fprintf(&b, "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = base\nregion = %s\n\n", region)
		}
	}
	return b.String()
}

// Credentials is the ~/.aws/credentials of Home: the keys of base.
const Credentials = "[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"

// Home is a home with the accounts file, key files of work and ~/.aws
// files; it returns the caller's environment.
func Home(t testing.TB, accounts, cfg string) func(string) string {
	t.Helper()
	home := t.TempDir()
	files := map[string]string{
		"aws-creds/accounts.json":   accounts,
		"aws-creds/work.access_key": "AKIAWORKWORKWORK0001\n",
		"aws-creds/work.secret_key": "worksecretworksecretworksecret\n",
		".aws/config":               cfg,
		".aws/credentials":          Credentials,
	}
	for name, content := range files {
		must(t, os.MkdirAll(filepath.Dir(filepath.Join(home, name)), 0o700))
		must(t, os.WriteFile(filepath.Join(home, name), []byte(content), 0o600))
	}
	env := map[string]string{"HOME": home, "USER": "tester"}
	return func(k string) string { return env[k] }
}

// RewriteInPlace gives path new content of the same size in the same
// inode, and puts its modification time back: all that stays different is
// the content and the ctime.
func RewriteInPlace(t testing.TB, path, content string) {
	t.Helper()
	before, err := os.Stat(path)
	must(t, err)
	if before.Size() != int64(len(content)) {
		t.Fatalf("the edit changes the size: %d to %d", before.Size(), len(content))
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	must(t, err)
	_, err = f.WriteString(content)
	must(t, err)
	must(t, f.Close())
	must(t, os.Chtimes(path, before.ModTime(), before.ModTime()))
	after, err := os.Stat(path)
	must(t, err)
	if !os.SameFile(before, after) || after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) {
		t.Fatalf("not the same file, size and mtime: %v %v", before, after)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// SameRows reports the first row that differs.
func SameRows[R any](t *testing.T, what string, got, want []R) {
	t.Helper()
	for i := range min(len(got), len(want)) {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("%s: row %d is %+v, want %+v", what, i, got[i], want[i])
			return
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d", what, len(got), len(want))
	}
}
