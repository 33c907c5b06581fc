package console

import (
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Browsers are the values of --browser, console_browser and
// $AWSENV_CONSOLE_BROWSER: "default" is the system's browser (or
// $BROWSER); the others keep each account apart, Firefox in a container,
// the Chrome family in a profile of its own.
var Browsers = []string{"default", "firefox", "chrome", "chromium", "edge", "brave"}

// CheckBrowser says whether name is one of Browsers; "" is "default".
func CheckBrowser(name string) error {
	if name == "" {
		return nil
	}
	for _, b := range Browsers {
		if name == b {
			return nil
		}
	}
	return fmt.Errorf("unknown browser %q: use one of %s", name, strings.Join(Browsers, ", "))
}

// Launch is the browser that opens the console and the identity it opens
// it as.
type Launch struct {
	Browser string // one of Browsers; "" is "default"
	// Identity names the Firefox container or the Chrome-family profile
	// folder: the account (or profile), and "/ROLE" for a role of it.
	Identity string
	// ProfilesDir holds awsenv's own Chrome-family profile folders, one
	// per browser and identity.
	ProfilesDir string
	// Profile is an existing Chrome-family profile (console_browser_profile)
	// to open instead of a folder of awsenv's own.
	Profile string
	Getenv  func(string) string
}

// ContainerURL is the address that makes Firefox open target in the
// container named name, made on first use, through the "Open external
// links in a container" extension's ext+container: scheme.
func ContainerURL(name, target string) string {
	return "ext+container:name=" + url.QueryEscape(name) + "&url=" + url.QueryEscape(target)
}

// ProfileDir is awsenv's own profile folder for a browser and identity:
// the identity with every byte outside [A-Za-z0-9_-] (and a leading dot)
// written as %XX, so no two identities share a folder and none leaves dir.
func ProfileDir(dir, browser, identity string) string {
	var b strings.Builder
	for i := 0; i < len(identity); i++ {
		c := identity[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-', c == '.' && i > 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return filepath.Join(dir, browser, b.String())
}

// command is the browser command that opens target, which must hold no
// secret: it is on the browser's command line.
func (l Launch) command(target string) (*browser, error) {
	getenv := l.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	switch l.Browser {
	case "", "default":
		b := browserCommand(target, getenv)
		if b == nil {
			return nil, fmt.Errorf("no browser found: set BROWSER, or choose one with --browser, or run without --open and open the link yourself")
		}
		return b, nil
	case "firefox":
		bin, err := findBrowser(l.Browser, getenv)
		if err != nil {
			return nil, err
		}
		return &browser{name: bin, cmd: exec.Command(bin, "--new-tab", ContainerURL(l.Identity, target))}, nil
	}
	bin, err := findBrowser(l.Browser, getenv)
	if err != nil {
		return nil, err
	}
	if l.Profile != "" {
		return &browser{name: bin, cmd: exec.Command(bin, "--profile-directory="+l.Profile, target)}, nil
	}
	if l.ProfilesDir == "" {
		return nil, fmt.Errorf("no folder for %s profiles: set console_browser_profile, or use --browser default", l.Browser)
	}
	dir := ProfileDir(l.ProfilesDir, l.Browser, l.Identity)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot make the %s profile folder: %v", l.Browser, err)
	}
	return &browser{name: bin, cmd: exec.Command(bin, "--user-data-dir="+dir, "--no-first-run", "--no-default-browser-check", target)}, nil
}

// browserBinaries are where each browser usually is: its names on PATH,
// then its usual install places on macOS and Windows (these two are not
// tested on those systems).
var browserBinaries = map[string]struct{ names, darwin, windows []string }{
	"firefox": {names: []string{"firefox", "firefox-esr"},
		darwin:  []string{"/Applications/Firefox.app/Contents/MacOS/firefox"},
		windows: []string{`%ProgramFiles%\Mozilla Firefox\firefox.exe`, `%ProgramFiles(x86)%\Mozilla Firefox\firefox.exe`}},
	"chrome": {names: []string{"google-chrome", "google-chrome-stable", "chrome"},
		darwin:  []string{"/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"},
		windows: []string{`%ProgramFiles%\Google\Chrome\Application\chrome.exe`, `%ProgramFiles(x86)%\Google\Chrome\Application\chrome.exe`, `%LOCALAPPDATA%\Google\Chrome\Application\chrome.exe`}},
	"chromium": {names: []string{"chromium", "chromium-browser"},
		darwin:  []string{"/Applications/Chromium.app/Contents/MacOS/Chromium"},
		windows: []string{`%LOCALAPPDATA%\Chromium\Application\chrome.exe`}},
	"edge": {names: []string{"microsoft-edge", "microsoft-edge-stable", "msedge"},
		darwin:  []string{"/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge"},
		windows: []string{`%ProgramFiles(x86)%\Microsoft\Edge\Application\msedge.exe`, `%ProgramFiles%\Microsoft\Edge\Application\msedge.exe`}},
	"brave": {names: []string{"brave-browser", "brave"},
		darwin:  []string{"/Applications/Brave Browser.app/Contents/MacOS/Brave Browser"},
		windows: []string{`%ProgramFiles%\BraveSoftware\Brave-Browser\Application\brave.exe`, `%LOCALAPPDATA%\BraveSoftware\Brave-Browser\Application\brave.exe`}},
}

// findBrowser finds a browser's program.
func findBrowser(name string, getenv func(string) string) (string, error) {
	where, ok := browserBinaries[name]
	if !ok {
		return "", CheckBrowser(name)
	}
	for _, n := range where.names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	var places []string
	switch runtime.GOOS {
	case "darwin":
		places = where.darwin
	case "windows":
		for _, p := range where.windows {
			places = append(places, expandWindows(p, getenv))
		}
	}
	for _, p := range places {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s is not installed (looked for %s on PATH): install it, or choose another browser with --browser", name, strings.Join(where.names, ", "))
}

// expandWindows replaces each %NAME% in p by the variable's value; "" when
// one is not set.
func expandWindows(p string, getenv func(string) string) string {
	for {
		i := strings.IndexByte(p, '%')
		if i < 0 {
			return p
		}
		j := strings.IndexByte(p[i+1:], '%')
		if j < 0 {
			return p
		}
		v := getenv(p[i+1 : i+1+j])
		if v == "" {
			return ""
		}
		p = p[:i] + v + p[i+2+j:]
	}
}
