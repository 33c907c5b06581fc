package keystore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/99designs/keyring"
)

// fileRing is keyring's encrypted-file backend (one JWE file per account,
// encrypted with a key derived from a password), made atomic: the library
// writes an item in place, so a crash could leave the only copy of a new key
// torn. Set has the library write into a staging folder beside the items
// and renames the file into place.
type fileRing struct {
	dir      string
	lib      keyring.Keyring
	password keyring.PromptFunc
}

func (s *ringStore) openFile() (ring, error) {
	dir := s.opts.fileDir()
	pw := func(string) (string, error) { return s.filePassword(dir) }
	lib, err := keyring.Open(keyring.Config{
		AllowedBackends:  []keyring.BackendType{keyring.FileBackend},
		FileDir:          dir,
		FilePasswordFunc: pw,
	})
	if err != nil {
		return nil, fmt.Errorf("cannot open the encrypted-file keyring in %s: %w", dir, err)
	}
	return &fileRing{dir: dir, lib: lib, password: pw}, nil
}

// filePassword is the password of the keyring in dir: asked for once per
// command, twice when the keyring is new.
func (s *ringStore) filePassword(dir string) (string, error) {
	s.pwMu.Lock()
	defer s.pwMu.Unlock()
	if s.password != nil {
		return *s.password, nil
	}
	if pw := s.opts.getenv(EnvPassword); pw != "" {
		s.password = &pw
		return pw, nil
	}
	if s.opts.Password == nil {
		return "", errorf(ErrUnavailable, "the encrypted-file keyring in %s needs its password: run awsenv in a terminal, or set %s", dir, EnvPassword)
	}
	creating := len(itemNames(dir, "")) == 0
	prompt := "Password of the awsenv keyring in " + dir + ": "
	if creating {
		prompt = "New password for the awsenv keyring in " + dir + ": "
	}
	pw, err := s.opts.Password(prompt)
	if err != nil {
		// Said as the keyring's: the library would word any other error
		// as a wrong password. The asker's own words are not kept: they
		// are about what it asks for usually (an MFA code).
		return "", errorf(ErrUnavailable, "the encrypted-file keyring in %s needs its password, which cannot be asked for here: run awsenv in a terminal, or set %s",
			dir, EnvPassword)
	}
	if pw == "" {
		return "", errorf(ErrUnavailable, "the encrypted-file keyring in %s needs a password, and none was given: run the command again", dir)
	}
	if creating {
		again, err := s.opts.Password("The same password again: ")
		if err != nil {
			return "", err
		}
		if again != pw {
			return "", errorf(ErrUnavailable, "the two passwords for the new keyring in %s differ: run the command again", dir)
		}
	}
	s.password = &pw
	return pw, nil
}

// itemNames lists the items of the keyring in dir but skip.
func itemNames(dir, skip string) []string {
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		if n := e.Name(); !strings.HasPrefix(n, ".") && e.Type().IsRegular() && n != skip {
			names = append(names, n)
		}
	}
	return names
}

func (r *fileRing) Get(account string) (keyring.Item, error) {
	// The library opens the item's file as it is: a FIFO there would block
	// forever. Names never hold the "/" or "%" it escapes.
	if fi, err := os.Lstat(filepath.Join(r.dir, account)); err == nil && !fi.Mode().IsRegular() {
		return keyring.Item{}, errorf(nil, "the item %q in the encrypted-file keyring in %s is not a regular file: remove it", account, r.dir)
	}
	item, err := r.lib.Get(account)
	if err == nil || errors.Is(err, keyring.ErrKeyNotFound) {
		return item, err
	}
	var e *Error
	var pe *fs.PathError
	if errors.As(err, &e) || errors.As(err, &pe) {
		return item, err
	}
	return item, r.undecryptable(account)
}

func (r *fileRing) undecryptable(account string) error {
	return errorf(ErrUnavailable, "cannot decrypt %q in the encrypted-file keyring in %s: the password is wrong (or the file is damaged): run the command again with the right password",
		account, r.dir)
}

func (r *fileRing) Set(item keyring.Item) error {
	// A new item encrypted with a mistyped password could never be read
	// again: the password must open the items already there.
	if others := itemNames(r.dir, item.Key); len(others) > 0 {
		if _, err := r.Get(others[0]); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(r.dir, 0o700); err != nil {
		return err
	}
	stage, err := os.MkdirTemp(r.dir, ".stage-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	staged, err := keyring.Open(keyring.Config{
		AllowedBackends:  []keyring.BackendType{keyring.FileBackend},
		FileDir:          stage,
		FilePasswordFunc: r.password,
	})
	if err != nil {
		return err
	}
	if err := staged.Set(item); err != nil {
		return err
	}
	names := itemNames(stage, "")
	if len(names) != 1 {
		return errors.New("the staged item is missing")
	}
	from := filepath.Join(stage, names[0])
	if f, err := os.Open(from); err == nil {
		err = f.Sync()
		f.Close()
		if err != nil {
			return err
		}
	}
	if err := os.Rename(from, filepath.Join(r.dir, names[0])); err != nil {
		return err
	}
	if d, err := os.Open(r.dir); err == nil {
		d.Sync() // best effort: make the rename durable
		d.Close()
	}
	return nil
}

func (r *fileRing) Remove(account string) error {
	return r.lib.Remove(account)
}
