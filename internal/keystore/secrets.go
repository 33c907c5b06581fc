package keystore

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/99designs/keyring"

	"github.com/awsenv/awsenv/internal/config"
)

// Secrets keeps awsenv's secrets other than account keys (an aws login's
// DPoP private key) in a keyring backend, beside the accounts' keys. Their
// item names begin with "_", which no account name does, so the two never
// meet.
type Secrets interface {
	// Get returns the secret; an error matching ErrNotFound when the
	// keyring has none of that name.
	Get(name string) ([]byte, error)
	// Set stores the secret under name, replacing what was there; label
	// is what the keyring shows a person.
	Set(name, label string, data []byte) error
	// Delete removes the secret; one that is not there is no error.
	Delete(name string) error
	// Unlock opens the keyring now, asking for what it needs (the
	// encrypted file's password, checked against its items), so that a
	// keyring that cannot be used fails before work that would be lost.
	Unlock() error
	// Where says, for messages, which keyring it is.
	Where() string
	// Setting is where the secret is, in the form ParseLocation reads
	// ("keyring:BACKEND"), for a reference to it.
	Setting() string
}

// NewSecrets is the keyring at loc, for secrets. It opens nothing: the
// keyring is opened (and unlocked) by the first Get, Set or Delete.
func NewSecrets(loc Location, opts Options) (Secrets, error) {
	if !loc.Keyring {
		return nil, errors.New("secrets are kept only in a keyring: name a keyring backend")
	}
	s, err := New(loc, opts)
	if err != nil {
		return nil, err
	}
	return secrets{s.(*ringStore)}, nil
}

type secrets struct{ s *ringStore }

// CheckSecretName checks the name of a secret: "_" and then what an account
// name may hold.
func CheckSecretName(name string) error {
	rest, ok := strings.CutPrefix(name, "_")
	if !ok || config.CheckName(rest) != nil {
		return fmt.Errorf("%q is not the name of an awsenv secret (\"_\" and then letters, digits and - _ . @ +)", name)
	}
	return nil
}

func (v secrets) Where() string   { return v.s.Where() }
func (v secrets) Setting() string { return v.s.Setting() }

func (v secrets) Unlock() error {
	r, b, err := v.s.open()
	if err != nil {
		return err
	}
	fr, ok := r.(*fileRing)
	if !ok {
		return nil // the others unlock when they open
	}
	if _, err := fr.password(""); err != nil {
		return err
	}
	if items := itemNames(fr.dir, ""); len(items) > 0 {
		if _, err := fr.Get(items[0]); err != nil {
			return v.s.explainItem(b, "open", "the keyring", err)
		}
	}
	return nil
}

func (v secrets) Get(name string) ([]byte, error) {
	if err := CheckSecretName(name); err != nil {
		return nil, err
	}
	r, b, err := v.s.open()
	if err != nil {
		return nil, err
	}
	item, err := r.Get(name)
	if errors.Is(err, keyring.ErrKeyNotFound) || errors.Is(err, fs.ErrNotExist) {
		return nil, errorf(ErrNotFound, "%s holds no item %q", v.s.where(b), name)
	}
	if err != nil {
		return nil, v.s.explainItem(b, "read", "the item "+quote(name), err)
	}
	return item.Data, nil
}

func (v secrets) Set(name, label string, data []byte) error {
	if err := CheckSecretName(name); err != nil {
		return err
	}
	r, b, err := v.s.open()
	if err != nil {
		return err
	}
	item := keyring.Item{Key: name, Data: data, Label: label, Description: label, KeychainNotSynchronizable: true}
	if err := r.Set(item); err != nil {
		return v.s.explainItem(b, "store", "the item "+quote(name), err)
	}
	return nil
}

func (v secrets) Delete(name string) error {
	if err := CheckSecretName(name); err != nil {
		return err
	}
	r, b, err := v.s.open()
	if err != nil {
		return err
	}
	if err := r.Remove(name); err != nil && !errors.Is(err, keyring.ErrKeyNotFound) && !errors.Is(err, fs.ErrNotExist) {
		return v.s.explainItem(b, "delete", "the item "+quote(name), err)
	}
	return nil
}

func quote(s string) string { return fmt.Sprintf("%q", s) }
