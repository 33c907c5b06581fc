package config

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/awsenv/awsenv/internal/fsutil"
)

const (
	testAccessKey = "AKIAIOSFODNN7EXAMPLE"
	testSecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// writeMode writes a file and sets its mode exactly (WriteFile's mode is
// subject to the umask).
func writeMode(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func TestCheckName(t *testing.T) {
	valid := []string{"a", "Z", "9", "work", "Work-2", "a.b", "a_b", "a@b", "a+b", "a-", "a..", "dev.eu-west-1", strings.Repeat("x", 64)}
	for _, n := range valid {
		if err := CheckName(n); err != nil {
			t.Errorf("CheckName(%q) = %v, want nil", n, err)
		}
	}
	invalid := []string{"", strings.Repeat("x", 65), "-a", ".a", "..", "_a", "@a", "+a", "a b", "a/b", `a\b`, "a:b", "a,b", "a=b", "a$b", "a'b", "a\"b", "a\nb", "a\x00b", "wörk", "ärger", "a%2F"}
	for _, n := range invalid {
		err := CheckName(n)
		if err == nil {
			t.Errorf("CheckName(%q) = nil, want an error", n)
			continue
		}
		if n != "" && len(n) <= 64 && !strings.Contains(err.Error(), "may hold only") {
			t.Errorf("CheckName(%q) = %q, want it to list the allowed characters", n, err)
		}
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"8h", 8 * time.Hour},
		{"90m", 90 * time.Minute},
		{"1h30m", 90 * time.Minute},
		{"1.5h", 90 * time.Minute},
		{"500ms", 500 * time.Millisecond},
		{"3600", time.Hour},
		{"900", 15 * time.Minute},
		{"1", time.Second},
		{"007", 7 * time.Second},
		{"999999999", 999999999 * time.Second},
		{" 2h\n", 2 * time.Hour},
		{"\t3600 ", time.Hour},
		{"+5m", 5 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
	bad := []string{"", "  ", "8x", "h", "-1h", "-1", "0s", "0h0m", "-0s", "1e3", "1,000", "3600s3", "1000000000", "99999999999999999999", "8 h", "0x10", "１２"}
	for _, in := range bad {
		t.Run("bad "+in, func(t *testing.T) {
			if d, err := ParseDuration(in); err == nil {
				t.Errorf("ParseDuration(%q) = %v, want an error", in, d)
			}
		})
	}
}

// FuzzParseDuration: never panics, and a duration it accepts is positive.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"8h", "3600", " 90m ", "1h30m", "-1h", "999999999", "1000000000", "0.5s", "9223372036854775807ns", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err == nil && d <= 0 {
			t.Fatalf("ParseDuration(%q) = %v with no error; want a positive duration or an error", s, d)
		}
		if err != nil && d != 0 {
			t.Fatalf("ParseDuration(%q) = %v along with error %v", s, d, err)
		}
	})
}

func TestLoadKeys(t *testing.T) {
	tests := []struct {
		name   string
		ak, sk string
		wantAK string
		wantSK string
	}{
		{"plain", testAccessKey, testSecretKey, testAccessKey, testSecretKey},
		{"trailing newline", testAccessKey + "\n", testSecretKey + "\n", testAccessKey, testSecretKey},
		{"whitespace and CRLF", "  " + testAccessKey + " \r\n\n", "\t" + testSecretKey + "\r\n", testAccessKey, testSecretKey},
		{"temporary key id", "ASIAIOSFODNN7EXAMPLE", "x+/=abcdefghijklmnop", "ASIAIOSFODNN7EXAMPLE", "x+/=abcdefghijklmnop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeMode(t, filepath.Join(dir, "work.access_key"), tt.ak, 0o600)
			writeMode(t, filepath.Join(dir, "work.secret_key"), tt.sk, 0o600)
			var warnings []string
			k, err := LoadKeys(dir, "work", func(s string) { warnings = append(warnings, s) })
			if err != nil {
				t.Fatal(err)
			}
			if k.AccessKeyID != tt.wantAK || k.SecretAccessKey != tt.wantSK {
				t.Errorf("LoadKeys = %q/%q, want %q/%q", k.AccessKeyID, k.SecretAccessKey, tt.wantAK, tt.wantSK)
			}
			if len(warnings) != 0 {
				t.Errorf("warnings for 0600 files: %q", warnings)
			}
			if !HasKeys(dir, "work") {
				t.Error("HasKeys = false")
			}
		})
	}
}

// TestLoadKeysErrors checks each way key files can be wrong, and that no
// error message repeats what is in the files.
func TestLoadKeysErrors(t *testing.T) {
	const other = "SECRETPART1234567890"
	tests := []struct {
		name   string
		ak, sk *string // nil: file absent
		akDir  bool    // access key path is a directory
		want   []string
		inErr  string // "ak" or "sk": the file the error must name
	}{
		{name: "access key missing", sk: ptr(testSecretKey), want: []string{"missing key file"}, inErr: "ak"},
		{name: "secret key missing", ak: ptr(testAccessKey), want: []string{"missing key file"}, inErr: "sk"},
		{name: "access key empty", ak: ptr(""), sk: ptr(testSecretKey), want: []string{"it is empty"}, inErr: "ak"},
		{name: "access key blank", ak: ptr(" \n\t\n"), sk: ptr(testSecretKey), want: []string{"it is empty"}, inErr: "ak"},
		{name: "secret key empty", ak: ptr(testAccessKey), sk: ptr("\n"), want: []string{"it is empty"}, inErr: "sk"},
		{name: "access key is a directory", akDir: true, sk: ptr(testSecretKey), want: []string{"it is a directory"}, inErr: "ak"},
		{name: "access key too large", ak: ptr(strings.Repeat("AKIA", 1025)), sk: ptr(testSecretKey), want: []string{"too large"}, inErr: "ak"},
		{name: "secret key too large", ak: ptr(testAccessKey), sk: ptr(strings.Repeat(testSecretKey, 103)), want: []string{"too large"}, inErr: "sk"},
		{name: "access key lower case", ak: ptr("akiaiosfodnn7example"), sk: ptr(testSecretKey), want: []string{"malformed key file", "access key id"}, inErr: "ak"},
		{name: "access key short", ak: ptr("AKIA1234"), sk: ptr(testSecretKey), want: []string{"access key id"}, inErr: "ak"},
		{name: "access key with dash", ak: ptr("AKIA-IOSFODNN7EXAMPLE"), sk: ptr(testSecretKey), want: []string{"access key id"}, inErr: "ak"},
		{name: "two access keys", ak: ptr(testAccessKey + "\n" + other), sk: ptr(testSecretKey), want: []string{"access key id"}, inErr: "ak"},
		{name: "access key is the secret", ak: ptr(testSecretKey), sk: ptr(testSecretKey), want: []string{"access key id"}, inErr: "ak"},
		{name: "secret with space", ak: ptr(testAccessKey), sk: ptr("wJalrXUtnFEMI K7MDENG/bPxRfiCYEXAMPLEKEY"), want: []string{"secret access key"}, inErr: "sk"},
		{name: "secret short", ak: ptr(testAccessKey), sk: ptr("shortsecret"), want: []string{"secret access key"}, inErr: "sk"},
		{name: "two secrets", ak: ptr(testAccessKey), sk: ptr(testSecretKey + "\n" + other + other), want: []string{"secret access key"}, inErr: "sk"},
		{name: "secret with control char", ak: ptr(testAccessKey), sk: ptr("wJalrXUtnFEMI\x01K7MDENGbPxRfiCYEXAMPLEKEY"), want: []string{"secret access key"}, inErr: "sk"},
		{name: "secret non-ascii", ak: ptr(testAccessKey), sk: ptr("wJalrXUtnFEMIéK7MDENGbPxRfiCYEXAMPLEKEY"), want: []string{"secret access key"}, inErr: "sk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			akPath, skPath := KeyFiles(dir, "work")
			if tt.ak != nil {
				writeMode(t, akPath, *tt.ak, 0o600)
			}
			if tt.akDir {
				if err := os.Mkdir(akPath, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			if tt.sk != nil {
				writeMode(t, skPath, *tt.sk, 0o600)
			}
			k, err := LoadKeys(dir, "work", func(s string) { t.Errorf("unexpected warning %q", s) })
			if err == nil {
				t.Fatalf("LoadKeys = %+v, want an error", k)
			}
			if k != (Keys{}) {
				t.Errorf("LoadKeys returned keys %+v along with an error", k)
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			wantPath := map[string]string{"ak": akPath, "sk": skPath}[tt.inErr]
			if !strings.Contains(msg, wantPath) {
				t.Errorf("error %q does not name %s", msg, wantPath)
			}
			material := []string{testAccessKey, testSecretKey, other}
			for _, content := range []*string{tt.ak, tt.sk} {
				if content == nil {
					continue
				}
				for _, f := range strings.Fields(*content) {
					if len(f) >= 8 {
						material = append(material, f[:8])
					}
				}
			}
			for _, secret := range material {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q contains key material %q", msg, secret)
				}
			}
		})
	}
}

func ptr(s string) *string { return &s }

// TestLoadKeysPermissionWarning: a key file readable by group or others is
// used, with one warning that names the file and holds no key material.
func TestLoadKeysPermissionWarning(t *testing.T) {
	tests := []struct {
		name           string
		akMode, skMode os.FileMode
		warnFor        []string // "ak", "sk"
	}{
		{"access key 0644", 0o644, 0o600, []string{"ak"}},
		{"secret key 0644", 0o600, 0o644, []string{"sk"}},
		{"secret key group readable", 0o600, 0o640, []string{"sk"}},
		{"access key world writable only", 0o602, 0o600, []string{"ak"}},
		{"both 0644", 0o644, 0o644, []string{"ak", "sk"}},
		{"read-only owner", 0o400, 0o400, nil},
		{"0600", 0o600, 0o600, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			akPath, skPath := KeyFiles(dir, "work")
			writeMode(t, akPath, testAccessKey+"\n", tt.akMode)
			writeMode(t, skPath, testSecretKey+"\n", tt.skMode)
			var warnings []string
			k, err := LoadKeys(dir, "work", func(s string) { warnings = append(warnings, s) })
			if err != nil {
				t.Fatal(err)
			}
			if k.AccessKeyID != testAccessKey || k.SecretAccessKey != testSecretKey {
				t.Errorf("keys not used: %+v", k)
			}
			if len(warnings) != len(tt.warnFor) {
				t.Fatalf("got %d warnings %q, want %d", len(warnings), warnings, len(tt.warnFor))
			}
			for i, which := range tt.warnFor {
				path := map[string]string{"ak": akPath, "sk": skPath}[which]
				w := warnings[i]
				if !strings.Contains(w, path) || !strings.Contains(w, "chmod 600") {
					t.Errorf("warning %q does not name %s and the fix", w, path)
				}
				if strings.Contains(w, "\n") {
					t.Errorf("warning %q is not one line", w)
				}
				for _, secret := range []string{testAccessKey, testSecretKey} {
					if strings.Contains(w, secret) {
						t.Errorf("warning %q contains key material", w)
					}
				}
			}
			// A nil warn function is allowed.
			if _, err := LoadKeys(dir, "work", nil); err != nil {
				t.Errorf("LoadKeys with nil warn: %v", err)
			}
		})
	}
}

func TestHasKeys(t *testing.T) {
	dir := t.TempDir()
	ak, sk := KeyFiles(dir, "work")
	if ak != filepath.Join(dir, "work.access_key") || sk != filepath.Join(dir, "work.secret_key") {
		t.Errorf("KeyFiles = %q, %q", ak, sk)
	}
	if HasKeys(dir, "work") {
		t.Error("HasKeys with no files")
	}
	writeMode(t, ak, testAccessKey, 0o600)
	if HasKeys(dir, "work") {
		t.Error("HasKeys with only the access key")
	}
	writeMode(t, sk, testSecretKey, 0o600)
	if !HasKeys(dir, "work") {
		t.Error("HasKeys = false with both files")
	}
}

func TestLoadUser(t *testing.T) {
	env := func(m map[string]string) func(string) string {
		return func(k string) string { return m[k] }
	}
	tests := []struct {
		name    string
		file    *string
		env     map[string]string
		want    string
		wantErr []string
	}{
		{name: "file", file: ptr("alice\n"), env: map[string]string{"USER": "bob"}, want: "alice"},
		{name: "file with whitespace", file: ptr("  alice.smith@example.com \r\n"), want: "alice.smith@example.com"},
		{name: "USER", env: map[string]string{"USER": "bob", "LOGNAME": "carol"}, want: "bob"},
		{name: "LOGNAME fallback", env: map[string]string{"LOGNAME": "carol"}, want: "carol"},
		{name: "empty USER falls back", env: map[string]string{"USER": "", "LOGNAME": "carol"}, want: "carol"},
		{name: "nothing", env: map[string]string{"HOME": "/home/x"}, wantErr: []string{`account "work"`, "work.user", "USER"}},
		{name: "empty file", file: ptr(""), env: map[string]string{"USER": "bob"}, wantErr: []string{"malformed user file"}},
		{name: "blank file", file: ptr(" \n"), env: map[string]string{"USER": "bob"}, wantErr: []string{"malformed user file"}},
		{name: "two words", file: ptr("alice bob"), wantErr: []string{"malformed user file"}},
		{name: "two lines", file: ptr("alice\nbob\n"), wantErr: []string{"malformed user file"}},
		{name: "slash", file: ptr("../alice"), wantErr: []string{"malformed user file"}},
		{name: "too long", file: ptr(strings.Repeat("a", 65)), wantErr: []string{"malformed user file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "work.user")
			if tt.file != nil {
				writeMode(t, path, *tt.file, 0o644)
			}
			got, err := LoadUser(dir, "work", env(tt.env))
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("LoadUser = %q, want an error", got)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("LoadUser = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	t.Run("user file is a directory", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, "work.user"), 0o700); err != nil {
			t.Fatal(err)
		}
		_, err := LoadUser(dir, "work", env(map[string]string{"USER": "bob"}))
		if err == nil || !strings.Contains(err.Error(), "cannot read user file") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestParseDurationZero(t *testing.T) {
	for _, in := range []string{"0", "00", " 0 ", "000000000", "0s"} {
		if d, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, d)
		}
	}
}

// TestKeyAndUserFiles: key and user files go through the safe reader.
func TestKeyAndUserFiles(t *testing.T) {
	special := []fileCase{
		{name: "NUL", setup: writeFile(testAccessKey + "\x00"), want: []string{"malformed", "NUL byte"}, wantErr: fsutil.ErrBinary},
		{name: "BOM", setup: writeFile("\xef\xbb\xbf" + testAccessKey + "\r\n")},
	}
	if runtime.GOOS != "windows" {
		special = append(special,
			fileCase{name: "fifo", setup: func(t *testing.T, path string) {
				if err := mkfifo(path); err != nil {
					t.Skip(err)
				}
			}, want: []string{"cannot read", "named pipe"}, wantErr: fsutil.ErrNotRegular},
			fileCase{name: "symlink to /dev/zero", setup: func(t *testing.T, path string) { os.Symlink("/dev/zero", path) },
				want: []string{"cannot read", "character device"}, wantErr: fsutil.ErrNotRegular},
		)
	}
	check := func(t *testing.T, tt fileCase, path string, err error) {
		t.Helper()
		if tt.want == nil {
			if err != nil {
				t.Fatal(err)
			}
			return
		}
		if err == nil {
			t.Fatal("no error")
		}
		for _, w := range append(tt.want, path) {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not contain %q", err, w)
			}
		}
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("error %v is not %v", err, tt.wantErr)
		}
		if strings.Contains(err.Error(), testAccessKey[:8]) {
			t.Errorf("error %q holds key material", err)
		}
	}
	for _, tt := range special {
		t.Run("key file "+tt.name, func(t *testing.T) {
			dir := t.TempDir()
			ak, sk := KeyFiles(dir, "work")
			tt.setup(t, ak)
			writeMode(t, sk, testSecretKey, 0o600)
			_, err := LoadKeys(dir, "work", nil)
			check(t, tt, ak, err)
		})
		t.Run("user file "+tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "work.user")
			tt.setup(t, path)
			u, err := LoadUser(dir, "work", func(string) string { return "bob" })
			check(t, tt, path, err)
			if err == nil && u != testAccessKey {
				t.Errorf("user %q", u)
			}
		})
	}
	for _, content := range []string{"alice\r\nbob", "alice\rbob", "ali\x01ce", "alice\x7f", "a\tb"} {
		dir := t.TempDir()
		writeMode(t, filepath.Join(dir, "work.user"), content, 0o600)
		if u, err := LoadUser(dir, "work", nil); err == nil || !strings.Contains(err.Error(), "malformed user file") {
			t.Errorf("user file %q: %q, %v", content, u, err)
		}
	}
}

// TestKeyFileModeOfTarget: the mode checked is the file read, so a
// private symlink to a readable key still warns.
func TestKeyFileModeOfTarget(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no modes")
	}
	dir := t.TempDir()
	ak, sk := KeyFiles(dir, "work")
	target := filepath.Join(t.TempDir(), "real.access_key")
	writeMode(t, target, testAccessKey, 0o644)
	if err := os.Symlink(target, ak); err != nil {
		t.Skip(err)
	}
	writeMode(t, sk, testSecretKey, 0o600)
	var warnings []string
	if _, err := LoadKeys(dir, "work", func(s string) { warnings = append(warnings, s) }); err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "mode 0644") {
		t.Errorf("warnings %q", warnings)
	}
}
