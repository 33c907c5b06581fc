//go:build unix

package creds

import (
	"context"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/stsapi"
	"github.com/awsenv/awsenv/internal/ststest"
)

// faultyEndpoint is the stand-in behind a Faults, with an MFA user.
func faultyEndpoint(t *testing.T, timeout time.Duration) (*ststest.Faults, *ststest.User, Endpoint) {
	t.Helper()
	srv := ststest.New()
	user := srv.AddUser("alice", true)
	srv.AddRole(ststest.Role{ARN: "arn:aws:iam::123456789012:role/ro"})
	f := ststest.NewFaults(srv)
	u := f.Listen()
	t.Cleanup(f.Close)
	ep, err := NewEndpoint(u, "AWS_ENDPOINT_URL_STS", "us-east-1", timeout, "", false)
	if err != nil {
		t.Fatal(err)
	}
	return f, user, ep
}

func userKeys(u *ststest.User) aws.CredentialsProvider {
	return Static{AccessKeyID: u.AccessKeyID, SecretAccessKey: u.SecretAccessKey}
}

// Every fault of an MFA call ends in one line that names the endpoint and
// says what to do, within the timeout, after exactly one request (a code
// is never retried), and quotes no secret.
func TestSessionTokenFaults(t *testing.T) {
	tests := []struct {
		fault ststest.Fault
		want  string
	}{
		{ststest.Hang, "did not answer within 1s: check the network or raise --timeout"},
		{ststest.Drip, "did not answer within 1s"},
		{ststest.Status500XML, "is failing or throttling (InternalFailure: "},
		{ststest.Status503Plain, "is failing or throttling (HTTP503: Service Unavailable): try again in a minute"},
		{ststest.Throttling, "is failing or throttling (Throttling: Rate exceeded): try again in a minute"},
		{ststest.MalformedXML, "answered GetSessionToken with something awsenv cannot use (XML syntax error"},
		{ststest.TruncatedXML, "answered GetSessionToken with something awsenv cannot use (XML syntax error"},
		{ststest.MissingFields, "answered GetSessionToken with something awsenv cannot use (credentials without SessionToken)"},
		{ststest.HugeBody, "cannot use (an answer larger than 1 MiB)"},
		{ststest.PastExpiration, "returned credentials that expired at "},
		{ststest.Redirect302, "answered with a redirect (302 to http://127.0.0.1:"},
		{ststest.Redirect307, "answered with a redirect (307 to http://127.0.0.1:"},
		{ststest.RedirectLoop, "answered with a redirect (302 to http://127.0.0.1:"},
	}
	for _, tt := range tests {
		t.Run(string(tt.fault), func(t *testing.T) {
			t.Parallel()
			f, user, ep := faultyEndpoint(t, time.Second)
			f.Set(tt.fault)
			code := user.Code(time.Now())
			p := &SessionToken{Source: userKeys(user), Endpoint: ep, Duration: time.Hour, MFASerial: user.MFASerial,
				Code: func(context.Context) (string, error) { return code, nil }}
			start := time.Now()
			_, err := p.Retrieve(context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) || !strings.Contains(msg, ep.URL) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line naming %s with %q", msg, ep.URL, tt.want)
			}
			for _, secret := range []string{user.SecretAccessKey, code} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q quotes a secret", msg)
				}
			}
			// Generous for a loaded machine; the message says the 1s
			// timeout fired, and the hang outlasts the limit.
			if d := time.Since(start); d > 30*time.Second {
				t.Errorf("took %s with a 1s timeout", d)
			}
			if n := f.Count("GetSessionToken"); n != 1 {
				t.Errorf("%d GetSessionToken requests, want 1", n)
			}
			if len(f.Sink()) != 0 {
				t.Error("the redirect target got a request")
			}
		})
	}
}

// Issue 12: expired credentials were accepted from every STS action.
func TestExpiredAtReceiptEveryProvider(t *testing.T) {
	f, user, ep := faultyEndpoint(t, 5*time.Second)
	f.Set(ststest.PastExpiration)
	providers := map[string]aws.CredentialsProvider{
		"SessionToken": &SessionToken{Source: userKeys(user), Endpoint: ep, Duration: time.Hour},
		"AssumeRole": &AssumeRole{Source: userKeys(user), Endpoint: ep,
			Input: stsAssumeRoleInput("arn:aws:iam::123456789012:role/ro")},
		"Federation": &Federation{Source: userKeys(user), Endpoint: ep, Name: "alice", Duration: time.Hour, Policy: AllowAll},
	}
	for name, p := range providers {
		_, err := p.Retrieve(context.Background())
		if err == nil || !strings.Contains(err.Error(), "sts at "+ep.URL+" returned credentials that expired at ") ||
			!strings.Contains(err.Error(), "check the system clock") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	// A credential process and a metadata endpoint are held to it too.
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	proc := &Process{Command: `echo '{"Version":1,"AccessKeyId":"AKIA","SecretAccessKey":"s","Expiration":"` + past + `"}'`}
	if _, err := proc.Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), "returned credentials that expired at") {
		t.Errorf("credential_process: err = %v", err)
	}
}

// Issue 12: a blackholed endpoint said "did not answer within 30s" after
// 10 seconds: a connection that times out before the call's deadline says
// how long it took.
func TestTimeoutMessages(t *testing.T) {
	ep, _ := NewEndpoint("http://127.0.0.1:9", "AWS_ENDPOINT_URL_STS", "us-east-1", 30*time.Second, "", false)
	ctx := context.Background()
	dial := &url.Error{Op: "Post", URL: ep.URL, Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: &os.SyscallError{Syscall: "connect", Err: syscall.ETIMEDOUT}}}
	err := ep.Explain(ctx, "GetSessionToken", dial, 10400*time.Millisecond)
	if want := "cannot reach sts at http://127.0.0.1:9: no answer after 10.4s (connection timed out): check the network"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("kernel timeout: %v, want %q", err, want)
	}
	dctx, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel()
	err = ep.Explain(dctx, "GetSessionToken", context.DeadlineExceeded, 30*time.Second)
	if want := "sts at http://127.0.0.1:9 did not answer within 30s: check the network or raise --timeout"; err == nil || err.Error() != want {
		t.Errorf("deadline: %v, want %q", err, want)
	}
}

// An https endpoint whose CA nobody trusts: the error says so and what to do.
func TestUnknownCA(t *testing.T) {
	srv := ststest.New()
	user := srv.AddUser("alice", false)
	f := ststest.NewFaults(srv)
	u := f.ListenTLS()
	defer f.Close()
	ep, _ := NewEndpoint(u, "AWS_ENDPOINT_URL_STS", "us-east-1", 5*time.Second, "", false)
	_, err := (&SessionToken{Source: userKeys(user), Endpoint: ep, Duration: time.Hour}).Retrieve(context.Background())
	if err == nil || !strings.Contains(err.Error(), "cannot reach sts at "+u+": its certificate is not trusted") ||
		!strings.Contains(err.Error(), "AWS_CA_BUNDLE") {
		t.Errorf("err = %v", err)
	}
	// With the CA in AWS_CA_BUNDLE, it works.
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(bundle, f.CertPEM(), 0o600)
	ep.CABundle = bundle
	if _, err := (&SessionToken{Source: userKeys(user), Endpoint: ep, Duration: time.Hour}).Retrieve(context.Background()); err != nil {
		t.Errorf("with the bundle: %v", err)
	}
}

// specialFiles makes, in dir, one path of each kind awsenv must refuse to
// read without hanging or filling the memory.
func specialFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	paths := map[string]string{
		"fifo":         filepath.Join(dir, "fifo"),
		"dev-zero":     filepath.Join(dir, "zero"),
		"dev-urandom":  filepath.Join(dir, "urandom"),
		"directory":    filepath.Join(dir, "dir"),
		"dangling":     filepath.Join(dir, "dangling"),
		"huge":         filepath.Join(dir, "huge"),
		"nul":          filepath.Join(dir, "nul"),
		"missing file": filepath.Join(dir, "missing"),
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(syscall.Mkfifo(paths["fifo"], 0o600))
	must(os.Symlink("/dev/zero", paths["dev-zero"]))
	must(os.Symlink("/dev/urandom", paths["dev-urandom"]))
	must(os.Mkdir(paths["directory"], 0o700))
	must(os.Symlink(filepath.Join(dir, "nowhere"), paths["dangling"]))
	h, err := os.Create(paths["huge"])
	must(err)
	must(h.Truncate(100 << 20))
	h.Close()
	must(os.WriteFile(paths["nul"], []byte("eyJh.eyJi\x00.c2ln\n"), 0o600))
	return paths
}

// Issue 12: the CA bundle was read with os.ReadFile: a FIFO hung every
// STS call, /dev/zero filled the memory.
func TestCABundleSpecialFiles(t *testing.T) {
	for kind, path := range specialFiles(t, t.TempDir()) {
		done := make(chan error, 1)
		go func() {
			ep := Endpoint{URL: "https://127.0.0.1:9", Region: "us-east-1", Timeout: time.Second, CABundle: path}
			_, err := ep.HTTPClient()
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "AWS_CA_BUNDLE "+path) || !strings.Contains(err.Error(), "unset it") {
				t.Errorf("%s: err = %v", kind, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: HTTPClient hangs", kind)
		}
	}
}

// Issue 12: the web identity token file was read with os.ReadFile, and a
// token with a NUL, a BOM or a second line was sent to STS.
func TestTokenFile(t *testing.T) {
	dir := t.TempDir()
	const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJqYW5lIn0.c2lnbmF0dXJl"
	for kind, path := range specialFiles(t, dir) {
		done := make(chan error, 1)
		go func() { _, err := TokenFile(path)(context.Background()); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "web identity token file "+path) {
				t.Errorf("%s: err = %v", kind, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: TokenFile hangs", kind)
		}
	}
	for _, tt := range []struct {
		name, content, want string
	}{
		{"plain", jwt, ""},
		{"newline", jwt + "\n", ""},
		{"CRLF", jwt + "\r\n", ""},
		{"CR", jwt + "\r", ""},
		{"BOM", "\xef\xbb\xbf" + jwt + "\n", ""},
		{"two lines", jwt + "\n" + jwt + "\n", "holds more than one line"},
		{"CR-only lines", jwt + "\r" + jwt + "\r", "holds more than one line"},
		{"space", "Bearer " + jwt, "does not hold a JWT"},
		{"empty", "\n", "is empty"},
		{"not a JWT", "hello", "does not hold a JWT"},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_"))
		os.WriteFile(path, []byte(tt.content), 0o600)
		tok, err := TokenFile(path)(context.Background())
		switch {
		case tt.want == "" && (err != nil || tok != jwt):
			t.Errorf("%s: %q, %v; want the token", tt.name, tok, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: %v; want %q", tt.name, err, tt.want)
		case err != nil && strings.Contains(err.Error(), "eyJ"):
			t.Errorf("%s: the error quotes the token: %v", tt.name, err)
		}
	}
}

func stsAssumeRoleInput(arn string) stsapi.AssumeRoleInput {
	return stsapi.AssumeRoleInput{RoleARN: arn, SessionName: "alice", Duration: time.Hour}
}
