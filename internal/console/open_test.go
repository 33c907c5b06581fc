//go:build unix

package console

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

const testLink = "https://signin.example/federation?Action=login&SigninToken=SECRET"

// Issue 10 and 12: a failing or missing browser command made --open wait
// two minutes in silence. It fails at once, with the browser's message.
func TestOpenBrowserFails(t *testing.T) {
	for _, tt := range []struct{ browser, want string }{
		{"false", `the browser command "false" (BROWSER) failed (exit status 1): run without --open and open the link yourself`},
		{"echo 'no display here' >&2; exit 3; :", `failed (exit status 3, it said "no display here"): run without --open`},
		{"no-such-browser-awsenv", `no-such-browser-awsenv: not found"): run without --open`},
		// xdg-open with no browser to hand the address to: its message is
		// quoted within awsenv's (one sentence), the address shortened.
		{`echo "xdg-open: no method available for opening '$1'." >&2; exit 3; :`,
			`the browser command "echo \"xdg-open: no method available for opening '$1'.\" >&2; exit 3; :" (BROWSER) failed ` +
				`(exit status 3, it said "xdg-open: no method available for opening the address"): run without --open and open the link yourself`},
	} {
		start := time.Now()
		env := map[string]string{"BROWSER": tt.browser}
		err := Open(context.Background(), testLink, func(k string) string { return env[k] }, time.Minute)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("BROWSER=%q: %v, want %q", tt.browser, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "SECRET") {
			t.Errorf("the error quotes the link: %v", err)
		}
		// At once, not after the minute Open may wait for the browser.
		if d := time.Since(start); d > 30*time.Second {
			t.Errorf("BROWSER=%q: took %s", tt.browser, d)
		}
	}
}

// A browser command that hands the address on and exits 0 (xdg-open) is
// waited for until the address is fetched.
func TestOpenBrowserHandsOn(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("needs curl")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "location")
	env := map[string]string{"BROWSER": `sh -c 'sleep 0.3; curl -s -o /dev/null -w "%{redirect_url}" "$1" > ` + out + `' sh "$1" & :`}
	if err := Open(context.Background(), testLink, func(k string) string { return env[k] }, time.Minute); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if b, _ := os.ReadFile(out); string(b) == testLink {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b, _ := os.ReadFile(out)
	t.Errorf("the browser was redirected to %q, want the link", b)
}

// Issue 12: another local user who read the one-time address from the
// browser's command line (/proc/PID/cmdline) fetched it first and was
// signed in. Only the current user's (or root's) connections get the link;
// the other user gets 403 and the address still works for the browser.
func TestOpenRefusesOtherUsers(t *testing.T) {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs root on Linux, to fetch the address as nobody")
	}
	for _, tool := range []string{"curl", "setpriv"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip("needs " + tool)
		}
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	script := filepath.Join(dir, "browser.sh")
	os.WriteFile(script, []byte(`#!/bin/sh
setpriv --reuid=65534 --regid=65534 --clear-groups curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$1" > "$0.thief"
curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$1" > "$0.owner"
`), 0o755)
	env := map[string]string{"BROWSER": script}
	if err := Open(context.Background(), testLink, func(k string) string { return env[k] }, time.Minute); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	var owner []byte
	for time.Now().Before(deadline) {
		if owner, _ = os.ReadFile(script + ".owner"); len(owner) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	thief, _ := os.ReadFile(script + ".thief")
	if string(thief) != "403 " {
		t.Errorf("another user's fetch: %q, want 403 without a redirect", thief)
	}
	if string(owner) != "302 "+testLink {
		t.Errorf("the browser's fetch: %q, want 302 to the link", owner)
	}
}
