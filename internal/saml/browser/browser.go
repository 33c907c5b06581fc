// Package browser drives a Chrome-family browser over the DevTools
// protocol for a SAML sign-in: it is the program awsenv-saml-browser, which
// saml.GetAssertion runs, so that awsenv itself never links chromedp.
package browser

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/awsenv/awsenv/internal/saml"
)

// Options say how the browser runs.
type Options struct {
	// URL is the identity provider's sign-in page.
	URL string
	// Browser is the browser's program.
	Browser string
	// ProfileDir is the browser's profile folder (the caller holds its
	// lock).
	ProfileDir string
	Headless   bool
	// Timeout bounds the sign-in (default 5 minutes).
	Timeout time.Duration
	// Env is the browser's whole environment (saml.BrowserEnv).
	Env []string
	// Started, when set, is told the browser's process id.
	Started func(pid int)
	// Flags are more browser flags, for tests.
	Flags map[string]any
}

// Run starts the browser with the profile folder, opens the identity
// provider's page, and waits for the form post to AWS's SAML endpoint. It
// returns the SAMLResponse of that post (base64, as posted) and fails the
// request in the browser, so nothing reaches AWS; every other request to
// AWS's sign-in hosts is failed too. The browser is closed (and killed,
// with every process it started) before Run returns, and the files in
// which it keeps a session's pages, which would hold the post, are
// removed.
func Run(ctx context.Context, o Options) (string, error) {
	path := o.Browser
	if path == "" {
		return "", saml.ErrNoBrowser
	}
	if _, err := exec.LookPath(path); err != nil {
		return "", fmt.Errorf("cannot start the browser %s: %w", path, err)
	}
	if o.ProfileDir == "" {
		return "", errors.New("no profile folder for the browser")
	}
	if err := os.MkdirAll(o.ProfileDir, 0o700); err != nil {
		return "", fmt.Errorf("cannot make the browser's profile folder: %w", err)
	}
	_ = os.Chmod(o.ProfileDir, 0o700)
	saml.RemoveSessionFiles(o.ProfileDir) // a crashed run may have left some
	defer saml.RemoveSessionFiles(o.ProfileDir)
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}

	var rules []string
	for _, h := range saml.AWSSigninHosts {
		rules = append(rules, "MAP "+h+" ~NOTFOUND", "MAP *."+h+" ~NOTFOUND")
	}
	var proc processGroup
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(o.ProfileDir),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.NoInheritEnv,
		chromedp.Env(o.Env...),
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
	for k, v := range o.Flags {
		opts = append(opts, chromedp.Flag(k, v))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	// chromedp's log would go to stderr, and its messages can quote the
	// protocol's, which hold the post: none is kept.
	discard := func(string, ...any) {}
	bctx, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithLogf(discard), chromedp.WithErrorf(discard))
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
	for _, h := range saml.AWSSigninHosts {
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
		return "", fmt.Errorf("cannot start or drive the browser %s: %s", path, oneLine(err))
	}
	if _, err := chromedp.CallBrowser(bctx, fetch.Enable, fetch.EnableParams{Patterns: patterns}); err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("cannot start the browser %s: %w", path, err)
		}
		return "", fmt.Errorf("cannot start or drive the browser %s: %s", path, oneLine(err))
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
			_, isSAML := saml.IsAWSSignin(ev.Request.URL)
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
		return "", fmt.Errorf("the browser could not open %s: %s", o.URL, oneLine(err))
	}
	if nav.ErrorText != "" {
		// The sign-in page itself did not load: nobody can sign in.
		return "", fmt.Errorf("the browser could not open %s (%s): check saml_url and the network", o.URL, oneLine(errors.New(nav.ErrorText)))
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case v := <-found:
		return v, nil
	case <-ctx.Done():
		return "", fmt.Errorf("%w: interrupted", saml.ErrAbandoned)
	case <-timer.C:
		return "", fmt.Errorf("%w: no assertion within %s", saml.ErrAbandoned, timeout)
	case <-detached:
		return "", fmt.Errorf("%w: the browser window was closed", saml.ErrAbandoned)
	case <-bctx.Done():
		return "", fmt.Errorf("%w: the browser exited", saml.ErrAbandoned)
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
