package keystore

import (
	"runtime"
	"slices"

	"github.com/99designs/keyring"
)

// Detect is the backend "auto" stands for on this machine, found without
// unlocking anything: macOS's keychain, Windows' Credential Manager; on
// Linux a Secret Service on the session bus, else pass when its store is set
// up; else the encrypted file. The kernel keyring is never chosen: it
// forgets its keys when the user's last session ends.
func Detect(opts Options) (string, error) {
	switch runtime.GOOS {
	case "darwin":
		if slices.Contains(keyring.AvailableBackends(), keyring.KeychainBackend) {
			return "keychain", nil
		}
	case "windows":
		return "wincred", nil
	case "linux":
		if secretServiceRunning(opts) {
			return "secret-service", nil
		}
	}
	if passReady(opts) {
		return "pass", nil
	}
	return "file", nil
}
