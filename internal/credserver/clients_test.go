package credserver

import (
	"github.com/awsenv/awsenv/internal/render"

	"context"
	"errors"
	"fmt"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/creds"
	"github.com/awsenv/awsenv/internal/stsapi"
	"github.com/awsenv/awsenv/internal/ststest"
	"github.com/awsenv/awsenv/internal/xerr"
)

// End-to-end: real clients (botocore, the Go SDK, the AWS CLI v2) read
// credentials from a server whose provider assumes a role at the project's
// STS stand-in, which issues credentials that live a few seconds.

const (
	awsCLI = "/usr/bin/aws"
	// lifetime is the stand-in's credential lifetime: 3 to 4 seconds once
	// cut to the second, far inside every client's refresh window, so each
	// client asks the server on every call.
	lifetime = 4 * time.Second
	// Each client calls until it has seen wantSessions role sessions (two
	// refreshes of its own) in at least minCalls calls; clientLimit is only
	// the outer limit for that, generous for a loaded machine.
	wantSessions = 3
	minCalls     = 5
	clientLimit  = 3 * time.Minute
	testRole     = "arn:aws:iam::123456789012:role/served"
)

// roleProvider assumes testRole with the keys of a stand-in user, with a
// new session name each time, so that the ARN a client sees tells which
// refresh its credentials came from.
type roleProvider struct {
	endpoint creds.Endpoint
	keys     creds.Static
	n        atomic.Int32
}

func (p *roleProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	ar := &creds.AssumeRole{Source: p.keys, Endpoint: p.endpoint, Input: stsapi.AssumeRoleInput{
		RoleARN: testRole, SessionName: fmt.Sprintf("refresh-%d", p.n.Add(1)), Duration: 15 * time.Minute,
	}}
	cr, err := ar.Retrieve(ctx)
	cr.AccountID = ststest.DefaultAccountID
	return cr, err
}

type fixture struct {
	sts    *ststest.Server
	stsURL string
	srv    *Server
}

// newFixture starts a stand-in with short-lived credentials and a server
// that assumes testRole there.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := ststest.New()
	url, err := st.Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	u := st.AddUser("alice", false)
	st.AddRole(ststest.Role{ARN: testRole})
	st.SetLifetime(lifetime)
	p := &roleProvider{
		endpoint: creds.Endpoint{URL: url, Region: "us-east-1", Timeout: 5 * time.Second},
		keys:     creds.Static{AccessKeyID: u.AccessKeyID, SecretAccessKey: u.SecretAccessKey},
	}
	return &fixture{sts: st, stsURL: url, srv: start(t, p, Options{Log: func(m string) { t.Log(m) }})}
}

// clientEnv is a clean environment for a client process: no AWS variables
// or files of the developer's, the STS endpoint, and the server's two
// variables.
func clientEnv(t *testing.T, stsURL string, server []string) []string {
	t.Helper()
	home := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "AWS_") || name == "HOME" || strings.HasSuffix(strings.ToLower(name), "_proxy") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"HOME="+home,
		"AWS_CONFIG_FILE="+filepath.Join(home, "no-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "no-credentials"),
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_ENDPOINT_URL_STS="+stsURL,
		"AWS_PAGER=",
	)
	return append(env, server...)
}

// run runs a client and returns its output.
func run(env []string, name string, args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), clientLimit+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// pythonLoop calls GetCallerIdentity with one boto3 client, so that its
// refreshable credentials refresh from the server, until it has seen
// argv[1] role sessions in argv[2] calls or more, within argv[3] seconds;
// with argv[1] 0, once.
const pythonLoop = `
import sys, time, boto3
sessions, calls, end = int(sys.argv[1]), int(sys.argv[2]), time.time() + float(sys.argv[3])
sts = boto3.client("sts")
i = failed = 0
seen = set()
while True:
    i += 1
    try:
        arn = sts.get_caller_identity()["Arn"]
        seen.add(arn)
        print("ok", i, arn, flush=True)
    except Exception as e:
        failed += 1
        print("call %d: %s" % (i, e), file=sys.stderr, flush=True)
    if sessions == 0 or (len(seen) >= sessions and i >= calls) or time.time() >= end:
        break
    time.sleep(0.2)
sys.exit(1 if failed else 0)
`

var (
	pythonOnce sync.Once
	pythonPath string
	pythonErr  error
)

// pythonExe returns the interpreter that has boto3, found with the test's
// own environment (a pyenv shim needs the real HOME).
func pythonExe() (string, error) {
	pythonOnce.Do(func() {
		out, err := exec.Command("python3", "-c", "import sys, boto3; print(sys.executable)").Output()
		pythonPath, pythonErr = strings.TrimSpace(string(out)), err
		if err == nil && pythonPath == "" {
			pythonErr = errors.New("python3 did not say where it is")
		}
	})
	return pythonPath, pythonErr
}

var (
	goclientOnce sync.Once
	goclientPath string
	goclientErr  error
)

// goclient builds testdata/goclient (its own module) once.
func goclient(t *testing.T) string {
	t.Helper()
	goclientOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(build.Default.GOROOT, "bin", "go")
		}
		dir, err := os.MkdirTemp("", "credserver-goclient")
		if err != nil {
			goclientErr = err
			return
		}
		goclientPath = filepath.Join(dir, "goclient")
		cmd := exec.Command(goTool, "build", "-o", goclientPath, ".")
		cmd.Dir = filepath.Join("..", "..", "testdata", "goclient")
		cmd.Env = append(os.Environ(), "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			goclientErr = fmt.Errorf("go build in testdata/goclient: %v\n%s", err, out)
		}
	})
	if goclientErr != nil {
		t.Fatal(goclientErr)
	}
	return goclientPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if goclientPath != "" {
		os.RemoveAll(filepath.Dir(goclientPath))
	}
	os.Exit(code)
}

// check asserts what issue 9 asks of every client: each call succeeded and
// reached STS once, the client got at least three different role sessions
// (so it picked up at least two refreshes itself), the stand-in assumed the
// role at least three times, and no call reached it with expired
// credentials.
func (f *fixture) check(t *testing.T, stdout, stderr string, err error, began time.Time) {
	t.Helper()
	if err != nil {
		t.Errorf("client failed: %v\n%s", err, stderr)
	}
	calls := 0
	sessions := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		fields := strings.Fields(line)
		if len(fields) != 3 || fields[0] != "ok" || !strings.HasPrefix(fields[2], "arn:aws:sts::123456789012:assumed-role/served/refresh-") {
			t.Errorf("unexpected output line %q", line)
			continue
		}
		calls++
		sessions[fields[2]] = true
	}
	st := f.srv.Stats()
	t.Logf("%d calls in %s, %d role sessions seen; stand-in: %d AssumeRole, %d GetCallerIdentity, %d expired; server: %+v",
		calls, time.Since(began).Round(time.Millisecond), len(sessions), f.sts.Count("AssumeRole"), f.sts.Count("GetCallerIdentity"), f.sts.ExpiredCalls(), st)
	if n := f.sts.Count("GetCallerIdentity"); n != calls || calls < minCalls {
		t.Errorf("%d successful calls, %d GetCallerIdentity at the stand-in: want equal, and at least %d", calls, n, minCalls)
	}
	if len(sessions) < wantSessions {
		t.Errorf("the client saw %d role sessions, want at least 3 (two refreshes)", len(sessions))
	}
	if n := f.sts.Count("AssumeRole"); n < 3 {
		t.Errorf("%d AssumeRole calls, want at least 3 (two refreshes)", n)
	}
	if n := f.sts.ExpiredCalls(); n != 0 {
		t.Errorf("%d calls reached the stand-in with expired credentials", n)
	}
	if st.Failures != 0 {
		t.Errorf("%d failed refreshes", st.Failures)
	}
}

// clientRun is one client's run, made concurrently with the others (go
// test runs only as many parallel tests as there are cores).
type clientRun struct {
	name   string
	skip   string          // why the client cannot run here, or ""
	argv   func() []string // the command line, once the client is known to be there
	env    []string
	stdout string
	stderr string
	err    error
	began  time.Time
}

// runAll runs the clients that are there at once and waits for them.
func runAll(t *testing.T, runs []*clientRun) {
	t.Helper()
	var wg sync.WaitGroup
	for _, r := range runs {
		if r.skip != "" {
			continue
		}
		argv := r.argv()
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.began = time.Now()
			r.stdout, r.stderr, r.err = run(r.env, argv[0], argv[1:]...)
		}()
	}
	wg.Wait()
}

// available says why each client cannot run here ("" if it can).
func pythonSkip() string {
	if _, err := pythonExe(); err != nil {
		return fmt.Sprintf("needs boto3 in the python3 first on PATH (%v): pip install boto3", err)
	}
	return ""
}

func awsCLISkip() string {
	if _, err := os.Stat(awsCLI); err != nil {
		return awsCLI + " is missing: apt-get install -y awscli"
	}
	return ""
}

func TestClientsAcrossRefreshes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real clients across three credential lifetimes (about 10 seconds)")
	}
	t.Parallel()
	gobin := goclient(t)
	fixtures := map[string]*fixture{}
	var runs []*clientRun
	add := func(name, skip string, argv func(f *fixture) []string) {
		f := newFixture(t)
		fixtures[name] = f
		runs = append(runs, &clientRun{name: name, skip: skip, env: clientEnv(t, f.stsURL, f.srv.Env()),
			argv: func() []string { return argv(f) }})
	}
	add("botocore", pythonSkip(), func(*fixture) []string {
		py, _ := pythonExe()
		return []string{py, "-c", pythonLoop, fmt.Sprint(wantSessions), fmt.Sprint(minCalls), fmt.Sprint(clientLimit.Seconds())}
	})
	add("go-sdk", "", func(*fixture) []string {
		return []string{gobin, "-keys", fmt.Sprint(wantSessions), "-n", fmt.Sprint(minCalls), "-for", clientLimit.String(), "-every", "200ms"}
	})
	add("aws-cli", awsCLISkip(), func(f *fixture) []string {
		// A shell loop of separate CLI runs, until it has seen $3 role
		// sessions in $4 calls or more, within $1 seconds; v2.9 ignores
		// AWS_ENDPOINT_URL_STS.
		loop := `end=$(( $(date +%s) + $1 )); i=0; seen=" "; n=0
while :; do
	i=$((i+1))
	arn=$(/usr/bin/aws sts get-caller-identity --endpoint-url "$2" --query Arn --output text) || exit 1
	echo "ok $i $arn"
	case "$seen" in *" $arn "*) ;; *) seen="$seen$arn "; n=$((n+1)) ;; esac
	[ $n -ge $3 ] && [ $i -ge $4 ] && break
	[ $(date +%s) -ge $end ] && break
done`
		return []string{"/bin/sh", "-c", loop, "sh", fmt.Sprint(int(clientLimit.Seconds())), f.stsURL, fmt.Sprint(wantSessions), fmt.Sprint(minCalls)}
	})
	runAll(t, runs)
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			if r.skip != "" {
				t.Skip(r.skip)
			}
			fixtures[r.name].check(t, r.stdout, r.stderr, r.err, r.began)
		})
	}
}

// When a person is needed, the clients fail with the provider's message,
// which says to run ec2mfa; nothing prompts and STS is not called.
func TestClientsShowNeedsPerson(t *testing.T) {
	t.Parallel()
	st := ststest.New()
	stsURL, err := st.Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var calls atomic.Int32
	needsPerson := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		calls.Add(1)
		return aws.Credentials{}, xerr.New(xerr.NeedsPerson, errors.New("the mfa session of account work has expired"),
			"run ec2mfa in your shell to start a new one")
	})
	srv := start(t, needsPerson, Options{})
	env := clientEnv(t, stsURL, srv.Env())
	gobin := goclient(t)
	runs := []*clientRun{
		{name: "botocore", skip: pythonSkip(), env: env, argv: func() []string {
			py, _ := pythonExe()
			return []string{py, "-c", pythonLoop, "0", "1", "0"}
		}},
		{name: "go-sdk", env: env, argv: func() []string { return []string{gobin, "-n", "1"} }},
		{name: "aws-cli", skip: awsCLISkip(), env: env, argv: func() []string {
			return []string{awsCLI, "sts", "get-caller-identity", "--endpoint-url", stsURL}
		}},
	}
	runAll(t, runs)
	const want = "the mfa session of account work has expired: run ec2mfa in your shell to start a new one"
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			if r.skip != "" {
				t.Skip(r.skip)
			}
			if r.err == nil {
				t.Fatal("the client succeeded without credentials")
			}
			if !strings.Contains(r.stderr, want) {
				t.Errorf("the client's error does not relay the message %q:\n%s", want, r.stderr)
			}
			t.Logf("%s says: %s", r.name, lastLine(r.stderr))
		})
	}
	if n := st.Total(); n != 0 {
		t.Errorf("%d calls reached STS without credentials", n)
	}
	if calls.Load() == 0 {
		t.Error("the provider was never asked")
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// A client with a wrong token gets no credentials.
func TestClientWrongToken(t *testing.T) {
	f := newFixture(t)
	env := clientEnv(t, f.stsURL, []string{render.ContainerURI + "=" + f.srv.URL(), render.ContainerToken + "=" + strings.Repeat("A", 43)})
	_, stderr, err := run(env, goclient(t), "-n", "1")
	if err == nil || !strings.Contains(stderr, "AccessDenied") {
		t.Errorf("err %v, stderr %s", err, stderr)
	}
	if n := f.srv.Stats().ProviderCalls; n != 0 || f.sts.Total() != 0 {
		t.Errorf("a wrong token reached the provider (%d) or STS (%d)", n, f.sts.Total())
	}
}

// The server answers as localhost too (the name the AWS CLI v2.9 accepts
// besides 127.0.0.1): real clients given that name in
// AWS_CONTAINER_CREDENTIALS_FULL_URI send it in Host and get credentials,
// while the check against other names (DNS rebinding) stands.
func TestClientsByLocalhost(t *testing.T) {
	t.Parallel()
	gobin := goclient(t)
	f := newFixture(t)
	uri := strings.Replace(f.srv.URL(), "127.0.0.1", "localhost", 1)
	env := clientEnv(t, f.stsURL, []string{render.ContainerURI + "=" + uri, render.ContainerToken + "=" + f.srv.Token()})
	runs := []*clientRun{
		{name: "go-sdk", env: env, argv: func() []string { return []string{gobin, "-n", "1"} }},
		{name: "botocore", skip: pythonSkip(), env: env, argv: func() []string {
			py, _ := pythonExe()
			return []string{py, "-c", pythonLoop, "0", "1", "60"}
		}},
		{name: "aws-cli", skip: awsCLISkip(), env: env, argv: func() []string {
			return []string{awsCLI, "sts", "get-caller-identity", "--endpoint-url", f.stsURL, "--query", "Arn", "--output", "text"}
		}},
	}
	runAll(t, runs)
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			if r.skip != "" {
				t.Skip(r.skip)
			}
			if r.err != nil || !strings.Contains(r.stdout, "assumed-role/served/refresh-") {
				t.Errorf("err %v\nstdout %s\nstderr %s", r.err, r.stdout, r.stderr)
			}
		})
	}
	if st := f.srv.Stats(); st.Served == 0 || st.Served != st.Requests {
		t.Errorf("server stats %+v: want every request served", st)
	}
}
