package doctor

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// hangingEndpoint accepts connections and never answers, as a black-holed
// network does.
func hangingEndpoint(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String()
}

// With many accounts and an IAM that does not answer, doctor waits about
// one timeout, not one an account, and says how many it did not ask.
func TestKeyAgesStopWhenIAMIsUnreachable(t *testing.T) {
	home := t.TempDir()
	dir := filepath.Join(home, "aws-creds")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	const n = 40
	var b strings.Builder
	b.WriteString("{\n")
	for i := range n {
		name := fmt.Sprintf("acct%02d", i)
		sep := ","
		if i == n-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "  %q: \"arn:aws:iam::%012d:\"%s\n", name, i, sep)
		for ext, v := range map[string]string{".access_key": fmt.Sprintf("AKIAEXAMPLE%09d\n", i), ".secret_key": "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY\n"} {
			if err := os.WriteFile(filepath.Join(dir, name+ext), []byte(v), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	b.WriteString("}\n")
	if err := os.WriteFile(filepath.Join(dir, "accounts.json"), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	url := hangingEndpoint(t)
	env := map[string]string{"HOME": home, "USER": "tester", "AWS_ENDPOINT_URL_IAM": url, "AWS_ENDPOINT_URL_STS": url,
		"AWS_CONFIG_FILE": filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "none")}
	const timeout = 300 * time.Millisecond
	start := time.Now()
	findings := Run(context.Background(), Options{Getenv: func(k string) string { return env[k] }, Now: time.Now, Timeout: timeout})
	elapsed := time.Since(start)
	unknown, skipped := 0, ""
	for _, f := range findings {
		switch {
		case strings.Contains(f.Text, "the age of its access key is unknown"):
			unknown++
		case strings.Contains(f.Text, "more accounts is unknown"):
			skipped = f.Text
		}
	}
	// The first workers' calls time out together; the rest are not made.
	if unknown < 1 || unknown > keyAgeWorkers || skipped == "" {
		t.Errorf("%d accounts unknown, skipped: %q", unknown, skipped)
	}
	if want := fmt.Sprintf("of %d more accounts", n-unknown); !strings.Contains(skipped, want) {
		t.Errorf("skipped %q, want %q", skipped, want)
	}
	// One timeout for the key ages, one for STS: not forty. The counts
	// above pin that (the calls after the first workers' are not made);
	// the time is only logged, as a loaded machine stretches it.
	t.Logf("doctor took %s with a %s timeout", elapsed, timeout)
}
