package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/awsenv/awsenv/internal/fsutil"
)

func TestSetProfileText(t *testing.T) {
	set := [][2]string{{"login_session", "arn:aws:iam::1:user/me"}, {"region", "eu-west-1"}}
	for _, tc := range []struct {
		name, in, want string
		created        bool
	}{
		{"empty file", "", "[profile dev]\nlogin_session = arn:aws:iam::1:user/me\nregion = eu-west-1\n", true},
		{"other profiles kept", "# mine\n[profile a]\nregion = x\n",
			"# mine\n[profile a]\nregion = x\n\n[profile dev]\nlogin_session = arn:aws:iam::1:user/me\nregion = eu-west-1\n", true},
		{"replaced in place, comments kept", "[profile dev] # c\nregion = us-east-1 ; old\n# note\n\n[profile b]\nregion = y",
			"[profile dev] # c\nregion = eu-west-1\nlogin_session = arn:aws:iam::1:user/me\n# note\n\n[profile b]\nregion = y", false},
		{"crlf", "[profile dev]\r\nlogin_session = old\r\n", "[profile dev]\r\nlogin_session = arn:aws:iam::1:user/me\r\nregion = eu-west-1\r\n", false},
		{"no newline at end", "[profile dev]\noutput = json", "[profile dev]\noutput = json\nlogin_session = arn:aws:iam::1:user/me\nregion = eu-west-1\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, created := setProfileText(tc.in, "dev", set)
			if got != tc.want || created != tc.created {
				t.Errorf("got %q %v\nwant %q %v", got, created, tc.want, tc.created)
			}
		})
	}
	if got, _ := setProfileText("[default]\nregion = x\n", "default", [][2]string{{"region", ""}, {"login_session", "arn:a"}}); got != "[default]\nregion = x\nlogin_session = arn:a\n" {
		t.Errorf("default: %q", got)
	}
}

func TestSetProfileFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aws", "config")
	if created, err := SetProfile(context.Background(), path, "dev", [][2]string{{"login_session", "arn:aws:iam::123456789012:user/me"}}); err != nil || !created {
		t.Fatal(created, err)
	}
	ps, err := LoadProfiles(path, "")
	if err != nil || ps.Get("dev") == nil || ps.Get("dev").LoginSession != "arn:aws:iam::123456789012:user/me" || ps.Get("dev").Kind() != "login" {
		t.Fatalf("%v %v", ps, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
	if _, err := SetProfile(context.Background(), path, "bad name", nil); err == nil {
		t.Error("bad name accepted")
	}
}

// SetProfile takes the lock every writer of the config file takes, and
// refuses a value that would add lines to the file.
func TestSetProfileLockAndValues(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	if _, err := SetProfile(context.Background(), path, "dev", [][2]string{{"region", "eu-west-1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fsutil.LockPath(path)); err != nil {
		t.Errorf("SetProfile did not take the config file's lock (%s): %v", fsutil.LockPath(path), err)
	}
	before, _ := os.ReadFile(path)
	_, err := SetProfile(context.Background(), path, "dev", [][2]string{{"login_session", "arn\n[default]\ncredential_process = evil"}})
	if err == nil || !strings.Contains(err.Error(), "nothing written") {
		t.Errorf("a value with line breaks: %v", err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Errorf("the file changed:\n%s", after)
	}
}
