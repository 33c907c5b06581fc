package signin

import (
	"crypto/ecdsa"
	"errors"
	"fmt"

	"github.com/awsenv/awsenv/internal/keystore"
	"github.com/awsenv/awsenv/internal/xerr"
)

// vault opens the keyring a reference, or login --keyring, names.
func (c *Client) vault(setting string) (keystore.Secrets, error) {
	if c.Vault == nil {
		return nil, errors.New("this program cannot open keyrings for aws login keys")
	}
	return c.Vault(setting)
}

// dpopKey is the session's private key: the cache file's, or the one in
// the keyring the file points to (opened only now, for a refresh).
func (c *Client) dpopKey(t *token, s Session, path string) (*ecdsa.PrivateKey, error) {
	key, ref, err := readDPoPKey(t.DPoPKey)
	if err != nil {
		return nil, xerr.New(xerr.Failed, &FileError{path, err.Error()}, "remove it and run '"+s.loginCommand()+"'")
	}
	if ref == nil {
		return key, nil
	}
	v, err := c.vault(ref.Keyring)
	if err != nil {
		return nil, fmt.Errorf("the aws login of profile %s keeps its key in %s: %w", s.Profile, ref.Keyring, err)
	}
	data, err := v.Get(ref.Item)
	if errors.Is(err, keystore.ErrNotFound) {
		return nil, s.needsLogin("the key of the aws login of profile %s is gone from %s (item %s)", s.Profile, v.Where(), ref.Item)
	}
	if err != nil {
		return nil, err // the keyring's own line: what to do about it
	}
	if key, err = parseKeyPEM(string(data)); err != nil {
		return nil, s.needsLogin("the item %s in %s does not hold the key of an aws login", ref.Item, v.Where())
	}
	return key, nil
}

// dropKey deletes the keyring item that dpopKey, a replaced or logged-out
// session's, points to, unless it is keep. A failure is told, not
// returned: the session is already gone or replaced.
func (c *Client) dropKey(dpopKey, keep string) {
	_, ref, _ := readDPoPKey(dpopKey)
	if ref == nil || ref.Item == keep {
		return
	}
	v, err := c.vault(ref.Keyring)
	if err == nil {
		err = v.Delete(ref.Item)
	}
	if err != nil {
		c.warn("the old aws login key stays in %s as item %s (%s): delete it there", ref.Keyring, ref.Item, xerr.OneLine(xerr.Root(err).Error()))
	}
}
