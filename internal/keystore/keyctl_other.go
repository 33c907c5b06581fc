//go:build !linux

package keystore

func checkKeyctl() error {
	return errorf(ErrUnavailable, "the kernel keyring (keyctl) is only on Linux: set %s to another backend", EnvKeyring)
}
