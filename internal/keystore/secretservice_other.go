//go:build !linux

package keystore

func openSecretService(Options) (ring, error) {
	return nil, errorf(ErrUnavailable, "the secret-service keyring is only on Linux: set %s to another backend", EnvKeyring)
}
