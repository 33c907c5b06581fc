package keystore

import (
	"bytes"
	"errors"
	"path/filepath"
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
}
