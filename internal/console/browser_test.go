//go:build unix

package console

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeBrowsers puts programs named names on a PATH of their own.
func fakeBrowsers(t *testing.T, names ...string) string {
	dir := t.TempDir()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir)
	return dir
}

// Issue 22: the browser's command line for each kind of launch: Firefox an
// ext+container: address naming the identity, the Chrome family a profile
// folder per identity (or the existing profile named); the target is the
// only address on it.
func TestLaunchCommand(t *testing.T) {
	bin := fakeBrowsers(t, "firefox-esr", "chromium-browser", "google-chrome", "microsoft-edge", "brave-browser")
	profiles := t.TempDir()
	const target = "http://127.0.0.1:4242/0123456789abcdef0123456789abcdef"
	for _, tt := range []struct {
		launch Launch
		want   []string
	}{
		{Launch{Browser: "firefox", Identity: "work/work-admin"},
			[]string{bin + "/firefox-esr", "--new-tab", "ext+container:name=work%2Fwork-admin&url=http%3A%2F%2F127.0.0.1%3A4242%2F0123456789abcdef0123456789abcdef"}},
		{Launch{Browser: "chromium", Identity: "work", ProfilesDir: profiles},
			[]string{bin + "/chromium-browser", "--user-data-dir=" + profiles + "/chromium/work", "--no-first-run", "--no-default-browser-check", target}},
		{Launch{Browser: "chrome", Identity: "prod/Admin Role", ProfilesDir: profiles},
			[]string{bin + "/google-chrome", "--user-data-dir=" + profiles + "/chrome/prod%2FAdmin%20Role", "--no-first-run", "--no-default-browser-check", target}},
		{Launch{Browser: "edge", Identity: "work", ProfilesDir: profiles, Profile: "Profile 2"},
			[]string{bin + "/microsoft-edge", "--profile-directory=Profile 2", target}},
		{Launch{Browser: "brave", Identity: "..", ProfilesDir: profiles},
			[]string{bin + "/brave-browser", "--user-data-dir=" + profiles + "/brave/%2E.", "--no-first-run", "--no-default-browser-check", target}},
	} {
		b, err := tt.launch.command(target)
		if err != nil {
			t.Errorf("%+v: %v", tt.launch, err)
			continue
		}
		if !slices.Equal(b.cmd.Args, tt.want) || b.cmd.Path != tt.want[0] {
			t.Errorf("%+v:\n got %q\nwant %q", tt.launch, b.cmd.Args, tt.want)
		}
	}
	for _, dir := range []string{"chromium/work", "chrome/prod%2FAdmin%20Role", "brave/%2E."} {
		st, err := os.Stat(filepath.Join(profiles, dir))
		if err != nil || st.Mode().Perm() != 0o700 {
			t.Errorf("profile folder %s: %v", dir, err)
		}
	}
}

func TestLaunchNotInstalled(t *testing.T) {
	fakeBrowsers(t)
	_, err := Launch{Browser: "firefox", Identity: "work"}.command("http://127.0.0.1:1/x")
	if err == nil || err.Error() != "firefox is not installed (looked for firefox, firefox-esr on PATH): install it, or choose another browser with --browser" {
		t.Errorf("firefox missing: %v", err)
	}
	if err := CheckBrowser("opera"); err == nil || !strings.Contains(err.Error(), "use one of default, firefox, chrome, chromium, edge, brave") {
		t.Errorf("opera: %v", err)
	}
}

func TestExpandWindows(t *testing.T) {
	env := map[string]string{"ProgramFiles(x86)": `C:\Program Files (x86)`, "LOCALAPPDATA": `C:\Users\me\AppData\Local`}
	getenv := func(k string) string { return env[k] }
	if got := expandWindows(`%ProgramFiles(x86)%\Microsoft\Edge\Application\msedge.exe`, getenv); got != `C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe` {
		t.Errorf("got %q", got)
	}
	if got := expandWindows(`%ProgramFiles%\x.exe`, getenv); got != "" {
		t.Errorf("unset variable: %q", got)
	}
}
