//go:build unix

// Package samltest has what the tests of the SAML sign-in share: the real
// browser they drive, a wait for its processes to be gone, and the
// stand-in's identity provider.
package samltest

import (
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/awsenv/awsenv/internal/ststest"
)

// Browser is the real browser the tests drive (found by find, which is
// saml.FindBrowser: saml's own tests cannot have this package import it),
// or a skip.
func Browser(t *testing.T, find func(getenv func(string) string) (string, error)) string {
	t.Helper()
	p, err := find(os.Getenv)
	if err != nil {
		t.Skip("needs a Chrome-family browser: apt-get install -y chromium")
	}
	return p
}

// Gone waits until no process of the browser's group is left.
func Gone(t *testing.T, pid int) {
	t.Helper()
	if pid <= 0 {
		t.Fatal("the browser's pid was never told")
	}
	deadline := time.Now().Add(60 * time.Second)
	for syscall.Kill(-pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("browser process group %d still runs", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// IdP is a stand-in with idp as its identity provider, and its URL.
func IdP(t *testing.T, idp ststest.SAMLIdP) (*ststest.Server, string) {
	t.Helper()
	s := ststest.New()
	s.SetSAMLIdP(idp)
	u, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, u
}
