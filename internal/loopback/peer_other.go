//go:build !linux

package loopback

import "net/http"

// Check has nothing to check: see OwnPeer.
func Check() error { return nil }

// OwnPeer is true: where Linux shows every process's arguments to every
// user, macOS and Windows show another user's process no arguments, so an
// address on a browser's command line stays the current user's.
func OwnPeer(*http.Request) bool { return true }
