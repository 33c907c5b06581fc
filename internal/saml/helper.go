package saml

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/awsenv/awsenv/internal/fsutil"
)

// HelperName is the program that drives the browser over the DevTools
// protocol, installed beside awsenv: a separate binary, so that awsenv
// itself never links the protocol's packages (whose start-up every shell
// prompt would pay for).
const HelperName = "awsenv-saml-browser"

// HelperRequest is what GetAssertion sends the helper, as JSON on its
// standard input (never on its command line). The helper then reads its
// standard input to the end: when it ends, the sign-in is abandoned.
type HelperRequest struct {
	URL        string        `json:"url"`
	Browser    string        `json:"browser"`
	ProfileDir string        `json:"profile_dir"`
	Headless   bool          `json:"headless,omitempty"`
	Timeout    time.Duration `json:"timeout"`
	// Env is the browser's environment (BrowserEnv).
	Env []string `json:"env"`
}

// HelperMessage is a line of JSON the helper writes on its standard
// output: the browser's pid once it runs, then one of the assertion (the
// SAMLResponse as posted) or an error.
type HelperMessage struct {
	PID       int    `json:"pid,omitempty"`
	Assertion string `json:"assertion,omitempty"`
	Error     string `json:"error,omitempty"`
	// Kind names the error value Error wraps (ErrorKinds).
	Kind string `json:"kind,omitempty"`
}

// ErrorKinds are the error values that cross from the helper to
// GetAssertion, by name.
var ErrorKinds = map[string]error{"abandoned": ErrAbandoned, "no_browser": ErrNoBrowser, "no_display": ErrNoDisplay}

// ErrorMessage is the helper's message for err.
func ErrorMessage(err error) HelperMessage {
	for kind, e := range ErrorKinds {
		if errors.Is(err, e) {
			return HelperMessage{Error: strings.TrimPrefix(strings.TrimPrefix(err.Error(), e.Error()), ": "), Kind: kind}
		}
	}
	return HelperMessage{Error: err.Error()}
}

// err is the error a message from the helper says.
func (m HelperMessage) err() error {
	if e, ok := ErrorKinds[m.Kind]; ok {
		if m.Error == "" {
			return e
		}
		return fmt.Errorf("%w: %s", e, m.Error)
	}
	return errors.New(m.Error)
}

// helperPath is the helper beside this executable, else on PATH.
func helperPath() (string, error) {
	name := HelperName
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", errors.New(HelperName + " (awsenv's SAML browser driver) is not installed beside awsenv or on PATH: " +
		"install it from awsenv's checkout with: CGO_ENABLED=0 go install -tags urfave_cli_no_docs ./cmd/awsenv ./cmd/" + HelperName)
}

// GetAssertion starts the browser with awsenv's own profile, opens the
// identity provider's page, and waits for the form post to AWS's SAML
// endpoint. It takes the SAMLResponse from that post and fails the request
// in the browser, so nothing reaches AWS; every other request to AWS's
// sign-in hosts is failed too. The browser is closed (and killed, with
// every process it started) before GetAssertion returns, and the files in
// which it keeps a session's pages, which would hold the post, are
// removed.
//
// The browser is driven by the helper program (HelperName), which gets
// the request on its standard input and sends the assertion back through
// a pipe on its standard output.
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
	helper, err := helperPath()
	if err != nil {
		return nil, err
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
	// The helper removes them too; this is for a helper that was killed.
	defer RemoveSessionFiles(o.ProfileDir)
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	env := BrowserEnv(getenv)
	req, err := json.Marshal(HelperRequest{URL: o.URL, Browser: path, ProfileDir: o.ProfileDir, Headless: o.Headless, Timeout: timeout, Env: env})
	if err != nil {
		return nil, err
	}
	return runHelper(ctx, helper, env, req, o.Started)
}

// runHelper runs the helper with req on its standard input and returns
// the assertion it sends. When ctx ends, the helper's standard input is
// closed, so that it closes the browser; if it has not exited ten seconds
// later (the time it gives the browser to close), it and the browser are
// killed by pid.
func runHelper(ctx context.Context, helper string, env []string, req []byte, started func(int)) (*Assertion, error) {
	cmd := exec.Command(helper)
	cmd.Args[0] = HelperName
	cmd.Env = env
	var stderr tailBuffer
	cmd.Stderr = &stderr
	// The browser may hold the helper's stderr after the helper is gone.
	cmd.WaitDelay = 5 * time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start %s: %w", HelperName, err)
	}
	var closeStdin sync.Once
	endRequest := func() { closeStdin.Do(func() { _ = stdin.Close() }) }
	defer endRequest()
	go func() {
		_, _ = stdin.Write(append(req, '\n'))
	}()

	var browserPID atomic.Int64
	result := make(chan HelperMessage, 1)
	go func() {
		defer close(result)
		dec := json.NewDecoder(io.LimitReader(stdout, 4<<20))
		for {
			var m HelperMessage
			if err := dec.Decode(&m); err != nil {
				return
			}
			if m.PID > 0 && m.Assertion == "" && m.Error == "" {
				browserPID.Store(int64(m.PID))
				if started != nil {
					started(m.PID)
				}
				continue
			}
			result <- m
			_, _ = io.Copy(io.Discard, stdout)
			return
		}
	}()

	var msg HelperMessage
	var got, interrupted bool
	select {
	case msg, got = <-result:
	case <-ctx.Done():
		interrupted = true
		endRequest()
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	var waitErr error
	select {
	case waitErr = <-waited:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		killBrowser(&browserPID)
		waitErr = <-waited
	}
	// The reader is done, and so are the calls of started.
	for m := range result {
		msg, got = m, true
	}
	if !got {
		// The helper did not finish (it sends its answer once the browser
		// is closed): make sure the browser is gone too.
		killBrowser(&browserPID)
	}
	switch {
	case interrupted:
		return nil, fmt.Errorf("%w: interrupted", ErrAbandoned)
	case !got:
		why := "it exited without an answer"
		if waitErr != nil {
			why = waitErr.Error()
		}
		if tail := stderr.lastLine(); tail != "" {
			why += ": " + tail
		}
		return nil, fmt.Errorf("%s failed: %s", HelperName, why)
	case msg.Assertion != "":
		return Parse(msg.Assertion)
	}
	return nil, msg.err()
}

// killBrowser kills the browser the helper said it started, with every
// process of its group.
func killBrowser(pid *atomic.Int64) {
	if p := int(pid.Load()); p > 0 {
		killGroup(p)
	}
}

// tailBuffer keeps the last few kilobytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > 4096 {
		b.buf = b.buf[len(b.buf)-4096:]
	}
	return len(p), nil
}

// lastLine is the last line written, shortened.
func (b *tailBuffer) lastLine() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := bytes.TrimSpace(b.buf)
	if i := bytes.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 300 {
		s = append(s[:300:300], "..."...)
	}
	return string(s)
}
