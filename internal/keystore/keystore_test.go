package keystore

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/awsenv/awsenv/internal/config"
)

var (
	keysA = config.Keys{AccessKeyID: "AKIAAAAAAAAAAAAAAAAA", SecretAccessKey: "secretAAAA/aaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}
	keysB = config.Keys{AccessKeyID: "AKIABBBBBBBBBBBBBBBB", SecretAccessKey: "secretBBBB+bbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}
)

// env is a test environment: nothing from the real one.
func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestParseLocation(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Location
		err  bool
	}{
		{in: "", want: Files},
		{in: "files", want: Files},
		{in: "keyring", want: Location{Keyring: true}},
		{in: "keyring:pass", want: Location{Keyring: true, Backend: "pass"}},
		{in: "keyring:secret-service", want: Location{Keyring: true, Backend: "secret-service"}},
		{in: "keyring:nope", err: true},
		{in: "pass", err: true},
	} {
		got, err := ParseLocation(tc.in)
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("ParseLocation(%q) = %+v, %v", tc.in, got, err)
		}
		if !tc.err && tc.in != "" {
			if s := got.String(); s != tc.in {
				t.Errorf("%+v.String() = %q, want %q", got, s, tc.in)
			}
		}
	}
}

// New keys go where the flag says, else $AWSENV_KEYRING, else the key files.
func TestForNew(t *testing.T) {
	for _, tc := range []struct {
		flag, envValue string
		want           Location
		err            string
	}{
		{want: Files},
		{envValue: "pass", want: Location{Keyring: true, Backend: "pass"}},
		{envValue: "auto", want: Location{Keyring: true}},
		{envValue: "files", want: Files},
		{envValue: "none", want: Files},
		{flag: "file", envValue: "pass", want: Location{Keyring: true, Backend: "file"}},
		{flag: "keyring:keyctl", want: Location{Keyring: true, Backend: "keyctl"}},
		{flag: "files", envValue: "pass", want: Files},
		{envValue: "gnome", err: `AWSENV_KEYRING="gnome": not a keyring backend: use one of secret-service, pass, keyctl, file, keychain, wincred, auto or files`},
		{flag: "kwallet", err: `--keyring="kwallet": not a keyring backend`},
	} {
		got, err := ForNew(tc.flag, Options{Getenv: env(EnvKeyring, tc.envValue)})
		if tc.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
				t.Errorf("ForNew(%q) with %s=%q: error %v, want %q", tc.flag, EnvKeyring, tc.envValue, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ForNew(%q) with %s=%q = %+v, %v; want %+v", tc.flag, EnvKeyring, tc.envValue, got, err, tc.want)
		}
	}
}

// The accounts-file entry says where an account's keys are: $AWSENV_KEYRING
// only fills in a bare "keyring".
func TestForAccount(t *testing.T) {
	dir := t.TempDir()
	opts := Options{CredDir: dir, Getenv: env(EnvKeyring, "keyctl", EnvPassword, "pw")}
	for _, tc := range []struct {
		acc     *config.Account
		setting string
	}{
		{acc: nil, setting: "files"},
		{acc: &config.Account{Name: "a"}, setting: "files"},
		{acc: &config.Account{Name: "a", KeyStore: "keyring:file"}, setting: "keyring:file"},
		{acc: &config.Account{Name: "a", KeyStore: "keyring"}, setting: "keyring:keyctl"},
	} {
		s, err := ForAccount(tc.acc, opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Setting(); got != tc.setting {
			t.Errorf("%+v: Setting() = %q, want %q", tc.acc, got, tc.setting)
		}
	}
	if _, err := ForAccount(&config.Account{Name: "a", KeyStore: "keyring:bogus"}, opts); err == nil {
		t.Error("a bogus setting was accepted")
	}
}

// contract is what every store must do; secrets must never show in errors.
func contract(t *testing.T, s Store) {
	t.Helper()
	const a, b = "kstest-a", "kstest-b"
	t.Cleanup(func() { s.Delete(a); s.Delete(b) })
	noSecret := func(err error) {
		t.Helper()
		if err != nil && (strings.Contains(err.Error(), keysA.SecretAccessKey) || strings.Contains(err.Error(), keysB.SecretAccessKey)) {
			t.Fatalf("an error shows a secret: %v", err)
		}
	}
	_, err := s.Get(a)
	noSecret(err)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of a missing account: %v, want ErrNotFound", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error is not one line: %q", err)
	}
	if err := s.Set(a, keysA); err != nil {
		noSecret(err)
		t.Fatalf("Set: %v", err)
	}
	if got, err := s.Get(a); err != nil || got != keysA {
		noSecret(err)
		t.Fatalf("Get after Set = %+v, %v", got, err)
	}
	if err := s.Set(b, keysB); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(a, keysB); err != nil {
		t.Fatalf("replacing: %v", err)
	}
	if got, err := s.Get(a); err != nil || got != keysB {
		t.Fatalf("Get after replacing = %+v, %v", got, err)
	}
	if err := s.Delete(a); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Get(a); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
	if err := s.Delete(a); err != nil {
		t.Fatalf("deleting again: %v", err)
	}
	if got, err := s.Get(b); err != nil || got != keysB {
		t.Fatalf("the other account's keys = %+v, %v", got, err)
	}
	if err := s.Set("../evil", keysA); err == nil {
		t.Error("an account name that is not one was accepted")
	}
	if err := s.Set(a, config.Keys{AccessKeyID: "x", SecretAccessKey: "y"}); err == nil {
		t.Error("malformed keys were stored")
	}
	if s.Where() == "" {
		t.Error("Where() is empty")
	}
}

// noSecretIn fails when a secret is in any file under dirs.
func noSecretIn(t *testing.T, dirs ...string) {
	t.Helper()
	for _, dir := range dirs {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return nil
			}
			data, _ := os.ReadFile(path)
			for _, k := range []config.Keys{keysA, keysB} {
				if bytes.Contains(data, []byte(k.SecretAccessKey)) {
					t.Errorf("%s holds a secret in plain text", path)
				}
			}
			return nil
		})
	}
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	s, err := New(Files, Options{CredDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	contract(t, s)
	if s.Setting() != "files" || s.Where() != "key files in "+dir {
		t.Errorf("Setting %q, Where %q", s.Setting(), s.Where())
	}
	// The files are today's layout.
	if err := s.Set("work", keysA); err != nil {
		t.Fatal(err)
	}
	got, err := config.LoadKeys(dir, "work", nil)
	if err != nil || got != keysA {
		t.Fatalf("LoadKeys = %+v, %v", got, err)
	}
	// Half a pair is an error that names the file, not "not found".
	os.Remove(filepath.Join(dir, "work.secret_key"))
	if _, err := s.Get("work"); err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "work.secret_key") {
		t.Errorf("half a pair: %v", err)
	}
}

// A pair that cannot be written whole is put back as it was.
func TestFilesSetKeepsOldPair(t *testing.T) {
	dir := t.TempDir()
	s, _ := New(Files, Options{CredDir: dir})
	if err := s.Set("work", keysA); err != nil {
		t.Fatal(err)
	}
	calls := 0
	writeKeys = func(dir, name string, keys config.Keys, user string) error {
		calls++
		if calls > 1 {
			return config.WriteKeys(dir, name, keys, user)
		}
		// The access key file is replaced, then the disk is full.
		ak, _ := config.KeyFiles(dir, name)
		os.WriteFile(ak, []byte(keys.AccessKeyID+"\n"), 0o600)
		return errors.New("no space left on device")
	}
	t.Cleanup(func() { writeKeys = config.WriteKeys })
	if err := s.Set("work", keysB); err == nil || !strings.Contains(err.Error(), "no space") {
		t.Fatalf("Set: %v", err)
	}
	if got, err := s.Get("work"); err != nil || got != keysA {
		t.Fatalf("after a failed Set: %+v, %v", got, err)
	}
}

// The encrypted-file keyring: encrypted at rest, one password per store,
// asked for only when keys are needed, and atomic replacement.
func TestEncryptedFile(t *testing.T) {
	dir := t.TempDir()
	var prompts int
	opts := Options{CredDir: dir, Getenv: env(), Password: func(string) (string, error) { prompts++; return "test password", nil }}
	s, err := New(Location{Keyring: true, Backend: "file"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if s.Where() != "the encrypted-file keyring in "+filepath.Join(dir, "keyring") || s.Setting() != "keyring:file" {
		t.Errorf("Where %q, Setting %q", s.Where(), s.Setting())
	}
	if _, err := os.Stat(filepath.Join(dir, "keyring")); err == nil || prompts != 0 {
		t.Fatalf("New opened the keyring (%d prompts)", prompts)
	}
	contract(t, s)
	if prompts != 2 { // a new keyring's password is asked for twice
		t.Errorf("%d prompts for a new keyring in one store, want 2", prompts)
	}
	noSecretIn(t, dir)

	// A second command: one prompt, however many calls.
	prompts = 0
	s2, _ := New(Location{Keyring: true, Backend: "file"}, opts)
	if _, err := s2.Get("kstest-b"); err != nil {
		t.Fatal(err)
	}
	if err := s2.Set("kstest-b", keysA); err != nil {
		t.Fatal(err)
	}
	if got, err := s2.Get("kstest-b"); err != nil || got != keysA {
		t.Fatal(got, err)
	}
	if prompts != 1 {
		t.Errorf("%d prompts in one store, want 1", prompts)
	}
	if names := itemNames(filepath.Join(dir, "keyring"), ""); len(names) != 1 {
		t.Errorf("keyring folder holds %v (a staging leftover?)", names)
	}

	// A wrong password is one clear line, and cannot add a key the right
	// password would not open.
	bad := Options{CredDir: dir, Getenv: env(EnvPassword, "wrong")}
	s3, _ := New(Location{Keyring: true, Backend: "file"}, bad)
	_, err = s3.Get("kstest-b")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "the password is wrong") {
		t.Errorf("wrong password: %v", err)
	}
	if err := s3.Set("other", keysB); err == nil || !strings.Contains(err.Error(), "the password is wrong") {
		t.Errorf("Set with a wrong password: %v", err)
	}

	// No password and no way to ask.
	s4, _ := New(Location{Keyring: true, Backend: "file"}, Options{CredDir: dir, Getenv: env()})
	_, err = s4.Get("kstest-b")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "set AWSENV_KEYRING_PASSWORD") {
		t.Errorf("no password: %v", err)
	}
	// $AWSENV_KEYRING_FILE_DIR moves it.
	other := t.TempDir()
	s5, _ := New(Location{Keyring: true, Backend: "file"}, Options{CredDir: dir, Getenv: env(EnvPassword, "pw", EnvFileDir, other)})
	if err := s5.Set("moved", keysA); err != nil {
		t.Fatal(err)
	}
	if names := itemNames(other, ""); len(names) != 1 || names[0] != "moved" {
		t.Errorf("%s holds %v", other, names)
	}
}

// The kernel keyring, where the system calls are allowed.
func TestKeyctl(t *testing.T) {
	if err := checkKeyctl(); err != nil {
		t.Skipf("no kernel keyring here: %v", err)
	}
	s, err := New(Location{Keyring: true, Backend: "keyctl"}, Options{CredDir: t.TempDir(), Getenv: env()})
	if err != nil {
		t.Fatal(err)
	}
	contract(t, s)
}

// An unknown backend in a location made by hand is refused.
func TestNewRefusesUnknownBackend(t *testing.T) {
	if _, err := New(Location{Keyring: true, Backend: "kwallet"}, Options{}); err == nil {
		t.Error("kwallet accepted")
	}
}

// A password that cannot be asked for (no terminal) is said as such, not as
// a wrong password.
func TestEncryptedFilePasswordNotAsked(t *testing.T) {
	dir := t.TempDir()
	s, _ := New(Location{Keyring: true, Backend: "file"}, Options{CredDir: dir, Getenv: env(EnvPassword, "pw")})
	if err := s.Set("kstest", keysA); err != nil {
		t.Fatal(err)
	}
	noTTY := Options{CredDir: dir, Getenv: env(), Password: func(string) (string, error) {
		return "", errors.New("open /dev/tty: no such device or address")
	}}
	s2, _ := New(Location{Keyring: true, Backend: "file"}, noTTY)
	_, err := s2.Get("kstest")
	if !errors.Is(err, ErrUnavailable) || strings.Contains(err.Error(), "wrong") || !strings.Contains(err.Error(), "set AWSENV_KEYRING_PASSWORD") ||
		strings.Contains(err.Error(), "/dev/tty") {
		t.Errorf("no terminal: %v", err)
	}
}
