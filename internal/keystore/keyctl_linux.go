//go:build linux

package keystore

import "golang.org/x/sys/unix"

// checkKeyctl tells why the kernel keyring cannot be used, which keyring.Open
// does not (containers often forbid the keyctl system calls).
func checkKeyctl() error {
	if _, err := unix.KeyctlGetKeyringID(unix.KEY_SPEC_USER_KEYRING, false); err != nil {
		return errorf(ErrUnavailable, "the kernel keyring (keyctl) is not available: %v: set %s to another backend", err, EnvKeyring)
	}
	return nil
}
