//go:build linux

package oidclogin

import (
	"context"
	"strings"
	"testing"

	"github.com/awsenv/awsenv/internal/loopback/loopbacktest"
)

// Issue 12: the login URL (with its state and redirect_uri) is on the
// browser's command line, which every local user can read on Linux.
// Another user who sends the callback a code of their own login gets 403,
// and the user's login still goes through.
func TestCallbackRefusesOtherUsers(t *testing.T) {
	asNobody := loopbacktest.AsNobody(t)
	m := provider(t)
	b := &browser{}
	cfg := config(m, b)
	var thief string
	cfg.Show = func(authURL string) error {
		thief = asNobody(loopbacktest.ForgedCallback(authURL))
		return b.show(authURL)
	}
	tok, err := Login(context.Background(), cfg)
	if thief != "403" {
		t.Errorf("another user's callback: HTTP %q, want 403", thief)
	}
	if err != nil || tok == nil || !strings.Contains(b.page, "You are logged in") {
		t.Errorf("the user's own login after that: %v, %v, page %q", tok, err, b.page)
	}
}
