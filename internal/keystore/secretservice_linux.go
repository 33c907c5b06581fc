//go:build linux

package keystore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/99designs/keyring"
	"github.com/godbus/dbus"

	"github.com/awsenv/awsenv/internal/keystore/internal/nobus"
	"github.com/awsenv/awsenv/internal/xerr"
)

// The Secret Service API (GNOME Keyring, KWallet, KeePassXC), spoken over
// D-Bus with godbus, the library keyring itself uses. keyring's own
// secret-service backend registers itself only from a package init that
// connects to the bus on every start (see nobus), waits for an unlock prompt
// without a bound, and keeps items in a collection of its own, which asks for
// a password of its own; this one connects when the keys are needed, uses
// the user's default collection (unlocked at login), and bounds every wait.
//
// Items carry the attributes application=awsenv and account=NAME, so
// `secret-tool lookup application awsenv account NAME` finds them too; the
// secret is the JSON of storedKeys.
const (
	ssName  = "org.freedesktop.secrets"
	ssPath  = dbus.ObjectPath("/org/freedesktop/secrets")
	ssIface = "org.freedesktop.Secret."
	noPath  = dbus.ObjectPath("/")
)

var (
	// callTimeout bounds a D-Bus call that waits for no person.
	callTimeout = 10 * time.Second
	// promptTimeout bounds an unlock prompt, where a person types a password.
	promptTimeout = 2 * time.Minute
)

const ssHint = "or set " + EnvKeyring + "=pass or file"

type secretService struct {
	conn       *dbus.Conn
	session    dbus.ObjectPath
	collection dbus.ObjectPath
}

// secret is the Secret Service's (oayays) secret struct.
type secret struct {
	Session     dbus.ObjectPath
	Parameters  []byte
	Value       []byte
	ContentType string
}

func sessionBusAddress(getenv func(string) string) (string, error) {
	if a := getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" && a != nobus.Sentinel {
		return a, nil
	}
	// systemd's user bus, where the variable was not passed on (cron, su).
	if dir := getenv("XDG_RUNTIME_DIR"); dir != "" {
		p := filepath.Join(dir, "bus")
		if fi, err := os.Stat(p); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return "unix:path=" + p, nil
		}
	}
	// godbus would run dbus-launch here, starting a daemon no keyring is on.
	return "", errorf(ErrUnavailable, "the secret-service keyring is not available: there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set): use awsenv from your desktop session, %s", ssHint)
}

// dialBus connects to the session bus within callTimeout.
func dialBus(addr string) (*dbus.Conn, error) {
	type result struct {
		conn *dbus.Conn
		err  error
	}
	done := make(chan result, 1)
	go func() {
		conn, err := dbus.Dial(addr)
		if err == nil {
			if err = conn.Auth(nil); err == nil {
				err = conn.Hello()
			}
			if err != nil {
				conn.Close()
			}
		}
		done <- result{conn, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, errorf(ErrUnavailable, "the secret-service keyring is not available: cannot connect to the D-Bus session bus (%s): %s", xerr.OneLine(r.err.Error()), ssHint)
		}
		return r.conn, nil
	case <-time.After(callTimeout):
		return nil, errorf(ErrUnavailable, "the secret-service keyring is not available: the D-Bus session bus does not answer within %s: %s", callTimeout, ssHint)
	}
}

func ssCall(obj dbus.BusObject, method string, args ...any) *dbus.Call {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	return obj.CallWithContext(ctx, method, 0, args...)
}

// serviceAvailable says whether something provides the Secret Service on
// the bus now, or can be started by the bus to provide it.
func serviceAvailable(conn *dbus.Conn) (bool, error) {
	var has bool
	if err := ssCall(conn.BusObject(), "org.freedesktop.DBus.NameHasOwner", ssName).Store(&has); err != nil {
		return false, err
	}
	if has {
		return true, nil
	}
	var names []string
	if err := ssCall(conn.BusObject(), "org.freedesktop.DBus.ListActivatableNames").Store(&names); err != nil {
		return false, err
	}
	return slices.Contains(names, ssName), nil
}

func openSecretService(opts Options) (ring, error) {
	addr, err := sessionBusAddress(opts.getenv)
	if err != nil {
		return nil, err
	}
	conn, err := dialBus(addr)
	if err != nil {
		return nil, err
	}
	s, err := startSecretService(conn, opts)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return s, nil
}

func startSecretService(conn *dbus.Conn, opts Options) (*secretService, error) {
	ok, err := serviceAvailable(conn)
	if err != nil {
		return nil, ssError("cannot ask the session bus for it", err)
	}
	if !ok {
		return nil, errorf(ErrUnavailable, "the secret-service keyring is not available: nothing on the D-Bus session bus provides it: start gnome-keyring-daemon (or KWallet, KeePassXC), %s", ssHint)
	}
	s := &secretService{conn: conn}
	service := conn.Object(ssName, ssPath)
	var output dbus.Variant
	if err := ssCall(service, ssIface+"Service.OpenSession", "plain", dbus.MakeVariant("")).Store(&output, &s.session); err != nil {
		return nil, ssError("cannot open a session", err)
	}
	if err := ssCall(service, ssIface+"Service.ReadAlias", "default").Store(&s.collection); err != nil {
		return nil, ssError("cannot find the default collection", err)
	}
	if s.collection == noPath {
		return nil, errorf(ErrUnavailable, "the secret-service keyring has no default collection: create one (for example with seahorse), %s", ssHint)
	}
	if err := s.unlock(opts); err != nil {
		return nil, err
	}
	return s, nil
}

func ssError(what string, err error) error {
	return errorf(ErrUnavailable, "the secret-service keyring is not available: %s (%s): %s", what, xerr.OneLine(err.Error()), ssHint)
}

func (s *secretService) property(path dbus.ObjectPath, name string) (dbus.Variant, error) {
	var v dbus.Variant
	err := ssCall(s.conn.Object(ssName, path), "org.freedesktop.DBus.Properties.Get", ssIface+"Collection", name).Store(&v)
	return v, err
}

// unlock unlocks the default collection, asking the person through the
// keyring's own prompt when there is a display to show it on.
func (s *secretService) unlock(opts Options) error {
	v, err := s.property(s.collection, "Locked")
	if err != nil {
		return ssError("cannot see whether it is locked", err)
	}
	if locked, _ := v.Value().(bool); !locked {
		return nil
	}
	var unlocked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	service := s.conn.Object(ssName, ssPath)
	if err := ssCall(service, ssIface+"Service.Unlock", []dbus.ObjectPath{s.collection}).Store(&unlocked, &prompt); err != nil {
		return ssError("cannot unlock it", err)
	}
	if prompt == noPath || prompt == "" {
		return nil
	}
	if opts.getenv("DISPLAY") == "" && opts.getenv("WAYLAND_DISPLAY") == "" {
		ssCall(s.conn.Object(ssName, prompt), ssIface+"Prompt.Dismiss")
		return errorf(ErrUnavailable, "the secret-service keyring is locked and there is no display to ask for its password on: unlock it (log in to the desktop, or run gnome-keyring-daemon --unlock, type the password and Ctrl-D), %s", ssHint)
	}
	dismissed, _, err := s.prompt(prompt)
	if err != nil {
		return err
	}
	if dismissed {
		return errorf(ErrUnavailable, "the secret-service keyring stayed locked: its password prompt was cancelled or could not be shown: run the command again and unlock it, %s", ssHint)
	}
	return nil
}

// prompt shows a Secret Service prompt and waits, within promptTimeout,
// for its Completed signal.
func (s *secretService) prompt(path dbus.ObjectPath) (dismissed bool, result dbus.Variant, err error) {
	match := fmt.Sprintf("type='signal',interface='%sPrompt',member='Completed',path='%s'", ssIface, path)
	if err := ssCall(s.conn.BusObject(), "org.freedesktop.DBus.AddMatch", match).Err; err != nil {
		return false, result, ssError("cannot wait for its prompt", err)
	}
	defer ssCall(s.conn.BusObject(), "org.freedesktop.DBus.RemoveMatch", match)
	ch := make(chan *dbus.Signal, 4)
	s.conn.Signal(ch)
	defer s.conn.RemoveSignal(ch)
	obj := s.conn.Object(ssName, path)
	if err := ssCall(obj, ssIface+"Prompt.Prompt", "").Err; err != nil {
		return false, result, ssError("cannot show its prompt", err)
	}
	timeout := time.After(promptTimeout)
	for {
		select {
		case sig := <-ch:
			if sig.Path != path || sig.Name != ssIface+"Prompt.Completed" || len(sig.Body) < 2 {
				continue
			}
			dismissed, _ = sig.Body[0].(bool)
			result, _ = sig.Body[1].(dbus.Variant)
			return dismissed, result, nil
		case <-timeout:
			ssCall(obj, ssIface+"Prompt.Dismiss")
			return false, result, errorf(ErrUnavailable, "the secret-service keyring asked for its password and nobody answered within %s: run the command again, %s", promptTimeout, ssHint)
		}
	}
}

func attributes(account string) map[string]string {
	return map[string]string{"application": serviceName, "account": account}
}

func (s *secretService) search(account string) ([]dbus.ObjectPath, error) {
	var items []dbus.ObjectPath
	err := ssCall(s.conn.Object(ssName, s.collection), ssIface+"Collection.SearchItems", attributes(account)).Store(&items)
	return items, err
}

func (s *secretService) Get(account string) (keyring.Item, error) {
	items, err := s.search(account)
	if err != nil {
		return keyring.Item{}, err
	}
	if len(items) == 0 {
		return keyring.Item{}, keyring.ErrKeyNotFound
	}
	var sec secret
	if err := ssCall(s.conn.Object(ssName, items[0]), ssIface+"Item.GetSecret", s.session).Store(&sec); err != nil {
		return keyring.Item{}, err
	}
	return keyring.Item{Key: account, Data: sec.Value}, nil
}

// Set creates the item, or replaces the secret of the one with the same
// attributes in the same call: there is no moment without keys.
func (s *secretService) Set(item keyring.Item) error {
	props := map[string]dbus.Variant{
		ssIface + "Item.Label":      dbus.MakeVariant(item.Label),
		ssIface + "Item.Attributes": dbus.MakeVariant(attributes(item.Key)),
	}
	sec := secret{Session: s.session, Parameters: []byte{}, Value: item.Data, ContentType: "application/json"}
	var path, prompt dbus.ObjectPath
	if err := ssCall(s.conn.Object(ssName, s.collection), ssIface+"Collection.CreateItem", props, sec, true).Store(&path, &prompt); err != nil {
		return err
	}
	return s.completePrompt(prompt)
}

func (s *secretService) Remove(account string) error {
	items, err := s.search(account)
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return keyring.ErrKeyNotFound
	}
	for _, it := range items {
		var prompt dbus.ObjectPath
		if err := ssCall(s.conn.Object(ssName, it), ssIface+"Item.Delete").Store(&prompt); err != nil {
			return err
		}
		if err := s.completePrompt(prompt); err != nil {
			return err
		}
	}
	return nil
}

func (s *secretService) completePrompt(prompt dbus.ObjectPath) error {
	if prompt == noPath || prompt == "" {
		return nil
	}
	dismissed, _, err := s.prompt(prompt)
	if err == nil && dismissed {
		err = errors.New("the prompt was cancelled")
	}
	return err
}
