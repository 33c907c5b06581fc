package keystore

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"strings"
	"sync"

	"github.com/99designs/keyring"

	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/keystore/internal/nobus"
	"github.com/awsenv/awsenv/internal/xerr"
)

func init() {
	// keyring's init has run (this package imports it) with the session bus
	// hidden; later D-Bus connections, made by this package when a
	// secret-service keyring is opened, see the real address.
	nobus.Restore()
}

// serviceName names awsenv's items in the keyrings that group them by
// application (Keychain, Credential Manager, the kernel keyring, pass).
const serviceName = "awsenv"

// storedKeys is what a keyring item holds.
type storedKeys struct {
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
}

// ring is an opened keyring backend.
type ring interface {
	Get(account string) (keyring.Item, error)
	Set(item keyring.Item) error
	Remove(account string) error
}

// ringStore is an account's keys in a keyring backend, opened on first use
// and then kept: one unlock per command.
type ringStore struct {
	requested string // "" for $AWSENV_KEYRING, else Detect
	opts      Options

	mu      sync.Mutex
	backend string // resolved; "" until then
	opened  bool
	ring    ring
	openErr error

	pwMu     sync.Mutex
	password *string // the encrypted-file keyring's, once known
}

func (s *ringStore) resolve() (string, error) {
	if s.backend != "" {
		return s.backend, nil
	}
	b := s.requested
	if b == "" {
		if v := s.opts.getenv(EnvKeyring); v != "" {
			if loc, err := parseChoice(v); err == nil && loc.Backend != "" {
				b = loc.Backend
			}
		}
	}
	if b == "" {
		var err error
		if b, err = Detect(s.opts); err != nil {
			return "", err
		}
	}
	s.backend = b
	return b, nil
}

func (s *ringStore) Where() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.resolve()
	if err != nil {
		return "the keyring"
	}
	return s.where(b)
}

func (s *ringStore) where(backend string) string {
	switch backend {
	case "secret-service":
		return "the secret-service keyring"
	case "pass":
		return "the pass store " + passDir(s.opts)
	case "keyctl":
		return "the kernel keyring (keyctl, user scope)"
	case "file":
		return "the encrypted-file keyring in " + s.opts.fileDir()
	case "keychain":
		return "the macOS keychain"
	case "wincred":
		return "the Windows Credential Manager"
	}
	return "the " + backend + " keyring"
}

func (s *ringStore) Setting() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.resolve()
	if err != nil {
		return "keyring"
	}
	return "keyring:" + b
}

// open opens the backend once; a failure is kept too, so a command asks
// (or fails) once.
func (s *ringStore) open() (ring, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opened {
		return s.ring, s.backend, s.openErr
	}
	s.opened = true
	b, err := s.resolve()
	if err != nil {
		s.openErr = err
		return nil, "", err
	}
	s.ring, s.openErr = s.openBackend(b)
	return s.ring, b, s.openErr
}

func (s *ringStore) openBackend(b string) (ring, error) {
	switch b {
	case "secret-service":
		return openSecretService(s.opts)
	case "file":
		return s.openFile()
	case "pass":
		return openPass(s.opts)
	case "keyctl":
		if err := checkKeyctl(); err != nil {
			return nil, err
		}
		return openLibrary(b, keyring.Config{
			AllowedBackends: []keyring.BackendType{keyring.KeyCtlBackend},
			ServiceName:     serviceName,
			KeyCtlScope:     "user",
		})
	case "keychain":
		// Written against keyring's documented Config; macOS cannot be tested here.
		return openLibrary(b, keyring.Config{
			AllowedBackends:                []keyring.BackendType{keyring.KeychainBackend},
			ServiceName:                    serviceName,
			KeychainTrustApplication:       true,
			KeychainAccessibleWhenUnlocked: true,
		})
	case "wincred":
		// Written against keyring's documented Config; Windows cannot be tested here.
		return openLibrary(b, keyring.Config{
			AllowedBackends: []keyring.BackendType{keyring.WinCredBackend},
			ServiceName:     serviceName,
			WinCredPrefix:   serviceName,
		})
	}
	return nil, fmt.Errorf("%q is not a keyring backend: use one of %s", b, strings.Join(config.KeyringBackends, ", "))
}

// openLibrary opens one of keyring's own backends. keyring.Open says only
// that none of the allowed backends opened: the reason is given here.
func openLibrary(b string, cfg keyring.Config) (ring, error) {
	r, err := keyring.Open(cfg)
	if err == nil {
		return r, nil
	}
	why := "this build of awsenv has no such backend on this system"
	switch b {
	case "keychain":
		why = "the macOS keychain is only in awsenv built for macOS with cgo"
	case "wincred":
		why = "the Windows Credential Manager is only on Windows"
	}
	return nil, errorf(ErrUnavailable, "the %s keyring is not available: %s: set %s to another backend (%s)",
		b, why, EnvKeyring, strings.Join(config.KeyringBackends, ", "))
}

func (s *ringStore) Get(account string) (config.Keys, error) {
	if err := config.CheckName(account); err != nil {
		return config.Keys{}, err
	}
	r, b, err := s.open()
	if err != nil {
		return config.Keys{}, err
	}
	item, err := r.Get(account)
	if err != nil {
		return config.Keys{}, s.explain(b, "read", account, err)
	}
	var sk storedKeys
	keys := config.Keys{}
	// The decoding error is not shown: it could quote the secret.
	if json.Unmarshal(item.Data, &sk) == nil {
		keys = config.Keys{AccessKeyID: sk.AccessKeyID, SecretAccessKey: sk.SecretAccessKey}
	}
	if config.CheckKeys(keys) != nil {
		return config.Keys{}, fmt.Errorf("the entry %q in %s does not hold keys awsenv wrote: store the keys again (awsenv add %s --force)",
			account, s.where(b), account)
	}
	return keys, nil
}

func (s *ringStore) Set(account string, keys config.Keys) error {
	if err := config.CheckName(account); err != nil {
		return err
	}
	if err := config.CheckKeys(keys); err != nil {
		return err
	}
	r, b, err := s.open()
	if err != nil {
		return err
	}
	data, _ := json.Marshal(storedKeys{AccessKeyID: keys.AccessKeyID, SecretAccessKey: keys.SecretAccessKey})
	item := keyring.Item{
		Key:         account,
		Data:        data,
		Label:       "awsenv keys of " + account,
		Description: "AWS access key " + keys.AccessKeyID + " of awsenv account " + account,
		// The keys are this machine's: never synchronised to iCloud.
		KeychainNotSynchronizable: true,
	}
	if err := r.Set(item); err != nil {
		return s.explain(b, "store", account, err)
	}
	return nil
}

func (s *ringStore) Delete(account string) error {
	if err := config.CheckName(account); err != nil {
		return err
	}
	r, b, err := s.open()
	if err != nil {
		return err
	}
	if err := r.Remove(account); err != nil && !errors.Is(err, keyring.ErrKeyNotFound) && !errors.Is(err, fs.ErrNotExist) {
		return s.explain(b, "delete", account, err)
	}
	return nil
}

// explain words a backend's error in one line that says what to do. The
// backends' errors carry no key material; they are shortened to their root.
func (s *ringStore) explain(b, op, account string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	where := s.where(b)
	if errors.Is(err, keyring.ErrKeyNotFound) {
		return errorf(ErrNotFound, "no keys for account %q in %s: add them again (awsenv add %s --force), or fix its \"keys\" setting in the accounts file",
			account, where, account)
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syntax) || errors.As(err, &typ) {
		return fmt.Errorf("the entry %q in %s does not hold keys awsenv wrote: store the keys again (awsenv add %s --force)", account, where, account)
	}
	return s.explainItem(b, op, fmt.Sprintf("the keys of %q", account), err)
}

// explainItem words a backend's error about what (the keys of "work")
// in one line; the backends' errors carry no secret.
func (s *ringStore) explainItem(b, op, what string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	where := s.where(b)
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return fmt.Errorf("%s could not %s %s (pass exited with status %d): see its message above", where, op, what, exit.ExitCode())
	}
	return fmt.Errorf("%s could not %s %s: %s", where, op, what, xerr.OneLine(xerr.Root(err).Error()))
}
