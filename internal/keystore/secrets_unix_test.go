//go:build unix

package keystore

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A FIFO or a folder where an item's file should be is refused at once:
// the keyring library would block on the FIFO.
func TestSecretsFileItemNotRegular(t *testing.T) {
	dir := t.TempDir()
	v, _ := NewSecrets(Location{Keyring: true, Backend: "file"}, Options{CredDir: dir, Getenv: env(EnvPassword, "pw")})
	if err := v.Set("_login.ok", "l", []byte("k")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "keyring", "_login.fifo"), 0o600); err != nil {
		t.Skip(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "keyring", "_login.dir"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"_login.fifo", "_login.dir"} {
		_, err := v.Get(name)
		if err == nil || !strings.Contains(err.Error(), "is not a regular file: remove it") {
			t.Errorf("Get(%s): %v", name, err)
		}
	}
}
