//go:build linux

package sso

import (
	"context"
	"testing"

	"github.com/awsenv/awsenv/internal/loopback/loopbacktest"
)

// The /authorize address (with the state and the loopback redirect) is on
// the browser's command line, which every local user can read on Linux:
// another user who sends the callback a code of their own login gets 403,
// and the user's own login still goes through.
func TestCallbackRefusesOtherUsers(t *testing.T) {
	asNobody := loopbacktest.AsNobody(t)
	w := newWorld(t)
	opts := w.opts()
	var thief string
	browse := opts.Open
	opts.Open = func(authURL string) error {
		thief = asNobody(loopbacktest.ForgedCallback(authURL))
		return browse(authURL)
	}
	if _, err := w.client().Token(context.Background(), w.sess, opts); err != nil {
		t.Errorf("the user's own login after another user's callback: %v", err)
	}
	if thief != "403" {
		t.Errorf("another user's callback: HTTP %q, want 403", thief)
	}
}
