package signin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsenv/awsenv/internal/keystore"
	"github.com/awsenv/awsenv/internal/xerr"
)

// keyringClient is a client whose keyring is the encrypted-file one in
// dir, opened with password.
func (w *world) keyringClient(dir, password string) *Client {
	c := w.client()
	c.Warn = func(msg string) { w.t.Logf("warning: %s", msg) }
	c.Vault = func(setting string) (keystore.Secrets, error) {
		loc, err := keystore.ParseLocation(setting)
		if err != nil {
			return nil, err
		}
		return keystore.NewSecrets(loc, keystore.Options{CredDir: dir,
			Getenv: func(k string) string {
				if k == keystore.EnvPassword {
					return password
				}
				return ""
			}})
	}
	return c
}

func (w *world) loginWith(c *Client, keyring string) (*Login, error) {
	return c.Login(context.Background(), LoginOptions{Profile: "dev", Region: "eu-west-1", Keyring: keyring,
		Show: func(string) error { return nil }, Open: browse})
}

// items lists the keyring's items.
func items(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dir, "keyring"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	return names
}

// TestKeyringKeepsTheKey: with --keyring the DPoP key is in the keyring and
// the cache holds a reference; awsenv refreshes with the key from the
// keyring, which the stand-in checks is the login's; the Go SDK uses the
// credentials while they last and, past them, fails cleanly without a
// call; a new login or a logout deletes the item.
func TestKeyringKeepsTheKey(t *testing.T) {
	w := newWorld(t)
	dir := t.TempDir()
	c := w.keyringClient(dir, "pw")
	l, err := w.loginWith(c, "keyring:file")
	if err != nil {
		t.Fatal(err)
	}
	if l.Keyring != "keyring:file" {
		t.Errorf("Login.Keyring = %q", l.Keyring)
	}
	data, _ := os.ReadFile(w.path())
	if bytes.Contains(data, []byte("PRIVATE KEY")) || !bytes.Contains(data, []byte(`"dpopKey": "-----BEGIN AWSENV KEYRING REFERENCE-----\nItem: _login.`)) {
		t.Fatalf("cache file: %s", data)
	}
	first := items(t, dir)
	if len(first) != 1 || !strings.HasPrefix(first[0], "_login.") {
		t.Fatalf("keyring items %v", first)
	}

	// The SDK takes the fresh credentials, with no call.
	if _, err := sts.NewFromConfig(w.goSDK()).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("Go SDK on fresh credentials: %v", err)
	}
	// Past them it cannot refresh: an error, no panic, no call.
	w.expire()
	if _, err := w.goSDK().Credentials.Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), "parse ec private key") {
		t.Fatalf("Go SDK past expiry: %v", err)
	}
	if n := w.srv.Count("CreateOAuth2Token.refresh_token"); n != 0 {
		t.Fatalf("refresh_token calls before awsenv's: %d", n)
	}
	// awsenv refreshes with the key from the keyring (the stand-in refuses
	// a proof by any key but the login's), and keeps the reference.
	cr, err := w.keyringClient(dir, "pw").Credentials(context.Background(), w.session(), 5*time.Minute)
	if err != nil || cr.AccountID != "123456789012" || w.srv.Count("CreateOAuth2Token.refresh_token") != 1 {
		t.Fatalf("refresh: %v, %d calls", err, w.srv.Count("CreateOAuth2Token.refresh_token"))
	}
	if data, _ := os.ReadFile(w.path()); !bytes.Contains(data, []byte("AWSENV KEYRING REFERENCE")) {
		t.Fatal("the refresh lost the reference")
	}

	// A wrong password: one line that says so, no call.
	w.expire()
	_, err = w.keyringClient(dir, "wrong").Credentials(context.Background(), w.session(), 5*time.Minute)
	if err == nil || !strings.Contains(err.Error(), "password is wrong") || strings.Contains(err.Error(), "\n") ||
		w.srv.Count("CreateOAuth2Token.refresh_token") != 1 {
		t.Fatalf("wrong password: %v", err)
	}
	// No client that can open keyrings: one line.
	if _, err := w.client().Credentials(context.Background(), w.session(), 5*time.Minute); err == nil || !strings.Contains(err.Error(), "keyring:file") {
		t.Fatalf("no vault: %v", err)
	}

	// A login again makes a new item, then drops the old one.
	if _, err := w.loginWith(c, "keyring:file"); err != nil {
		t.Fatal(err)
	}
	if second := items(t, dir); len(second) != 1 || second[0] == first[0] {
		t.Fatalf("items after a second login: %v (first %v)", second, first)
	}
	// The key gone from the keyring: sign in again.
	for _, n := range items(t, dir) {
		os.Remove(filepath.Join(dir, "keyring", n))
	}
	w.expire()
	_, err = w.keyringClient(dir, "pw").Credentials(context.Background(), w.session(), 5*time.Minute)
	if xerr.KindOf(err) != xerr.NeedsPerson || !strings.Contains(err.Error(), "is gone from") {
		t.Fatalf("key gone: %v", err)
	}

	// A plain login replaces the session and leaves no item; a keyring
	// login then a logout, neither.
	if _, err := w.loginWith(c, "keyring:file"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.loginWith(c, ""); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(w.path()); !bytes.Contains(data, []byte("BEGIN EC PRIVATE KEY")) || len(items(t, dir)) != 0 {
		t.Fatalf("after a plain login: items %v", items(t, dir))
	}
	if _, err := w.loginWith(c, "keyring:file"); err != nil {
		t.Fatal(err)
	}
	if ok, err := c.Logout(context.Background(), w.session()); !ok || err != nil || len(items(t, dir)) != 0 {
		t.Fatalf("logout: %v %v, items %v", ok, err, items(t, dir))
	}
}

// A keyring that cannot be opened fails before the person signs in.
func TestKeyringCheckedBeforeTheSignIn(t *testing.T) {
	w := newWorld(t)
	noCalls := func(what string, before int) {
		t.Helper()
		if n := w.srv.Count("SigninAuthorize") + w.srv.Count("CreateOAuth2Token") - before; n != 0 {
			t.Errorf("%s: %d calls to the sign-in service", what, n)
		}
		if _, err := os.Stat(w.path()); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: cache file: %v", what, err)
		}
	}
	// pass with no password store.
	c := w.client()
	c.Vault = func(string) (keystore.Secrets, error) {
		return keystore.NewSecrets(keystore.Location{Keyring: true, Backend: "pass"},
			keystore.Options{CredDir: t.TempDir(), Getenv: func(k string) string {
				if k == "PASSWORD_STORE_DIR" {
					return filepath.Join(w.home, "no-store")
				}
				return ""
			}})
	}
	if _, err := w.loginWith(c, "keyring:pass"); !errors.Is(err, keystore.ErrUnavailable) {
		t.Fatalf("login with an unusable keyring: %v", err)
	}
	noCalls("pass", 0)

	// The encrypted file with a wrong password: the one that opens the
	// item already there is checked before the sign-in.
	dir := t.TempDir()
	if _, err := w.loginWith(w.keyringClient(dir, "pw"), "keyring:file"); err != nil {
		t.Fatal(err)
	}
	os.Remove(w.path())
	before := w.srv.Count("SigninAuthorize") + w.srv.Count("CreateOAuth2Token")
	if _, err := w.loginWith(w.keyringClient(dir, "wrong"), "keyring:file"); !errors.Is(err, keystore.ErrUnavailable) ||
		!strings.Contains(err.Error(), "password is wrong") {
		t.Fatalf("login with the wrong password: %v", err)
	}
	noCalls("wrong password", before)
}

// A keyring reference awsenv did not write is a problem of the cache file,
// named, with what to do, before any keyring is opened.
func TestBadKeyringReferences(t *testing.T) {
	w := newWorld(t)
	w.login()
	good, _ := os.ReadFile(w.path())
	opened := 0
	c := w.client()
	c.Vault = func(string) (keystore.Secrets, error) { opened++; return nil, errors.New("opened") }
	for _, ref := range []string{
		"Item: _login.x\nKeyring: keyringfoo\n",
		"Item: _login.x\nKeyring: keyring\n",
		"Item: _login.a b\nKeyring: keyring:file\n",
		"Item: _login.../x\nKeyring: keyring:file\n",
		"Item: work\nKeyring: keyring:file\n",
		"Item: _login.x\nKeyring: keyring:file\x1b]0;pwn\x07\n",
		"Keyring: keyring:file\n",
	} {
		pemRef := "-----BEGIN AWSENV KEYRING REFERENCE-----\n" + ref + "\n-----END AWSENV KEYRING REFERENCE-----\n"
		q, _ := json.Marshal(pemRef)
		data := bytes.Replace(good, []byte(`"dpopKey": "`), []byte(`"dpopKey": `+string(q)+`, "x": "`), 1)
		if err := os.WriteFile(w.path(), data, 0o600); err != nil {
			t.Fatal(err)
		}
		w.expire()
		_, err := c.Credentials(context.Background(), w.session(), 5*time.Minute)
		if err == nil || !strings.Contains(err.Error(), w.path()) || !strings.Contains(err.Error(), "not a keyring reference awsenv wrote") ||
			strings.ContainsAny(err.Error(), "\n\x1b") {
			t.Errorf("reference %q: %v", ref, err)
		}
		if _, err := c.Status(testARN); err == nil {
			t.Errorf("Status accepted reference %q", ref)
		}
	}
	if opened != 0 {
		t.Errorf("a keyring was opened %d times", opened)
	}
}
