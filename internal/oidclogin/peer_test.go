//go:build linux

package oidclogin

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Issue 12: the login URL (with its state and redirect_uri) is on the
// browser's command line, which every local user can read on Linux.
// Another user who sends the callback a code of their own login gets 403,
// and the user's login still goes through.
func TestCallbackRefusesOtherUsers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to call back as nobody")
	}
	for _, tool := range []string{"curl", "setpriv"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip("needs " + tool)
		}
	}
	m := provider(t)
	b := &browser{}
	cfg := config(m, b)
	var thief string
	cfg.Show = func(authURL string) error {
		u, _ := url.Parse(authURL)
		q := u.Query()
		forged := q.Get("redirect_uri") + "?code=attackers-code&state=" + url.QueryEscape(q.Get("state"))
		out, _ := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
			"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", forged).Output()
		thief = string(out)
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
