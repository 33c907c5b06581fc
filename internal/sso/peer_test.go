//go:build linux

package sso

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"testing"
)

// The /authorize address (with the state and the loopback redirect) is on
// the browser's command line, which every local user can read on Linux:
// another user who sends the callback a code of their own login gets 403,
// and the user's own login still goes through.
func TestCallbackRefusesOtherUsers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to call back as nobody")
	}
	for _, tool := range []string{"curl", "setpriv"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip("needs " + tool)
		}
	}
	w := newWorld(t)
	opts := w.opts()
	var thief string
	browse := opts.Open
	opts.Open = func(authURL string) error {
		u, _ := url.Parse(authURL)
		q := u.Query()
		forged := q.Get("redirect_uri") + "?code=attackers-code&state=" + url.QueryEscape(q.Get("state"))
		out, _ := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
			"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", forged).Output()
		thief = string(out)
		return browse(authURL)
	}
	if _, err := w.client().Token(context.Background(), w.sess, opts); err != nil {
		t.Errorf("the user's own login after another user's callback: %v", err)
	}
	if thief != "403" {
		t.Errorf("another user's callback: HTTP %q, want 403", thief)
	}
}
