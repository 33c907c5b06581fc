package keystore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/xerr"
)

// Move is a move of one account's keys between its key files and a
// keyring: the files of Dir, the entry of the accounts file Accounts.
type Move struct {
	Dir, Accounts, Name string
	Options             Options
	// Check tells whether keys work (an STS call); the key files go only
	// once the stored copy is read back and works.
	Check func(context.Context, config.Keys) error
	Warn  func(string)
}

// Import moves the key files of m.Name into the keyring keyring ("" for
// auto), records it in the accounts-file entry, and removes the files. Any
// failure before the entry is written leaves the files as they were and the
// keyring without the keys; it returns where the keys are now.
func Import(ctx context.Context, m Move, keyring string) (string, error) {
	keys, err := config.LoadKeys(m.Dir, m.Name, m.Warn)
	if err != nil {
		return "", err
	}
	loc, err := ForNew(cmp.Or(keyring, "auto"), m.Options)
	if err != nil {
		return "", err
	}
	if loc == Files {
		return "", xerr.New(xerr.Usage, errors.New("keys import moves the key files into a keyring: name one with --keyring"), "")
	}
	store, err := New(loc, m.Options)
	if err != nil {
		return "", err
	}
	if err := store.Set(m.Name, keys); err != nil {
		return "", err
	}
	stored, err := store.Get(m.Name)
	if err == nil && stored != keys {
		err = errors.New("the keyring gave back other keys than were stored")
	}
	if err == nil && m.Check != nil {
		err = m.Check(ctx, stored)
	}
	if err == nil {
		err = config.SetAccountKeys(ctx, m.Accounts, m.Name, store.Setting())
	}
	if err != nil {
		store.Delete(m.Name)
		return "", fmt.Errorf("the key files of %s are kept: %w", m.Name, err)
	}
	ak, sk := config.KeyFiles(m.Dir, m.Name)
	os.Remove(ak)
	os.Remove(sk)
	return store.Where(), nil
}

// Export moves the keys of m.Name from store back into key files and
// records that in its accounts-file entry; it returns the access key file.
// Keys that cannot be deleted from the keyring afterwards are a warning:
// the files work.
func Export(ctx context.Context, m Move, store Store) (string, error) {
	keys, err := store.Get(m.Name)
	if err != nil {
		return "", err
	}
	if err := config.WriteKeys(m.Dir, m.Name, keys, ""); err != nil {
		return "", err
	}
	if err := config.SetAccountKeys(ctx, m.Accounts, m.Name, "files"); err != nil {
		return "", err
	}
	if err := store.Delete(m.Name); err != nil && m.Warn != nil {
		m.Warn("warning: the keys are in key files now, but could not be removed from " + store.Where() + ": " + err.Error())
	}
	ak, _ := config.KeyFiles(m.Dir, m.Name)
	return ak, nil
}
