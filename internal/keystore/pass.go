package keystore

import (
	"os"
	"os/exec"
	"path/filepath"

	"github.com/99designs/keyring"
)

// passDir is the password store pass uses: $PASSWORD_STORE_DIR, else
// ~/.password-store. awsenv's entries are awsenv/NAME in it.
func passDir(opts Options) string {
	if d := opts.getenv("PASSWORD_STORE_DIR"); d != "" {
		return d
	}
	home := opts.getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".password-store")
}

// passReady says whether pass is installed and its store set up.
func passReady(opts Options) bool {
	if _, err := exec.LookPath("pass"); err != nil {
		return false
	}
	_, err := os.Stat(filepath.Join(passDir(opts), ".gpg-id"))
	return err == nil
}

func openPass(opts Options) (ring, error) {
	if _, err := exec.LookPath("pass"); err != nil {
		return nil, errorf(ErrUnavailable, "the pass keyring is not available: the pass program is not installed: install it (apt-get install pass), or set %s to another backend", EnvKeyring)
	}
	dir := passDir(opts)
	if _, err := os.Stat(filepath.Join(dir, ".gpg-id")); err != nil {
		return nil, errorf(ErrUnavailable, "the pass store %s is not set up (it has no .gpg-id): run pass init GPG-KEY-ID, or set %s to another backend", dir, EnvKeyring)
	}
	return openLibrary("pass", keyring.Config{
		AllowedBackends: []keyring.BackendType{keyring.PassBackend},
		PassDir:         dir,
		PassPrefix:      serviceName,
	})
}
