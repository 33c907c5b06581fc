//go:build unix

package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/awsenv/awsenv/internal/saml/samltest"

	"github.com/awsenv/awsenv/internal/saml"
	"github.com/awsenv/awsenv/internal/ststest"
)

const (
	adminRole = "arn:aws:iam::123456789012:role/Admin"
	provider  = "arn:aws:iam::123456789012:saml-provider/CorpIdP"
)

// signIn runs the driver as the helper does and parses what it returns.
func signIn(ctx context.Context, o Options) (*saml.Assertion, error) {
	if o.Env == nil {
		o.Env = saml.BrowserEnv(os.Getenv)
	}
	v, err := Run(ctx, o)
	if err != nil {
		return nil, err
	}
	return saml.Parse(v)
}

// noAssertionIn checks that no file under dir holds a piece of the
// assertion.
func noAssertionIn(t *testing.T, dir, enc string) {
	t.Helper()
	// A run of letters and digits: the same in the base64 text and in the
	// form-encoded post body a browser might keep.
	run := regexp.MustCompile(`[A-Za-z0-9]{32}`).FindString(enc[len(enc)/3:])
	if run == "" {
		t.Fatal("no plain run in the assertion")
	}
	piece := []byte(run)
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		data, _ := os.ReadFile(p)
		if bytes.Contains(data, piece) {
			t.Errorf("the assertion is in %s", p)
		}
		return nil
	})
}

func TestRunFromBrowser(t *testing.T) {
	browser := samltest.Browser(t, saml.FindBrowser)
	for _, recipient := range []string{"", "https://eu-west-1.signin.aws.amazon.com/saml", "https://signin.aws.amazon.com/saml/acs/SAMLSPABCDEF", "https://signin.amazonaws-us-gov.com/saml"} {
		t.Run(recipient, func(t *testing.T) {
			srv, base := samltest.IdP(t, ststest.SAMLIdP{Recipient: recipient, Roles: []ststest.SAMLRole{{RoleARN: adminRole, ProviderARN: provider}}})
			profile := filepath.Join(t.TempDir(), "profile")
			pid := 0
			a, err := signIn(context.Background(), Options{URL: base + ststest.SAMLIdPPath, Browser: browser, ProfileDir: profile,
				Headless: true, Started: func(p int) { pid = p }})
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Roles) != 1 || a.Roles[0].RoleARN != adminRole {
				t.Errorf("roles %v", a.Roles)
			}
			if srv.SAMLPages() != 1 {
				t.Errorf("sign-in page served %d times", srv.SAMLPages())
			}
			samltest.Gone(t, pid)
			if fi, err := os.Stat(profile); err != nil || fi.Mode().Perm() != 0o700 {
				t.Errorf("profile folder: %v %v", fi, err)
			}
			if m, _ := filepath.Glob(filepath.Join(profile, "*", "Sessions")); len(m) > 0 {
				t.Errorf("session files left: %v", m)
			}
			noAssertionIn(t, profile, a.Encoded)
		})
	}
}

func TestRunAbandoned(t *testing.T) {
	browser := samltest.Browser(t, saml.FindBrowser)
	_, base := samltest.IdP(t, ststest.SAMLIdP{})
	t.Run("time limit", func(t *testing.T) {
		pid := 0
		_, err := signIn(context.Background(), Options{URL: base + "/no-post-here", Browser: browser, ProfileDir: t.TempDir(),
			Headless: true, Timeout: 3 * time.Second, Started: func(p int) { pid = p }})
		if !errors.Is(err, saml.ErrAbandoned) || !strings.Contains(err.Error(), "within 3s") {
			t.Fatalf("got %v", err)
		}
		samltest.Gone(t, pid)
	})
	t.Run("interrupted", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		pid := 0
		_, err := signIn(ctx, Options{URL: base + "/no-post-here", Browser: browser, ProfileDir: t.TempDir(),
			Headless: true, Started: func(p int) { pid = p; cancel() }})
		if !errors.Is(err, saml.ErrAbandoned) || !strings.Contains(err.Error(), "interrupted") {
			t.Fatalf("got %v", err)
		}
		samltest.Gone(t, pid)
	})
	t.Run("browser killed", func(t *testing.T) {
		pid := 0
		_, err := signIn(context.Background(), Options{URL: base + "/no-post-here", Browser: browser, ProfileDir: t.TempDir(),
			Headless: true, Started: func(p int) { pid = p; _ = syscall.Kill(p, syscall.SIGKILL) }})
		if !errors.Is(err, saml.ErrAbandoned) && (err == nil || !strings.Contains(err.Error(), "browser")) {
			t.Fatalf("got %v", err)
		}
		samltest.Gone(t, pid)
	})
	t.Run("sign-in page unreachable", func(t *testing.T) {
		s := ststest.New()
		u, err := s.Listen()
		if err != nil {
			t.Fatal(err)
		}
		s.Close() // nothing listens there now
		pid := 0
		_, err = signIn(context.Background(), Options{URL: u + ststest.SAMLIdPPath, Browser: browser, ProfileDir: t.TempDir(),
			Headless: true, Started: func(p int) { pid = p }})
		if err == nil || !strings.Contains(err.Error(), "could not open") || !strings.Contains(err.Error(), "ERR_CONNECTION_REFUSED") {
			t.Fatalf("got %v", err)
		}
		samltest.Gone(t, pid)
	})
	t.Run("missing browser", func(t *testing.T) {
		_, err := signIn(context.Background(), Options{URL: base, Browser: filepath.Join(t.TempDir(), "chromium"), ProfileDir: t.TempDir(), Headless: true})
		if err == nil || !strings.Contains(err.Error(), "cannot start") {
			t.Fatalf("got %v", err)
		}
	})
}

// The browser's environment holds none of awsenv's AWS variables, and its
// command line no debugging port.
func TestBrowserEnvironment(t *testing.T) {
	browser := samltest.Browser(t, saml.FindBrowser)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "sekrit-for-the-test")
	t.Setenv("AWS_SESSION_TOKEN", "token-for-the-test")
	_, base := samltest.IdP(t, ststest.SAMLIdP{Roles: []ststest.SAMLRole{{RoleARN: adminRole, ProviderARN: provider}}})
	var environ, cmdline []byte
	pid := 0
	_, err := signIn(context.Background(), Options{URL: base + ststest.SAMLIdPPath, Browser: browser, ProfileDir: t.TempDir(),
		Headless: true, Started: func(p int) {
			pid = p
			environ, _ = os.ReadFile("/proc/" + strconv.Itoa(p) + "/environ")
			cmdline, _ = os.ReadFile("/proc/" + strconv.Itoa(p) + "/cmdline")
		}})
	if err != nil {
		t.Fatal(err)
	}
	samltest.Gone(t, pid)
	if len(environ) == 0 || len(cmdline) == 0 {
		t.Skip("cannot read the browser's /proc entries here")
	}
	if bytes.Contains(environ, []byte("AWS_")) || bytes.Contains(environ, []byte("sekrit")) {
		t.Errorf("the browser's environment holds AWS variables: %q", environ)
	}
	if !bytes.Contains(cmdline, []byte("--remote-debugging-pipe")) || bytes.Contains(cmdline, []byte("remote-debugging-port")) || bytes.Contains(cmdline, []byte(ststest.SAMLIdPPath)) {
		t.Errorf("command line %q", cmdline)
	}
}

// A large assertion (hundreds of roles, as big organisations have) comes
// through whole.
func TestRunLarge(t *testing.T) {
	browser := samltest.Browser(t, saml.FindBrowser)
	var roles []ststest.SAMLRole
	for i := range 400 {
		roles = append(roles, ststest.SAMLRole{RoleARN: "arn:aws:iam::" + strconv.Itoa(100000000000+i) + ":role/SomeFairlyLongRoleNameForTesting", ProviderARN: provider})
	}
	_, base := samltest.IdP(t, ststest.SAMLIdP{Roles: roles})
	pid := 0
	a, err := signIn(context.Background(), Options{URL: base + ststest.SAMLIdPPath, Browser: browser, ProfileDir: t.TempDir(),
		Headless: true, Started: func(p int) { pid = p }})
	if err != nil {
		t.Fatal(err)
	}
	samltest.Gone(t, pid)
	if len(a.Roles) != 400 || len(a.Encoded) < 64<<10 {
		t.Errorf("%d roles, %d bytes", len(a.Roles), len(a.Encoded))
	}
}

// An identity provider that posts from a new window: the interception is
// the browser's, so the post is caught there too.
func TestRunFromPopup(t *testing.T) {
	browser := samltest.Browser(t, saml.FindBrowser)
	_, base := samltest.IdP(t, ststest.SAMLIdP{Fault: ststest.SAMLPopup, Roles: []ststest.SAMLRole{{RoleARN: adminRole, ProviderARN: provider}}})
	pid := 0
	a, err := signIn(context.Background(), Options{URL: base + ststest.SAMLIdPPath, Browser: browser, ProfileDir: t.TempDir(),
		Headless: true, Started: func(p int) { pid = p }, Timeout: 60 * time.Second,
		Flags: map[string]any{"disable-popup-blocking": true}})
	if err != nil {
		t.Fatal(err)
	}
	samltest.Gone(t, pid)
	if len(a.Roles) != 1 {
		t.Errorf("roles %v", a.Roles)
	}
}

// Main speaks the helper's protocol: the request on stdin, the browser's
// pid and then the assertion on stdout, and an interrupt when stdin ends.
func TestMainProtocol(t *testing.T) {
	browser := samltest.Browser(t, saml.FindBrowser)
	_, base := samltest.IdP(t, ststest.SAMLIdP{Roles: []ststest.SAMLRole{{RoleARN: adminRole, ProviderARN: provider}}})
	request := func(url string) string {
		data, err := json.Marshal(saml.HelperRequest{URL: url, Browser: browser, ProfileDir: t.TempDir(), Headless: true,
			Timeout: time.Minute, Env: saml.BrowserEnv(os.Getenv)})
		if err != nil {
			t.Fatal(err)
		}
		return string(data) + "\n"
	}
	messages := func(out string) []saml.HelperMessage {
		var ms []saml.HelperMessage
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var m saml.HelperMessage
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			ms = append(ms, m)
		}
		return ms
	}

	t.Run("assertion", func(t *testing.T) {
		// The request stays open until the answer is in.
		inR, inW := io.Pipe()
		go func() { _, _ = io.WriteString(inW, request(base+ststest.SAMLIdPPath)) }()
		var out, errOut bytes.Buffer
		if code := Main(inR, &out, &errOut); code != 0 || errOut.Len() > 0 {
			t.Fatalf("exit %d, stderr %q", code, errOut.String())
		}
		inW.Close()
		ms := messages(out.String())
		if len(ms) != 2 || ms[0].PID <= 0 || ms[1].Assertion == "" || ms[1].Error != "" {
			t.Fatalf("messages %+v", ms)
		}
		samltest.Gone(t, ms[0].PID)
		if _, err := saml.Parse(ms[1].Assertion); err != nil {
			t.Error(err)
		}
	})
	t.Run("stdin ends", func(t *testing.T) {
		var out bytes.Buffer
		if code := Main(strings.NewReader(request(base+"/no-post-here")), &out, io.Discard); code != 0 {
			t.Fatalf("exit %d", code)
		}
		ms := messages(out.String())
		last := ms[len(ms)-1]
		if last.Kind != "abandoned" || last.Error != "interrupted" || last.Assertion != "" {
			t.Fatalf("messages %+v", ms)
		}
		if ms[0].PID > 0 {
			samltest.Gone(t, ms[0].PID)
		}
	})
	t.Run("no request", func(t *testing.T) {
		var out, errOut bytes.Buffer
		if code := Main(strings.NewReader("--url http://x\n"), &out, &errOut); code != 2 || out.Len() > 0 || !strings.Contains(errOut.String(), "run by awsenv") {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
		}
	})
}
