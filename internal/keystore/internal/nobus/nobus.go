// Package nobus hides the D-Bus session bus from the package initialisation
// of github.com/99designs/keyring.
//
// On Linux, keyring's init functions (secret-service, kwallet) connect to
// the session bus to see whether it exists, in every process that links the
// library, whether or not a keyring is ever used. Where
// DBUS_SESSION_BUS_ADDRESS is not set (SSH, cron, containers) godbus then
// runs dbus-launch, which starts a session dbus-daemon that outlives the
// process: one more daemon on every start of awsenv. Where it is set, every
// start pays a connection and blocks if the bus does not answer.
//
// This package's init points DBUS_SESSION_BUS_ADDRESS at an address with no
// transport, so those init functions fail at once without any I/O and
// register nothing; keystore's init calls Restore right after (it imports
// keyring, so it runs after keyring's). keystore opens Secret Service itself,
// lazily.
//
// The order is the language's: packages are initialised in the order of
// their import paths, each after the packages it imports. This package
// imports only syscall, so it is ready before github.com/godbus/dbus (which
// keyring imports) and sorts before it, hence runs before keyring's init.
// keystore's tests check that it did.
package nobus

import "syscall"

const variable = "DBUS_SESSION_BUS_ADDRESS"

// Sentinel is the address keyring's init functions see.
const Sentinel = "awsenv-no-bus-during-init:"

var (
	saved    string
	hadValue bool
	hidden   bool
)

func init() {
	saved, hadValue = syscall.Getenv(variable)
	hidden = syscall.Setenv(variable, Sentinel) == nil
}

// Restore puts DBUS_SESSION_BUS_ADDRESS back as it was before init.
func Restore() {
	if !hidden {
		return
	}
	hidden = false
	if v, _ := syscall.Getenv(variable); v != Sentinel {
		return // someone set it since; theirs stands
	}
	if hadValue {
		syscall.Setenv(variable, saved)
	} else {
		syscall.Unsetenv(variable)
	}
}
