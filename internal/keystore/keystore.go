// Package keystore keeps an account's long-lived IAM user keys: in the key
// files NAME.access_key / NAME.secret_key (the layout of the helpers awsenv
// replaces), or in an OS keyring through github.com/99designs/keyring.
//
// Where an account's keys live is recorded in its accounts-file entry
// ("keys", config.Account.KeyStore):
//
//	absent or "files"   the key files in the credential directory
//	"keyring:BACKEND"   that keyring backend (config.KeyringBackends)
//	"keyring"           the backend $AWSENV_KEYRING names, else the one
//	                    found on this machine (Detect)
//
// An account that is not in the accounts file has key files. For keys that
// are about to be stored (awsenv add, keys import), ForNew chooses: a flag,
// else $AWSENV_KEYRING, else the key files. $AWSENV_KEYRING never moves the
// keys of an account whose entry names a backend: the entry says where they
// are.
//
// No keyring is opened until Get, Set or Delete is called (Where and Setting
// of a bare "keyring" only look which backend is there), and a Store opens
// and unlocks its keyring at most once, so a command unlocks at most once.
// Linking this package costs no D-Bus traffic at start-up (see
// internal/nobus). Errors never hold key material, and a keyring that cannot
// be used is one line, matching ErrUnavailable, that names the backend and
// what to do.
//
// The backends:
//
//	secret-service  GNOME Keyring, KWallet, KeePassXC over D-Bus: the user's
//	                default collection (unlocked at login), items with the
//	                attributes application=awsenv account=NAME. A locked
//	                collection is unlocked through the keyring's own prompt
//	                when there is a display, else it is an error at once.
//	pass            entries awsenv/NAME in $PASSWORD_STORE_DIR or
//	                ~/.password-store, through the pass program (and gpg)
//	keyctl          the kernel's user keyring: forgotten when the user's last
//	                session ends, so never chosen by "auto"
//	file            one JWE file per account in $AWSENV_KEYRING_FILE_DIR or
//	                <credential dir>/keyring, encrypted with a password
//	                ($AWSENV_KEYRING_PASSWORD, else Options.Password asks)
//	keychain        macOS Keychain (awsenv built with cgo), service "awsenv"
//	wincred         Windows Credential Manager, targets "awsenv:awsenv:NAME"
//
// keychain and wincred are written against keyring's documented
// configuration and are not tested on these Linux machines.
package keystore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/awsenv/awsenv/internal/config"
)

// Store is where one kind of storage keeps accounts' keys.
type Store interface {
	// Get returns the account's keys; an error matching ErrNotFound when
	// the store has none.
	Get(account string) (config.Keys, error)
	// Set stores the account's keys, replacing what was there in one step.
	Set(account string, keys config.Keys) error
	// Delete removes the account's keys; keys that are not there are no error.
	Delete(account string) error
	// Where says, for messages, where the keys are kept ("key files in
	// /home/u/aws-creds", "the pass store /home/u/.password-store").
	Where() string
	// Setting is the accounts-file "keys" value for this store: "files" or
	// "keyring:BACKEND".
	Setting() string
}

// ErrNotFound is matched (errors.Is) by the error of Get when the store
// holds no keys for the account.
var ErrNotFound = errors.New("no keys stored")

// ErrUnavailable is matched by the error of a keyring that cannot be used
// now: not installed, not running, locked with no way to ask, no password.
var ErrUnavailable = errors.New("keyring unavailable")

// Error is a keystore error: one line that says what to do.
type Error struct {
	Kind error // ErrNotFound, ErrUnavailable or nil
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Is makes errors.Is(err, ErrNotFound) and errors.Is(err, ErrUnavailable) work.
func (e *Error) Is(target error) bool { return target != nil && target == e.Kind }

func errorf(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Environment variables the package reads through Options.Getenv.
const (
	// EnvKeyring chooses the backend for new keys and for accounts whose
	// entry says "keyring": a name of config.KeyringBackends, "auto" (Detect),
	// or "files"/"none" (the key files, for new keys).
	EnvKeyring = "AWSENV_KEYRING"
	// EnvPassword is the encrypted-file keyring's password, for scripts and
	// tests; without it the password is asked for (Options.Password).
	EnvPassword = "AWSENV_KEYRING_PASSWORD"
	// EnvFileDir is the encrypted-file keyring's folder (default
	// <credential dir>/keyring).
	EnvFileDir = "AWSENV_KEYRING_FILE_DIR"
)

// Options are what the stores need from the command that uses them.
type Options struct {
	// CredDir is the credential directory of the key files.
	CredDir string
	// Getenv reads the environment (os.Getenv when nil).
	Getenv func(string) string
	// Warn reports a key file that others can read (nil: not reported).
	Warn func(string)
	// Password asks a person for the encrypted-file keyring's password
	// (from the terminal, never stdout); nil means only $AWSENV_KEYRING_PASSWORD.
	Password func(prompt string) (string, error)
}

func (o Options) getenv(k string) string {
	if o.Getenv == nil {
		return os.Getenv(k)
	}
	return o.Getenv(k)
}

func (o Options) fileDir() string {
	if d := o.getenv(EnvFileDir); d != "" {
		return d
	}
	return filepath.Join(o.CredDir, "keyring")
}

// Location is where keys live: the key files, or a keyring backend.
type Location struct {
	Keyring bool
	// Backend is one of config.KeyringBackends; "" (with Keyring) means
	// $AWSENV_KEYRING, else Detect.
	Backend string
}

// Files is the location of the key files.
var Files = Location{}

// ParseLocation reads an accounts-file "keys" value (config.Account.KeyStore):
// "" or "files", "keyring", "keyring:BACKEND".
func ParseLocation(s string) (Location, error) {
	switch {
	case s == "" || s == "files":
		return Files, nil
	case s == "keyring":
		return Location{Keyring: true}, nil
	}
	if b, ok := strings.CutPrefix(s, "keyring:"); ok && slices.Contains(config.KeyringBackends, b) {
		return Location{Keyring: true, Backend: b}, nil
	}
	return Files, fmt.Errorf("keys %q is not \"files\", \"keyring\" or \"keyring:BACKEND\" with BACKEND one of %s",
		s, strings.Join(config.KeyringBackends, ", "))
}

// String is the accounts-file value of l.
func (l Location) String() string {
	switch {
	case !l.Keyring:
		return "files"
	case l.Backend == "":
		return "keyring"
	}
	return "keyring:" + l.Backend
}

// ForAccount is the store of an account's keys: acc is its accounts-file
// entry, nil for an account that only has key files. It opens nothing.
func ForAccount(acc *config.Account, opts Options) (Store, error) {
	loc := Files
	if acc != nil {
		var err error
		if loc, err = ParseLocation(acc.KeyStore); err != nil {
			return nil, fmt.Errorf("account %q: %w", acc.Name, err)
		}
	}
	return New(loc, opts)
}

// ForNew chooses where new keys go: flag ("" when not given; "files",
// "keyring", "keyring:BACKEND", a bare BACKEND or "auto"), else
// $AWSENV_KEYRING, else the key files.
func ForNew(flag string, opts Options) (Location, error) {
	from, v := "--keyring", flag
	if v == "" {
		from, v = EnvKeyring, opts.getenv(EnvKeyring)
	}
	loc, err := parseChoice(v)
	if err != nil {
		return Files, fmt.Errorf("%s=%q: %w", from, v, err)
	}
	return loc, nil
}

// parseChoice reads a choice of backend as a person types it.
func parseChoice(v string) (Location, error) {
	switch v {
	case "", "files", "none":
		return Files, nil
	case "auto", "keyring":
		return Location{Keyring: true}, nil
	}
	if slices.Contains(config.KeyringBackends, v) {
		return Location{Keyring: true, Backend: v}, nil
	}
	if loc, err := ParseLocation(v); err == nil {
		return loc, nil
	}
	return Files, fmt.Errorf("not a keyring backend: use one of %s, auto or files", strings.Join(config.KeyringBackends, ", "))
}

// New is the store at loc. It opens nothing: a keyring is opened by the
// first Get, Set or Delete.
func New(loc Location, opts Options) (Store, error) {
	if !loc.Keyring {
		return &fileStore{dir: opts.CredDir, warn: opts.Warn}, nil
	}
	if loc.Backend != "" && !slices.Contains(config.KeyringBackends, loc.Backend) {
		return nil, fmt.Errorf("%q is not a keyring backend: use one of %s", loc.Backend, strings.Join(config.KeyringBackends, ", "))
	}
	return &ringStore{requested: loc.Backend, opts: opts}, nil
}
