//go:build unix

package sso

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/awsenv/awsenv/internal/ststest"
)

// The Debian AWS CLI v2 (/usr/bin/aws), run for real beside awsenv: its
// 'aws sso login' (a device authorization in 2.9), its role credentials and
// its own cache. It ignores AWS_ENDPOINT_URL* and aws sso login takes no
// --endpoint-url, so it reaches the stand-in through ststest.AWSProxy
// under the real host names (HTTPS_PROXY, AWS_CA_BUNDLE).

const awsCLI = "/usr/bin/aws"

// realCLI is the AWS CLI of a world.
type realCLI struct {
	w     *world
	proxy *ststest.AWSProxy
	env   []string
}

func newRealCLI(w *world) *realCLI {
	w.t.Helper()
	if _, err := os.Stat(awsCLI); err != nil {
		w.t.Skipf("the Debian AWS CLI v2 is not installed at %s (apt-get install awscli): %v", awsCLI, err)
	}
	p, err := ststest.NewAWSProxy(w.srv)
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { p.Close() })
	ca := filepath.Join(w.home, "proxy-ca.pem")
	w.writeFile(ca, string(p.CAPEM))
	w.sess.Scopes = []string{DefaultScope} // as testConfig's sso_registration_scopes
	return &realCLI{w: w, proxy: p, env: []string{
		"PATH=/usr/bin:/bin", "HOME=" + w.home, "LANG=C.UTF-8", "PYTHONUNBUFFERED=1", "AWS_PAGER=",
		"AWS_CONFIG_FILE=" + w.testConfig(), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(w.home, "no-credentials"),
		"HTTPS_PROXY=" + p.URL, "https_proxy=" + p.URL, "AWS_CA_BUNDLE=" + ca, "AWS_EC2_METADATA_DISABLED=true",
	}}
}

func (c *realCLI) run(ctx context.Context, args ...string) (stdout, stderr string, err error) {
	cmd := exec.CommandContext(ctx, awsCLI, args...)
	cmd.Env = c.env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// login runs 'aws sso login --no-browser' and plays the person: it opens
// the address the CLI prints (through the proxy, as the CLI's host) and so
// approves the code.
func (c *realCLI) login() error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, awsCLI, "sso", "login", "--sso-session", testSession, "--no-browser")
	cmd.Env = c.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	var printed strings.Builder
	approved := make(chan error, 1)
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		printed.WriteString(line + "\n")
		if strings.HasPrefix(line, "https://") && strings.Contains(line, "user_code=") {
			go func() { approved <- c.open(line) }()
		}
	}
	io.Copy(io.Discard, out)
	err = cmd.Wait()
	if err != nil {
		return fmt.Errorf("aws sso login: %v\n%s%s", err, printed.String(), stderr.String())
	}
	if !strings.Contains(printed.String(), "Successfully logged into Start URL: "+c.w.sess.StartURL) {
		return fmt.Errorf("aws sso login said:\n%s%s", printed.String(), stderr.String())
	}
	return <-approved
}

// open is the person's browser on an AWS page, through the proxy.
func (c *realCLI) open(page string) error {
	proxy, _ := url.Parse(c.proxy.URL)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(c.proxy.CAPEM)
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{Proxy: http.ProxyURL(proxy), TLSClientConfig: &tls.Config{RootCAs: roots}}}
	resp, err := hc.Get(page)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("the verification page answered %d: %s", resp.StatusCode, body)
	}
	return nil
}

// callerARN is what 'aws sts get-caller-identity --profile PROFILE' says:
// the CLI gets the role's credentials with the cached login.
func (c *realCLI) callerARN(profile string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, stderr, err := c.run(ctx, "sts", "get-caller-identity", "--profile", profile, "--query", "Arn", "--output", "text")
	if err != nil {
		return "", fmt.Errorf("aws sts get-caller-identity --profile %s: %v\n%s", profile, err, stderr)
	}
	return strings.TrimSpace(out), nil
}

func (w *world) cacheFile(name string) string {
	return filepath.Join(w.home, ".aws", "sso", "cache", name)
}

// awsenvLogin logs in anew with awsenv, by the browser or a device code.
func (w *world) awsenvLogin(device bool) {
	w.t.Helper()
	opts := w.opts()
	if device {
		opts.DeviceCode, opts.Open = true, nil
		opts.Show = func(_, code string) error { return w.srv.ApproveSSODevice(code) }
	}
	if _, err := w.client().Login(context.Background(), w.sess, opts); err != nil {
		w.t.Fatalf("awsenv login (device code %v): %v", device, err)
	}
}

// The AWS CLI and awsenv log in to one session, one after the other in
// either order, each as often as it likes: neither breaks the other's next
// login (awsenv used to save its browser flow's registration under the
// CLI's own cache key, and the CLI's next login failed with
// UnauthorizedClientException), and each one's login serves the CLI, awsenv
// and botocore.
func TestAWSCLIAndAwsenvLogInInEitherOrder(t *testing.T) {
	for _, cliFirst := range []bool{true, false} {
		name := map[bool]string{true: "the AWS CLI first", false: "awsenv first"}[cliFirst]
		t.Run(name, func(t *testing.T) {
			t.Parallel() // most of it is waiting for the CLI's Python to start
			w := newWorld(t)
			cli := newRealCLI(w)
			cliReg := w.cacheFile(cliRegistrationFile(w.sess))
			if cliFirst {
				if err := cli.login(); err != nil {
					t.Fatal(err)
				}
			}
			before, _ := os.ReadFile(cliReg)
			// awsenv's browser login, then the CLI's: the CLI must not
			// take awsenv's registration for its device login.
			w.awsenvLogin(false)
			if err := cli.login(); err != nil {
				t.Fatalf("the AWS CLI's login after awsenv's browser login: %v", err)
			}
			if !cliFirst {
				before, _ = os.ReadFile(cliReg)
			}
			// awsenv's device login, then the CLI's again.
			w.awsenvLogin(true)
			if err := cli.login(); err != nil {
				t.Fatalf("the AWS CLI's login after awsenv's device login: %v", err)
			}
			if after, _ := os.ReadFile(cliReg); !bytes.Equal(before, after) || len(after) == 0 {
				t.Errorf("the AWS CLI's registration changed across awsenv's logins:\n%s\n%s", before, after)
			}
			// Both tools' registrations are reused: no new one anywhere.
			regs := w.srv.Count("RegisterClient")
			if regs != 3 {
				t.Errorf("%d registrations, want 3: the CLI's, awsenv's browser one, awsenv's device one", regs)
			}
			if err := cli.login(); err != nil {
				t.Fatal(err)
			}
			w.awsenvLogin(false)
			w.awsenvLogin(true)
			if n := w.srv.Count("RegisterClient"); n != regs {
				t.Errorf("%d more registrations on the second round", n-regs)
			}

			// The CLI's last login serves the CLI itself, awsenv and botocore.
			arn, err := cli.callerARN("sso-ro")
			if err != nil {
				t.Fatal(err)
			}
			if want := w.srv.SSORoleARN(testAccount, testRole); arn != want {
				t.Errorf("the AWS CLI is %s, want %s", arn, want)
			}
			if err := cli.login(); err != nil {
				t.Fatal(err)
			}
			w.srv.ResetCounts()
			tok, err := w.client().Token(context.Background(), w.sess, w.opts())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.client().RoleCredentials(context.Background(), tok, testAccount, testRole); err != nil {
				t.Fatal(err)
			}
			if python, ok := botocoreOrSkip(); ok {
				c := credsOf(t, runPython(t, python, w.pythonEnv(), botocoreCredentials, "sso-admin"))
				if got, want := w.callerARN(c), w.srv.SSORoleARN(testAccount, "AdministratorAccess"); got != want {
					t.Errorf("botocore is %s, want %s", got, want)
				}
			} else {
				t.Log("python3 with botocore is not installed: botocore's reading of the CLI's login not checked")
			}
			if got := w.counts("RegisterClient", "CreateToken", "StartDeviceAuthorization"); got != "RegisterClient=0 CreateToken=0 StartDeviceAuthorization=0" {
				t.Errorf("awsenv and botocore with the CLI's login: %s", got)
			}
			if t.Failed() {
				var fields map[string]any
				json.Unmarshal([]byte(w.readFile(w.tokenPath())), &fields)
				t.Logf("hosts through the proxy: %v; token file fields: %d", cli.proxy.Hosts(), len(fields))
			}
		})
	}
}

func botocoreOrSkip() (string, bool) {
	out, err := exec.Command("python3", "-c", "import botocore, sys; print(sys.executable)").Output()
	if err != nil {
		return "", false
	}
	return strings.TrimSpace(string(out)), true
}

// After awsenv's logout the AWS CLI stops working too: its cached role
// credentials of the login are deleted, as aws sso logout deletes them,
// and its assume-role credentials stay.
func TestLogoutEndsTheAWSCLIsRoleCredentials(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cli := newRealCLI(w)
	w.login()
	arn, err := cli.callerARN("sso-ro") // the CLI takes awsenv's login
	if err != nil {
		t.Fatal(err)
	}
	if want := w.srv.SSORoleARN(testAccount, testRole); arn != want {
		t.Fatalf("the AWS CLI is %s, want %s", arn, want)
	}
	dir := filepath.Join(w.home, ".aws", "cli", "cache")
	cached, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(cached) != 1 || !isSSORoleCredentials(cached[0]) {
		t.Fatalf("the AWS CLI cached %v, want one file of sso role credentials", cached)
	}
	role := filepath.Join(dir, "a3c7e0f1d2b4c6e8f0a1b3c5d7e9f1a3b5c7d9e1.json")
	w.writeFile(role, cliAssumeRole)

	if err := w.client().Logout(context.Background(), w.sess); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cached[0]); err == nil {
		t.Error("the AWS CLI's cached sso role credentials are still there")
	}
	if w.readFile(role) != cliAssumeRole {
		t.Error("the assume-role credentials changed")
	}
	if arn, err := cli.callerARN("sso-ro"); err == nil {
		t.Errorf("the AWS CLI still works after the logout: %s", arn)
	}
}
