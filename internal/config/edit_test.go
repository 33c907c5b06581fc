package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// SetAccount keeps every other byte of the file: comments are not JSON, so
// the test is byte equality around the new entry.
func TestSetAccount(t *testing.T) {
	const before = "{\n  \"personal\": \"arn:aws:iam::987654321012:\",\n\n  \"work\": {\"arn\": \"arn:aws:iam::012123456789:\",   \"region\": \"eu-west-1\"}\n}\n"
	entry := AccountEntry{ARN: "arn:aws:iam::111122223333:", Region: "eu-north-1"}
	tests := []struct {
		name, file string
		replace    bool
		want       string
		err        string
	}{
		{"new", before, false, "{\n  \"personal\": \"arn:aws:iam::987654321012:\",\n\n  \"work\": {\"arn\": \"arn:aws:iam::012123456789:\",   \"region\": \"eu-west-1\"},\n  \"new\": {\"arn\":\"arn:aws:iam::111122223333:\",\"region\":\"eu-north-1\"}\n}\n", ""},
		{"work", before, true, "{\n  \"personal\": \"arn:aws:iam::987654321012:\",\n\n  \"work\": {\"arn\":\"arn:aws:iam::111122223333:\",\"region\":\"eu-north-1\"}\n}\n", ""},
		{"work", before, false, "", `account "work" exists: use --force`},
		{"new", "{}", false, "{\n  \"new\": {\"arn\":\"arn:aws:iam::111122223333:\",\"region\":\"eu-north-1\"}\n}", ""},
		{"new", "\xef\xbb\xbf{\r\n  \"a\": \"arn:aws:iam::987654321012:\"\r\n}\r\n", false, "\xef\xbb\xbf{\r\n  \"a\": \"arn:aws:iam::987654321012:\",\n  \"new\": {\"arn\":\"arn:aws:iam::111122223333:\",\"region\":\"eu-north-1\"}\r\n}\r\n", ""},
		{"new", "{\"a\": ", false, "", "does not parse"},
		{"bad/name", before, false, "", "may hold only"},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "accounts.json")
		os.WriteFile(path, []byte(tt.file), 0o640)
		err := SetAccount(context.Background(), path, tt.name, entry, tt.replace)
		got, _ := os.ReadFile(path)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s in %q: err = %v, want %q", tt.name, tt.file, err, tt.err)
			}
			if string(got) != tt.file {
				t.Errorf("%s: the file changed on an error: %q", tt.name, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s in %q: %v", tt.name, tt.file, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("%s in %q:\n got %q\nwant %q", tt.name, tt.file, got, tt.want)
		}
		if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
			t.Errorf("mode became %v", st.Mode().Perm())
		}
	}
	// A missing file is created with the one entry.
	path := filepath.Join(t.TempDir(), "sub", "accounts.json")
	if err := SetAccount(context.Background(), path, "new", entry, false); err != nil {
		t.Fatal(err)
	}
	if list, err := LoadAccounts(path, false); err != nil || len(list.All()) != 1 || list.Get("new").AccountID != "111122223333" {
		t.Errorf("created file: %v, %v", list, err)
	}
}

func TestWriteKeys(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "creds")
	keys := Keys{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	if err := WriteKeys(dir, "work", keys, "alice"); err != nil {
		t.Fatal(err)
	}
	got, err := LoadKeys(dir, "work", func(s string) { t.Errorf("warning: %s", s) })
	if err != nil || got != keys {
		t.Errorf("LoadKeys = %+v, %v", got, err)
	}
	for _, n := range []string{"work.access_key", "work.secret_key", "work.user"} {
		if st, err := os.Stat(filepath.Join(dir, n)); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", n, st.Mode(), err)
		}
	}
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v", st.Mode().Perm())
	}
	if err := WriteKeys(dir, "other", Keys{AccessKeyID: "short", SecretAccessKey: "x"}, "u"); err == nil {
		t.Error("malformed keys written")
	}
	// The user name comes from STS's answer: one that would add lines to
	// NAME.user is refused, and nothing of the account is written.
	for _, user := range []string{"alice\nbob", "alice\x1b[2J", "alice\r"} {
		if err := WriteKeys(dir, "hostile", keys, user); err == nil {
			t.Errorf("user %q written", user)
		}
		if err := WriteUser(dir, "hostile", user); err == nil {
			t.Errorf("user %q written by WriteUser", user)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "hostile.*")); len(left) != 0 {
		t.Errorf("files written: %v", left)
	}
}

func TestSetAccountKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "accounts.json")
	const before = "{\n  \"personal\": \"arn:aws:iam::987654321012:\",\n  \"work\": {\"arn\": \"arn:aws:iam::012123456789:\", \"roles\": {\"admin\": \"arn:aws:iam::012123456789:role/a\"}}\n}\n"
	os.WriteFile(path, []byte(before), 0o600)
	ctx := context.Background()
	for _, name := range []string{"personal", "work"} {
		if err := SetAccountKeys(ctx, path, name, "keyring:file"); err != nil {
			t.Fatal(err)
		}
	}
	list, err := LoadAccounts(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if list.Get("personal").KeyStore != "keyring:file" || list.Get("work").KeyStore != "keyring:file" || list.Get("work").Roles["admin"] == "" {
		t.Errorf("after: %+v %+v", list.Get("personal"), list.Get("work"))
	}
	for _, name := range []string{"personal", "work"} {
		if err := SetAccountKeys(ctx, path, name, "files"); err != nil {
			t.Fatal(err)
		}
	}
	list, _ = LoadAccounts(path, false)
	if list.Get("work").KeyStore != "" || list.Get("personal").AccountID != "987654321012" {
		t.Errorf("back to files: %+v", list.Get("work"))
	}
	if err := SetAccountKeys(ctx, path, "nosuch", "keyring"); err == nil {
		t.Error("an unknown account was edited")
	}
}
