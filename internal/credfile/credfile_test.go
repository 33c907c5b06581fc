package credfile

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var v = Values{AccessKeyID: "ASIANEW", SecretAccessKey: "newsecret", SessionToken: "newtoken",
	Expiration: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}

const body = "aws_access_key_id = ASIANEW\naws_secret_access_key = newsecret\naws_session_token = newtoken\nx_security_token_expires = 2030-01-02T03:04:05Z\n"

func TestApply(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty file", "", "[p]\n" + body},
		{"append after other profiles", "[a]\nx=1\n", "[a]\nx=1\n\n[p]\n" + body},
		{"no newline at end", "[a]\nx=1", "[a]\nx=1\n\n[p]\n" + body},
		{"replace keys, keep the rest", "# top\n[p]\n; c\naws_access_key_id=OLD\nregion = x\naws_session_token : OLD\n[q]\naws_access_key_id=Q\n",
			"# top\n[p]\n" + body + "; c\nregion = x\n[q]\naws_access_key_id=Q\n"},
		{"profile header at end without newline", "[a]\n[p]", "[a]\n[p]\n" + body},
		{"duplicate sections lose their old keys", "[p]\naws_access_key_id=A\n[q]\n[p]\naws_secret_access_key=B\nother=1\n",
			"[p]\n" + body + "[q]\n[p]\nother=1\n"},
		{"CRLF kept", "[a]\r\nx=1\r\n", "[a]\r\nx=1\r\n\r\n[p]\r\n" + strings.ReplaceAll(body, "\n", "\r\n")},
		{"CR-only line ends are line breaks, as in the AWS CLI", "[p]\raws_access_key_id=OLD\raws_session_token=T\rregion=x\r",
			"[p]\r" + strings.ReplaceAll(body, "\n", "\r") + "region=x\r"},
		{"CR-only file without the profile", "[a]\rx=1", "[a]\rx=1\r\r[p]\r" + strings.ReplaceAll(body, "\n", "\r")},
		{"a lone CR (issue 12)", "\r", "\r\r[p]\r" + strings.ReplaceAll(body, "\n", "\r")},
		{"BOM dropped, first section found", "\xef\xbb\xbf[p]\naws_access_key_id=OLD\n", "[p]\n" + body},
		{"similar names are other profiles", "[p2]\naws_access_key_id=X\n[ p ]\naws_access_key_id=Y\n", "[p2]\naws_access_key_id=X\n[ p ]\n" + body},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(Apply([]byte(tt.in), "p", v)); got != tt.want {
				t.Errorf("Apply:\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// aws_account_id is written when known and never left stale: another
// account's id would send the SDKs to another account's endpoints.
func TestApplyAccountID(t *testing.T) {
	withID := v
	withID.AccountID, withID.Region = "210987654321", "eu-west-1"
	got := string(Apply([]byte("[p]\naws_account_id = 123456789012\nregion = x\n"), "p", withID))
	if want := "[p]\n" + body + "aws_account_id = 210987654321\nregion = eu-west-1\n"; got != want {
		t.Errorf("with an account id:\n%q\nwant\n%q", got, want)
	}
	got = string(Apply([]byte("[p]\naws_account_id = 123456789012\n"), "p", v))
	if want := "[p]\n" + body; got != want {
		t.Errorf("without one, the old one stays:\n%q\nwant\n%q", got, want)
	}
}

func TestApplyLongLivedKeys(t *testing.T) {
	got := string(Apply([]byte("[p]\naws_session_token=OLD\n"), "p", Values{AccessKeyID: "AKIA", SecretAccessKey: "s"}))
	if want := "[p]\naws_access_key_id = AKIA\naws_secret_access_key = s\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func FuzzApply(f *testing.F) {
	f.Add("[a]\nx=1\n[p]\naws_access_key_id=1\n", "p")
	f.Add("", "default")
	f.Fuzz(func(t *testing.T, in, profile string) {
		if CheckProfile(profile) != nil {
			return
		}
		out := string(Apply([]byte(in), profile, v))
		if !strings.Contains(out, body) && !strings.Contains(out, strings.ReplaceAll(body, "\n", "\r\n")) &&
			!strings.Contains(out, strings.ReplaceAll(body, "\n", "\r")) {
			t.Fatalf("new values missing from %q", out)
		}
		// Read as the AWS CLI reads it, the profile has each key once
		// (a duplicate makes botocore refuse the whole file).
		for key, n := range cliKeys(out, profile) {
			if n != 1 {
				t.Fatalf("%s appears %d times in profile %q of %q", key, n, profile, out)
			}
		}
		// Applying twice changes nothing more.
		if again := string(Apply([]byte(out), profile, v)); again != out {
			t.Fatalf("not idempotent:\n%q\n%q", out, again)
		}
	})
}

// cliKeys counts the managed keys of profile in data the way botocore
// reads a credentials file: universal newlines, sections merged by name.
func cliKeys(data, profile string) map[string]int {
	data = strings.ReplaceAll(strings.ReplaceAll(data, "\r\n", "\n"), "\r", "\n")
	counts := map[string]int{}
	in := false
	for _, l := range strings.Split(data, "\n") {
		t := strings.TrimSpace(l)
		if name, ok := sectionName(t); ok {
			in = name == profile
			continue
		}
		if in && isManagedKey(t) {
			counts[strings.ToLower(strings.TrimSpace(t[:strings.IndexAny(t, "=:")]))]++
		}
	}
	return counts
}

func TestUpdate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".aws", "credentials")
	if err := Update(context.Background(), path, "p", v); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %o", st.Mode().Perm())
	}
	// A leftover temp file of an interrupted write is swept.
	stale := filepath.Join(dir, ".aws", ".credentials.tmp123")
	os.WriteFile(stale, []byte("secret"), 0o600)
	if err := Update(context.Background(), path, "q", v); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("stale temp file left")
	}
	if err := Update(context.Background(), path, "bad name", v); err == nil {
		t.Error("bad profile name accepted")
	}
	// An unwritable place: a clear error, no file.
	if err := Update(context.Background(), filepath.Join(path, "x"), "p", v); err == nil {
		t.Error("writing under a file succeeded")
	}
}

func TestCheckProfile(t *testing.T) {
	for _, ok := range []string{"default", "work-admin", "a.b_c@d+e/f"} {
		if CheckProfile(ok) != nil {
			t.Errorf("%q refused", ok)
		}
	}
	for _, bad := range []string{"", "a b", "a]", "[a", "a\nb", "a=b", "a;b", strings.Repeat("a", 129)} {
		if CheckProfile(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestLongLived(t *testing.T) {
	data := []byte("[keys]\naws_access_key_id=AKIA\n[temp]\naws_access_key_id=ASIA\naws_session_token=t\n[other]\nregion=x\n")
	for p, want := range map[string]bool{"keys": true, "temp": false, "other": false, "none": false} {
		if got := LongLived(data, p); got != want {
			t.Errorf("%s: %v", p, got)
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "credentials")
	os.WriteFile(path, data, 0o600)
	if err := Update(context.Background(), path, "keys", v); err == nil || !strings.Contains(err.Error(), "long-lived keys") {
		t.Errorf("overwrote long-lived keys: %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != string(data) {
		t.Error("file changed")
	}
}

// Issue 12: the credentials file was read with os.ReadFile (a FIFO hung
// write, /dev/zero filled the memory), and a symlink to a device had a lock
// file made next to it. Every special file is refused at once, by Check
// and by Update, and nothing is created.
func TestUpdateSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	devDir := filepath.Join(dir, "dev")
	os.Mkdir(devDir, 0o700)
	fifo := filepath.Join(devDir, "fifo")
	if err := mkfifo(fifo); err != nil {
		t.Skip("no FIFOs here")
	}
	huge := filepath.Join(dir, "huge")
	f, _ := os.Create(huge)
	f.Truncate(100 << 20)
	f.Close()
	nul := filepath.Join(dir, "nul")
	os.WriteFile(nul, []byte("[a]\nx=\x001\n"), 0o600)
	for _, target := range []string{fifo, "/dev/zero", devDir, huge, nul} {
		link := filepath.Join(dir, "credentials")
		os.Remove(link)
		os.Symlink(target, link)
		done := make(chan [2]error, 1)
		go func() {
			done <- [2]error{Check(link, "p"), Update(context.Background(), link, "p", v)}
		}()
		select {
		case errs := <-done:
			for i, err := range errs {
				if err == nil || !strings.Contains(err.Error(), "credentials file") {
					t.Errorf("%s: %s: %v", target, []string{"Check", "Update"}[i], err)
				}
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: hangs", target)
		}
		if st, _ := os.Stat(target); st.Mode().IsRegular() {
			continue // a lock beside a regular file is how Update works
		}
		if m, _ := filepath.Glob(filepath.Join(filepath.Dir(target), ".*awsenv-lock")); len(m) > 0 {
			t.Errorf("%s: a lock file was created beside it: %q", target, m)
		}
	}
	// Check passes where Update would write, and refuses long-lived keys.
	path := filepath.Join(dir, "ok")
	if err := Check(path, "p"); err != nil {
		t.Errorf("Check of a file to be created: %v", err)
	}
	os.WriteFile(path, []byte("[p]\r\naws_access_key_id = AKIA\r\n"), 0o600)
	if err := Check(path, "p"); err == nil || !strings.Contains(err.Error(), "long-lived") {
		t.Errorf("Check of long-lived keys: %v", err)
	}
}
