package keystore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/awsenv/awsenv/internal/config"
)

// writeKeys writes key files; tests make it fail halfway.
var writeKeys = config.WriteKeys

// fileStore is the key files NAME.access_key and NAME.secret_key.
type fileStore struct {
	dir  string
	warn func(string)
}

func (s *fileStore) Where() string   { return "key files in " + s.dir }
func (s *fileStore) Setting() string { return "files" }

func (s *fileStore) Get(account string) (config.Keys, error) {
	if err := config.CheckName(account); err != nil {
		return config.Keys{}, err
	}
	keys, err := config.LoadKeys(s.dir, account, s.warn)
	if err != nil {
		ak, sk := config.KeyFiles(s.dir, account)
		if missing(ak) && missing(sk) {
			return config.Keys{}, &Error{Kind: ErrNotFound, Msg: err.Error()}
		}
		return config.Keys{}, err
	}
	return keys, nil
}

func missing(path string) bool {
	_, err := os.Lstat(path)
	return errors.Is(err, fs.ErrNotExist)
}

// Set writes both key files, each atomically. If the second cannot be
// written, the pair that was there before is put back, so the files never
// stay half new.
func (s *fileStore) Set(account string, keys config.Keys) error {
	if err := config.CheckName(account); err != nil {
		return err
	}
	if err := config.CheckKeys(keys); err != nil {
		return err
	}
	old, oldErr := config.LoadKeys(s.dir, account, nil)
	err := writeKeys(s.dir, account, keys, "")
	if err != nil && oldErr == nil {
		if rerr := writeKeys(s.dir, account, old, ""); rerr != nil {
			ak, sk := config.KeyFiles(s.dir, account)
			return fmt.Errorf("%w; putting the previous keys back failed too (%v): check %s and %s", err, rerr, ak, sk)
		}
	}
	return err
}

func (s *fileStore) Delete(account string) error {
	if err := config.CheckName(account); err != nil {
		return err
	}
	ak, sk := config.KeyFiles(s.dir, account)
	for _, p := range []string{sk, ak} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cannot remove key file %s: %w", p, err)
		}
	}
	return nil
}
