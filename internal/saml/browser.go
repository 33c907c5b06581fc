package saml

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// ErrAbandoned is a sign-in that ended without an assertion: the window
// closed, the time limit passed or the person interrupted it.
var ErrAbandoned = errors.New("the SAML sign-in ended before the identity provider sent an assertion")

// ErrNoBrowser is no Chrome-family browser found.
var ErrNoBrowser = errors.New("no Chrome-family browser (Chrome, Chromium, Edge, Brave) was found")

// ErrNoDisplay is a browser window asked for where none can show.
var ErrNoDisplay = errors.New("there is no display for the browser window (neither DISPLAY nor WAYLAND_DISPLAY is set)")

// AWSSigninHosts are AWS's sign-in hosts, in every partition: the form
// post that carries the assertion goes to one of them, and nothing may
// reach them.
var AWSSigninHosts = []string{"signin.aws.amazon.com", "signin.amazonaws-us-gov.com", "signin.amazonaws.cn"}

// samlPath is a path AWS takes a SAML response on.
var samlPath = lazyRegexp(`^/(saml|saml/acs/[A-Za-z0-9_-]+|static/saml)/?$`)

// IsAWSSignin says whether u is on one of AWS's sign-in hosts (global or
// regional), and whether it is one of the SAML endpoints there.
func IsAWSSignin(u string) (host, samlEndpoint bool) {
	p, err := url.Parse(u)
	if err != nil {
		return false, false
	}
	h := strings.ToLower(p.Hostname())
	for _, s := range AWSSigninHosts {
		if h == s || strings.HasSuffix(h, "."+s) {
			return true, samlPath().MatchString(p.Path)
		}
	}
	return false, false
}

// Options say how the browser runs.
type Options struct {
	// URL is the identity provider's sign-in page for its AWS application
	// (saml_url).
	URL string
	// Browser is the browser's program; "" finds one (FindBrowser).
	Browser string
	// ProfileDir is awsenv's own profile folder for the browser, so that
	// the identity provider's session survives between sign-ins.
	ProfileDir string
	Headless   bool
	// Timeout bounds the sign-in (default 5 minutes).
	Timeout time.Duration
	// Getenv is the caller's environment (for FindBrowser and the
	// variables the browser keeps).
	Getenv func(string) string
	// Started, when set, is told the browser's process id.
	Started func(pid int)
	// Waiting, when set, is told that another sign-in holds the profile
	// folder (it is waited for).
	Waiting func()
}

// browserEnv are the variables the browser (and the helper that drives
// it) keep from awsenv's environment: what it needs to show a window and
// find its files. Nothing else, so no AWS credential reaches its
// environment.
var browserEnv = []string{"HOME", "PATH", "DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY", "XDG_RUNTIME_DIR",
	"XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "DBUS_SESSION_BUS_ADDRESS", "LANG", "LANGUAGE", "LC_ALL",
	"TMPDIR", "TZ", "USER", "LOGNAME", "SYSTEMROOT", "TEMP", "TMP", "LOCALAPPDATA", "APPDATA", "USERPROFILE",
	"PROGRAMFILES", "PROGRAMFILES(X86)", "http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"}

// BrowserEnv is the browser's environment: the variables of browserEnv
// that getenv has.
func BrowserEnv(getenv func(string) string) []string {
	var env []string
	for _, k := range browserEnv {
		if v := getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// RemoveSessionFiles removes what Chromium keeps to restore a session:
// the pages of the tabs with their form data, so the post with the
// assertion.
func RemoveSessionFiles(profile string) {
	matches, _ := filepath.Glob(filepath.Join(profile, "*", "Sessions"))
	for _, m := range matches {
		_ = os.RemoveAll(m)
	}
	for _, pattern := range []string{"Current Session", "Current Tabs", "Last Session", "Last Tabs", "Tabs_*", "Session_*"} {
		ms, _ := filepath.Glob(filepath.Join(profile, "*", pattern))
		for _, m := range ms {
			_ = os.RemoveAll(m)
		}
	}
}

// FindBrowser finds a Chrome-family browser: $AWSENV_SAML_BROWSER (a path
// or a program on PATH), else Chromium, Chrome, Edge or Brave on PATH or
// where their installers put them.
func FindBrowser(getenv func(string) string) (string, error) {
	if b := getenv("AWSENV_SAML_BROWSER"); b != "" {
		p, err := exec.LookPath(b)
		if err != nil {
			return "", fmt.Errorf("AWSENV_SAML_BROWSER=%s: %w", b, err)
		}
		return p, nil
	}
	for _, c := range browserCandidates(runtime.GOOS, getenv) {
		if p, err := exec.LookPath(c); err == nil {
			return p, nil
		}
	}
	return "", ErrNoBrowser
}

func browserCandidates(goos string, getenv func(string) string) []string {
	switch goos {
	case "darwin":
		var out []string
		for _, app := range []string{"Google Chrome.app/Contents/MacOS/Google Chrome", "Chromium.app/Contents/MacOS/Chromium",
			"Microsoft Edge.app/Contents/MacOS/Microsoft Edge", "Brave Browser.app/Contents/MacOS/Brave Browser"} {
			out = append(out, "/Applications/"+app)
			if h := getenv("HOME"); h != "" {
				out = append(out, filepath.Join(h, "Applications", app))
			}
		}
		return out
	case "windows":
		var out []string
		for _, base := range []string{getenv("PROGRAMFILES"), getenv("PROGRAMFILES(X86)"), getenv("LOCALAPPDATA")} {
			if base == "" {
				continue
			}
			for _, exe := range []string{`Google\Chrome\Application\chrome.exe`, `Chromium\Application\chrome.exe`,
				`Microsoft\Edge\Application\msedge.exe`, `BraveSoftware\Brave-Browser\Application\brave.exe`} {
				out = append(out, filepath.Join(base, exe))
			}
		}
		return append(out, "chrome.exe", "msedge.exe", "brave.exe")
	}
	return []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "microsoft-edge",
		"microsoft-edge-stable", "brave-browser", "/snap/bin/chromium", "/usr/lib/chromium/chromium",
		"/opt/google/chrome/chrome", "/opt/microsoft/msedge/msedge", "/opt/brave.com/brave/brave-browser"}
}

// ProfileDir is awsenv's own browser profile folder under the user's
// configuration directory.
func ProfileDir(getenv func(string) string) (string, error) {
	var base string
	switch runtime.GOOS {
	case "windows":
		base = getenv("APPDATA")
	case "darwin":
		if h := getenv("HOME"); h != "" {
			base = filepath.Join(h, "Library", "Application Support")
		}
	default:
		base = getenv("XDG_CONFIG_HOME")
		if base == "" || !filepath.IsAbs(base) {
			base = ""
			if h := getenv("HOME"); h != "" {
				base = filepath.Join(h, ".config")
			}
		}
	}
	if base == "" {
		return "", errors.New("cannot tell the configuration folder for the browser's profile: HOME is not set")
	}
	return filepath.Join(base, "awsenv", "saml-browser"), nil
}
