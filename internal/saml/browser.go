package saml

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/awsenv/awsenv/internal/fsutil"
)

// ErrAbandoned is a sign-in that ended without an assertion: the window
// closed, the time limit passed or the person interrupted it.
var ErrAbandoned = errors.New("the SAML sign-in ended before the identity provider sent an assertion")

// ErrNoBrowser is no Chrome-family browser found.
var ErrNoBrowser = errors.New("no Chrome-family browser (Chrome, Chromium, Edge, Brave) was found")

// ErrNoDisplay is a browser window asked for where none can show.
var ErrNoDisplay = errors.New("there is no display for the browser window (neither DISPLAY nor WAYLAND_DISPLAY is set)")

// Sign-in hosts of AWS, in every partition: the form post that carries the
// assertion goes to one of them, and nothing may reach them.
var awsSigninHosts = []string{"signin.aws.amazon.com", "signin.amazonaws-us-gov.com", "signin.amazonaws.cn"}

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
	for _, s := range awsSigninHosts {
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

	// flags are more browser flags, for the package's tests.
	flags map[string]any
}

// browserEnv are the variables the browser keeps from awsenv's
// environment: what it needs to show a window and find its files. Nothing
// else, so no AWS credential reaches its environment.
var browserEnv = []string{"HOME", "PATH", "DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY", "XDG_RUNTIME_DIR",
	"XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "DBUS_SESSION_BUS_ADDRESS", "LANG", "LANGUAGE", "LC_ALL",
	"TMPDIR", "TZ", "USER", "LOGNAME", "SYSTEMROOT", "TEMP", "TMP", "LOCALAPPDATA", "APPDATA", "USERPROFILE",
	"PROGRAMFILES", "PROGRAMFILES(X86)", "http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"}

// GetAssertion starts the browser with awsenv's own profile, opens the
// identity provider's page, and waits for the form post to AWS's SAML
// endpoint. It takes the SAMLResponse from that post and fails the request
// in the browser, so nothing reaches AWS; every other request to AWS's
// sign-in hosts is failed too. The browser is closed (and killed, with
// every process it started) before GetAssertion returns, and the files in
// which it keeps a session's pages, which would hold the post, are
// removed.
func GetAssertion(ctx context.Context, o Options) (*Assertion, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	path := o.Browser
	if path == "" {
		var err error
		if path, err = FindBrowser(getenv); err != nil {
			return nil, err
		}
	}
	if !o.Headless && runtime.GOOS != "darwin" && runtime.GOOS != "windows" && getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
		return nil, ErrNoDisplay
	}
	if _, err := exec.LookPath(path); err != nil {
		return nil, fmt.Errorf("cannot start the browser %s: %w", path, err)
	}
	if o.ProfileDir == "" {
		return nil, errors.New("no profile folder for the browser")
	}
	if err := os.MkdirAll(o.ProfileDir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot make the browser's profile folder: %w", err)
	}
	// One browser per profile folder: a second Chromium on the same folder
	// hands its page to the first and exits.
	unlock, err := fsutil.LockFor(ctx, o.ProfileDir, o.Waiting)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: interrupted", ErrAbandoned)
		}
		return nil, err
	}
	defer unlock()
	_ = os.Chmod(o.ProfileDir, 0o700)
	removeSessionFiles(o.ProfileDir) // a crashed run may have left some
	defer removeSessionFiles(o.ProfileDir)
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}

	var env []string
	for _, k := range browserEnv {
		if v := getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	var rules []string
	for _, h := range awsSigninHosts {
		rules = append(rules, "MAP "+h+" ~NOTFOUND", "MAP *."+h+" ~NOTFOUND")
	}
	var proc processGroup
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(o.ProfileDir),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.NoInheritEnv,
		chromedp.Env(env...),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-session-crashed-bubble", true),
		chromedp.Flag("hide-crash-restore-bubble", true),
		chromedp.Flag("password-store", "basic"),
		// Belt and braces: were a request to AWS's sign-in hosts to slip
		// past the interception, it would not resolve.
		chromedp.Flag("host-resolver-rules", strings.Join(rules, ", ")),
		chromedp.Flag("no-sandbox", isRoot()),
		chromedp.ModifyCmdFunc(proc.prepare),
	}
	if o.Headless {
		opts = append(opts, chromedp.Headless)
	}
	for k, v := range o.flags {
		opts = append(opts, chromedp.Flag(k, v))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer func() {
		if proc.pid() == 0 {
			// The browser never started: chromedp's cancel would wait for
			// it to stop.
			go cancelBrowser()
			cancelAlloc()
			return
		}
		closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = chromedp.Cancel(bctxWithDeadline(bctx, closeCtx))
		cancel()
		cancelAlloc()
		proc.kill()
		cancelBrowser()
	}()

	var patterns []*fetch.RequestPattern
	for _, h := range awsSigninHosts {
		for _, scheme := range []string{"https", "http"} {
			patterns = append(patterns,
				&fetch.RequestPattern{URLPattern: scheme + "://" + h + "/*", RequestStage: fetch.RequestStageRequest},
				&fetch.RequestPattern{URLPattern: scheme + "://*." + h + "/*", RequestStage: fetch.RequestStageRequest})
		}
	}
	// The first call starts the browser and opens its tab. The
	// interception is the browser's, not the tab's: an identity provider
	// that posts from a new window is caught too.
	if _, err := chromedp.Call(bctx, page.Enable, page.EnableParams{}); err != nil {
		return nil, fmt.Errorf("cannot start or drive the browser %s: %s", path, oneLine(err))
	}
	if _, err := chromedp.CallBrowser(bctx, fetch.Enable, fetch.EnableParams{Patterns: patterns}); err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("cannot start the browser %s: %w", path, err)
		}
		return nil, fmt.Errorf("cannot start or drive the browser %s: %s", path, oneLine(err))
	}
	if o.Started != nil && proc.pid() > 0 {
		o.Started(proc.pid())
	}
	paused := chromedp.BrowserEvents(bctx, fetch.RequestPaused)
	detached, _ := chromedp.Detached(bctx)

	found := make(chan string, 1)
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			_, isSAML := IsAWSSignin(ev.Request.URL)
			if isSAML && ev.Request.Method == "POST" {
				if v := samlResponse(bctx, &ev); v != "" {
					select {
					case found <- v:
					default:
					}
				}
			}
			go func(id fetch.RequestID) {
				_, _ = chromedp.CallBrowser(bctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: id, ErrorReason: network.ErrorReasonBlockedByClient})
			}(ev.RequestID)
		}
	}()
	nav, err := chromedp.Call(bctx, page.Navigate, page.NavigateParams{URL: o.URL})
	if err != nil {
		return nil, fmt.Errorf("the browser could not open %s: %s", o.URL, oneLine(err))
	}
	if nav.ErrorText != "" {
		// The sign-in page itself did not load: nobody can sign in.
		return nil, fmt.Errorf("the browser could not open %s (%s): check saml_url and the network", o.URL, oneLine(errors.New(nav.ErrorText)))
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case v := <-found:
		return Parse(v)
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: interrupted", ErrAbandoned)
	case <-timer.C:
		return nil, fmt.Errorf("%w: no assertion within %s", ErrAbandoned, timeout)
	case <-detached:
		return nil, fmt.Errorf("%w: the browser window was closed", ErrAbandoned)
	case <-bctx.Done():
		return nil, fmt.Errorf("%w: the browser exited", ErrAbandoned)
	}
}

// bctxWithDeadline is the browser's context, bounded by the deadline of
// limit, for closing it.
func bctxWithDeadline(bctx, limit context.Context) context.Context {
	dl, ok := limit.Deadline()
	if !ok {
		return bctx
	}
	c, cancel := context.WithDeadline(bctx, dl)
	go func() { <-limit.Done(); cancel() }()
	return c
}

// samlResponse reads SAMLResponse from a paused form post.
func samlResponse(bctx context.Context, ev *fetch.EventRequestPaused) string {
	var body []byte
	for _, e := range ev.Request.PostDataEntries {
		body = append(body, e.Bytes...)
	}
	if len(body) == 0 && ev.NetworkID != "" {
		if r, err := chromedp.Call(bctx, network.GetRequestPostData, network.GetRequestPostDataParams{RequestID: ev.NetworkID}); err == nil {
			body = r.PostData
		}
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return ""
	}
	return form.Get("SAMLResponse")
}

func oneLine(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// removeSessionFiles removes what Chromium keeps to restore a session:
// the pages of the tabs with their form data, so the post with the
// assertion.
func removeSessionFiles(profile string) {
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

// processGroup is the browser's process; on Unix it leads a group of its
// own, so every process it starts can be killed with it.
type processGroup struct {
	mu  sync.Mutex
	cmd *exec.Cmd
}

func (p *processGroup) prepare(cmd *exec.Cmd) {
	p.mu.Lock()
	p.cmd = cmd
	p.mu.Unlock()
	setProcessGroup(cmd)
}

func (p *processGroup) pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

func (p *processGroup) kill() {
	if pid := p.pid(); pid > 0 {
		killGroup(pid)
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
