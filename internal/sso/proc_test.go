package sso

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// helperProcess is one awsenv process that wants the token (see TestMain):
// it prints the access token it got.
func helperProcess() int {
	sess := Session{Name: os.Getenv("HELPER_SESSION"), StartURL: os.Getenv("HELPER_START_URL"), Region: os.Getenv("HELPER_REGION")}
	c := &Client{Getenv: os.Getenv}
	tok, err := c.Token(context.Background(), sess, LoginOptions{NoLogin: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(tok.AccessToken)
	return 0
}

func TestOneRefreshBetweenProcesses(t *testing.T) {
	w := newWorld(t)
	w.login()
	tok, _ := readToken(w.tokenPath())
	tok.ExpiresAt = time.Now().Add(-time.Second).Truncate(time.Second)
	w.writeFile(w.tokenPath(), string(tok.encode()))
	w.srv.ResetCounts()
	w.srv.SetDelay(100 * time.Millisecond)

	const n = 8
	outs := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = []string{"AWSENV_SSO_HELPER=1", "HOME=" + w.home, "AWS_ENDPOINT_URL_SSO=" + w.url, "AWS_ENDPOINT_URL_SSO_OIDC=" + w.url,
				"HELPER_SESSION=" + w.sess.Name, "HELPER_START_URL=" + w.sess.StartURL, "HELPER_REGION=" + w.sess.Region}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			outs[i] = strings.TrimSpace(string(out))
			if err != nil {
				errs[i] = fmt.Errorf("%v: %s", err, stderr.String())
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || outs[i] == "" || outs[i] != outs[0] {
			t.Fatalf("process %d: %v (%d bytes)", i, errs[i], len(outs[i]))
		}
	}
	if got := w.counts("CreateToken.refresh_token", "CreateToken", "RegisterClient"); got != "CreateToken.refresh_token=1 CreateToken=1 RegisterClient=0" {
		t.Errorf("%d processes made %s", n, got)
	}
}
