// Package loopbacktest is what the tests of the login flows built on
// loopback share: another local user calling their one-time callback.
package loopbacktest

import (
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"testing"
)

// AsNobody skips t unless it runs as root on Linux with curl and setpriv,
// and returns a GET of an address made as the user nobody: the HTTP status
// it got, "" when curl could not ask.
func AsNobody(t testing.TB) func(rawURL string) string {
	t.Helper()
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs root on Linux, to call back as nobody")
	}
	for _, tool := range []string{"curl", "setpriv"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip("needs " + tool)
		}
	}
	return func(rawURL string) string {
		out, _ := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
			"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", rawURL).Output()
		return string(out)
	}
}

// ForgedCallback is the redirect_uri of an authorization address, called
// back with a code of another login and the address's own state: what a
// user who read the address on the browser's command line would send.
func ForgedCallback(authURL string) string {
	u, _ := url.Parse(authURL)
	q := u.Query()
	return q.Get("redirect_uri") + "?code=attackers-code&state=" + url.QueryEscape(q.Get("state"))
}
