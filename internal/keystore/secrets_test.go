package keystore

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// Secrets share the keyring with the accounts' keys, under names no account
// can have, and are stored, read back and deleted whole.
func TestSecretsInTheFileKeyring(t *testing.T) {
	dir := t.TempDir()
	opts := Options{CredDir: dir, Getenv: env(EnvPassword, "pw")}
	v, err := NewSecrets(Location{Keyring: true, Backend: "file"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if v.Setting() != "keyring:file" {
		t.Errorf("Setting %q", v.Setting())
	}
	keys, _ := New(Location{Keyring: true, Backend: "file"}, opts)
	if err := keys.Set("login.x", keysA); err != nil { // an account whose name is the secret's without "_"
		t.Fatal(err)
	}
	secret := []byte("-----BEGIN EC PRIVATE KEY-----\nsecret\n-----END EC PRIVATE KEY-----\n")
	if err := v.Set("_login.x", "awsenv aws login key", secret); err != nil {
		t.Fatal(err)
	}
	if got, err := v.Get("_login.x"); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if got, err := keys.Get("login.x"); err != nil || got != keysA {
		t.Fatalf("the account's keys after the secret was stored: %v, %v", got, err)
	}
	noSecretIn(t, dir)

	// Another command (a new store) reads it.
	v2, _ := NewSecrets(Location{Keyring: true, Backend: "file"}, opts)
	if got, err := v2.Get("_login.x"); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Get in a second store = %q, %v", got, err)
	}
	if err := v2.Delete("_login.x"); err != nil {
		t.Fatal(err)
	}
	if err := v2.Delete("_login.x"); err != nil {
		t.Errorf("deleting what is gone: %v", err)
	}
	if _, err := v2.Get("_login.x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after Delete: %v", err)
	}
	if names := itemNames(filepath.Join(dir, "keyring"), ""); len(names) != 1 || names[0] != "login.x" {
		t.Errorf("keyring holds %v, want only the account's keys", names)
	}

	// Names an account could have, or a path, are refused before any keyring is opened.
	for _, bad := range []string{"login", "_", "_../x", "_a/b", "__x", ""} {
		if err := v2.Set(bad, "l", secret); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
	if _, err := NewSecrets(Files, opts); err == nil {
		t.Error("secrets in the key files accepted")
	}
	secretsContract(t, v2)
}

// Unlock asks for the file keyring's password at once, checks it against
// the items there, and the store then uses it without asking again.
func TestSecretsUnlock(t *testing.T) {
	dir := t.TempDir()
	keys, _ := New(Location{Keyring: true, Backend: "file"}, Options{CredDir: dir, Getenv: env(EnvPassword, "pw")})
	if err := keys.Set("work", keysA); err != nil {
		t.Fatal(err)
	}
	var prompts int
	ask := func(pw string) Options {
		return Options{CredDir: dir, Getenv: env(), Password: func(string) (string, error) { prompts++; return pw, nil }}
	}
	v, _ := NewSecrets(Location{Keyring: true, Backend: "file"}, ask("wrong"))
	if err := v.Unlock(); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "password is wrong") {
		t.Errorf("Unlock with a wrong password: %v", err)
	}
	prompts = 0
	v, _ = NewSecrets(Location{Keyring: true, Backend: "file"}, ask("pw"))
	if err := v.Unlock(); err != nil || prompts != 1 {
		t.Fatalf("Unlock: %v, %d prompts", err, prompts)
	}
	if err := v.Set("_login.x", "l", []byte("k")); err != nil || prompts != 1 {
		t.Errorf("Set after Unlock: %v, %d prompts", err, prompts)
	}
}

// secretsContract: a secret (a PEM key, its trailing newline included)
// comes back byte for byte, is gone after Delete, and Unlock opens the
// backend.
func secretsContract(t *testing.T, v Secrets) {
	t.Helper()
	if err := v.Unlock(); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	pem := []byte("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA==\n-----END EC PRIVATE KEY-----\n")
	if err := v.Set("_login.contract", "awsenv test", pem); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if got, err := v.Get("_login.contract"); err != nil || !bytes.Equal(got, pem) {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if err := v.Delete("_login.contract"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := v.Get("_login.contract"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after Delete: %v", err)
	}
}

func TestSecretsKeyctl(t *testing.T) {
	if err := checkKeyctl(); err != nil {
		t.Skipf("no kernel keyring here: %v", err)
	}
	v, err := NewSecrets(Location{Keyring: true, Backend: "keyctl"}, Options{CredDir: t.TempDir(), Getenv: env()})
	if err != nil {
		t.Fatal(err)
	}
	secretsContract(t, v)
}
