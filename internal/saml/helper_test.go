//go:build unix

package saml

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/awsenv/awsenv/internal/saml/samltest"

	"github.com/awsenv/awsenv/internal/ststest"
)

// TestMain builds the helper, awsenv-saml-browser, and puts it first on
// PATH, as go install puts it beside awsenv.
func TestMain(m *testing.M) {
	os.Exit(func() int {
		dir, err := os.MkdirTemp("", "saml-helper-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		build := exec.Command("go", "build", "-o", filepath.Join(dir, HelperName), "github.com/awsenv/awsenv/cmd/"+HelperName)
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "cannot build "+HelperName+":", err)
			return 1
		}
		os.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
		return m.Run()
	}())
}

// GetAssertion through the helper: the assertion comes back through its
// pipe, and the browser is gone afterwards.
func TestGetAssertionThroughHelper(t *testing.T) {
	browser := samltest.Browser(t, FindBrowser)
	srv, base := samltest.IdP(t, ststest.SAMLIdP{Roles: []ststest.SAMLRole{{RoleARN: adminRole, ProviderARN: provider}}})
	profile := filepath.Join(t.TempDir(), "profile")
	pid := 0
	a, err := GetAssertion(context.Background(), Options{URL: base + ststest.SAMLIdPPath, Browser: browser, ProfileDir: profile,
		Headless: true, Getenv: os.Getenv, Started: func(p int) { pid = p }})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Roles) != 1 || a.Roles[0].RoleARN != adminRole || srv.SAMLPages() != 1 {
		t.Errorf("roles %v, pages %d", a.Roles, srv.SAMLPages())
	}
	samltest.Gone(t, pid)
	if m, _ := filepath.Glob(filepath.Join(profile, "*", "Sessions")); len(m) > 0 {
		t.Errorf("session files left: %v", m)
	}
}

// An interrupt ends the helper, and the browser with it; the error is
// ErrAbandoned, as before the helper.
func TestGetAssertionInterrupted(t *testing.T) {
	browser := samltest.Browser(t, FindBrowser)
	_, base := samltest.IdP(t, ststest.SAMLIdP{})
	ctx, cancel := context.WithCancel(context.Background())
	pid := 0
	_, err := GetAssertion(ctx, Options{URL: base + "/no-post-here", Browser: browser, ProfileDir: t.TempDir(),
		Headless: true, Getenv: os.Getenv, Started: func(p int) { pid = p; cancel() }})
	if !errors.Is(err, ErrAbandoned) || err.Error() != ErrAbandoned.Error()+": interrupted" {
		t.Fatalf("got %v", err)
	}
	samltest.Gone(t, pid)
	t.Run("time limit", func(t *testing.T) {
		_, err := GetAssertion(context.Background(), Options{URL: base + "/no-post-here", Browser: browser, ProfileDir: t.TempDir(),
			Headless: true, Timeout: 2 * time.Second, Getenv: os.Getenv})
		if !errors.Is(err, ErrAbandoned) || !strings.HasSuffix(err.Error(), ": no assertion within 2s") {
			t.Fatalf("got %v", err)
		}
	})
}

// Without the helper, one line names it and says how to install it.
func TestGetAssertionNoHelper(t *testing.T) {
	browser := samltest.Browser(t, FindBrowser)
	t.Setenv("PATH", t.TempDir())
	_, err := GetAssertion(context.Background(), Options{URL: "http://127.0.0.1:1/", Browser: browser, ProfileDir: t.TempDir(),
		Headless: true, Getenv: os.Getenv})
	if err == nil || !strings.Contains(err.Error(), HelperName+" ") || !strings.Contains(err.Error(), "go install") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("got %v", err)
	}
}

// The error values cross the pipe by name.
func TestHelperErrorKinds(t *testing.T) {
	for _, err := range []error{fmt.Errorf("%w: interrupted", ErrAbandoned), ErrNoBrowser, ErrNoDisplay, errors.New("cannot start the browser x")} {
		back := ErrorMessage(err).err()
		if back.Error() != err.Error() {
			t.Errorf("%v came back as %v", err, back)
		}
		for _, e := range ErrorKinds {
			if errors.Is(err, e) != errors.Is(back, e) {
				t.Errorf("%v came back as %v", err, back)
			}
		}
	}
}

func TestFindBrowserFromEnvironment(t *testing.T) {
	env := map[string]string{"AWSENV_SAML_BROWSER": "/nonexistent/chrome"}
	if _, err := FindBrowser(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "AWSENV_SAML_BROWSER") {
		t.Errorf("got %v", err)
	}
	env["AWSENV_SAML_BROWSER"] = "/bin/sh"
	if p, err := FindBrowser(func(k string) string { return env[k] }); err != nil || p != "/bin/sh" {
		t.Errorf("got %q %v", p, err)
	}
	dir, err := ProfileDir(func(k string) string { return map[string]string{"HOME": "/home/u"}[k] })
	if err != nil || (dir != "/home/u/.config/awsenv/saml-browser" && dir != "/home/u/Library/Application Support/awsenv/saml-browser") {
		t.Errorf("profile dir %q %v", dir, err)
	}
}

// Two sign-ins on one profile folder take turns: both get an assertion.
func TestGetAssertionTakesTurns(t *testing.T) {
	browser := samltest.Browser(t, FindBrowser)
	srv, base := samltest.IdP(t, ststest.SAMLIdP{Roles: []ststest.SAMLRole{{RoleARN: adminRole, ProviderARN: provider}}})
	profile := filepath.Join(t.TempDir(), "profile")
	errs := make(chan error, 2)
	pids := make(chan int, 2)
	for range 2 {
		go func() {
			_, err := GetAssertion(context.Background(), Options{URL: base + ststest.SAMLIdPPath, Browser: browser, ProfileDir: profile,
				Headless: true, Started: func(p int) { pids <- p }})
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	close(pids)
	for pid := range pids {
		samltest.Gone(t, pid)
	}
	if srv.SAMLPages() != 2 {
		t.Errorf("pages %d", srv.SAMLPages())
	}
}
