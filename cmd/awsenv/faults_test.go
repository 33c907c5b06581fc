// The end-to-end scripts drive real Unix shells, FIFOs and process groups.

//go:build unix

package main

// The standing fault suite of issue 12: the real binary against a hostile
// world. Each case builds a fresh HOME (credential directory, accounts file,
// key files, ~/.aws, cache) around a fresh stand-in user, spoils one thing
// (a file swapped for a FIFO, a device, a huge file...; an STS that hangs,
// redirects, answers garbage or expired credentials...), runs one command
// and holds it to the output discipline:
//
//   - exit status non-zero, stdout empty, exactly one line on stderr that
//     names the file or the endpoint (or success where the input is fine:
//     a BOM, CRLF line ends), and then nothing but messages on stderr;
//   - no panic, no goroutine dump;
//   - no hang: done before hangLimit, which is generous for a loaded machine;
//     the message says which timeout fired ("did not answer within 2s"), and
//     what a case must not wait for (a child process, a browser) would
//     outlast hangLimit;
//   - the cache directory and the credentials file byte for byte as they
//     were after any failure;
//   - no secret (the secret key, a session token, the ID token, the MFA
//     code) in any output of a failure, nor on stderr ever;
//   - no request to the redirect target, and one request for a call that
//     carries an MFA code.
//
// The scripts testdata/script/faults_*.txt run the tables with the
// faultsuite command; cases run in parallel.

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/ststest"
)

// faultIssuer is the identity provider the suite's web identity role
// trusts; its keys are given to the stand-in, so nothing is fetched.
const (
	faultIssuer   = "https://idp.faults.example"
	faultAudience = "awsenv-faults"
	faultTeamRole = "arn:aws:iam::123456789012:role/fault-team"
)

// suite is what the cases of one script share: the stand-in, its roles, the
// identity provider's key, the binary.
type suite struct {
	ts      *testscript.TestScript
	bin     string
	srv     *ststest.Server
	idpKey  *rsa.PrivateKey
	root    string
	ca      []byte
	mu      sync.Mutex
	n       int
	logs    []string
	failed  []string
	skipped int
	closers []func()
	started time.Time
}

func newSuite(ts *testscript.TestScript) *suite {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	ts.Check(err)
	srv := ststest.New()
	srv.AddRole(ststest.Role{ARN: "arn:aws:iam::123456789012:role/work-admin", MaxSessionDuration: 12 * time.Hour, RequireMFA: true})
	srv.AddRole(ststest.Role{ARN: "arn:aws:iam::123456789012:role/readonly", MaxSessionDuration: 2 * time.Hour})
	srv.AddOIDCProvider(ststest.OIDCProvider{Issuer: faultIssuer, Audiences: []string{faultAudience},
		Keys: &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "k1", Algorithm: "RS256", Use: "sig"}}}})
	srv.AddRole(ststest.Role{ARN: faultTeamRole, MaxSessionDuration: 12 * time.Hour, WebIdentityIssuer: faultIssuer})
	root := ts.MkAbs("faults")
	ts.Check(os.MkdirAll(root, 0o700))
	// The CA of every https world (httptest's), for AWS_CA_BUNDLE.
	tlsFaults := ststest.NewFaults(nil)
	tlsFaults.ListenTLS()
	ca := tlsFaults.CertPEM()
	tlsFaults.Close()
	return &suite{ts: ts, bin: filepath.Join(binDir(ts), "awsenv"), srv: srv, idpKey: key, root: root, ca: ca, started: time.Now()}
}

// idToken is an ID token of the suite's provider, valid for an hour.
func (s *suite) idToken(sub string) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: s.idpKey, KeyID: "k1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	s.ts.Check(err)
	tok, err := jwt.Signed(signer).Claims(map[string]any{
		"iss": faultIssuer, "aud": faultAudience, "sub": sub,
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
	}).Serialize()
	s.ts.Check(err)
	return tok
}

// world is one case's HOME, user and endpoint.
type world struct {
	s                     *suite
	name                  string
	home, creds, cacheDir string
	config, credentials   string
	caBundle, tokenFile   string
	user                  *ststest.User
	faults                *ststest.Faults
	url                   string
	env                   map[string]string
	secrets               []string
	files                 map[string]string // the paths awsenv reads, by name
	content               map[string][]byte // their good content
	quiet                 bool              // the command prints nothing on success
}

// The paths a case can spoil.
const (
	pAccounts    = "accounts file"
	pAccessKey   = "access key file"
	pSecretKey   = "secret key file"
	pUser        = "user file"
	pConfig      = "~/.aws/config"
	pCredentials = "~/.aws/credentials"
	pCABundle    = "AWS_CA_BUNDLE"
	pToken       = "web identity token file"
	pCacheEntry  = "cache entry"
	// What list keeps of the entries it read (internal/cache/expiries.go):
	// whatever sits there is ignored.
	pCacheSummary = "cache summary"
)

var allPaths = []string{pAccounts, pAccessKey, pSecretKey, pUser, pConfig, pCredentials, pCABundle, pToken, pCacheEntry, pCacheSummary}

// newWorld makes a case's world; tls serves its endpoint over https with a
// CA of its own, which AWS_CA_BUNDLE then holds.
func (s *suite) newWorld(name string, tls bool) *world {
	s.mu.Lock()
	s.n++
	n := s.n
	s.mu.Unlock()
	home := filepath.Join(s.root, fmt.Sprintf("%03d", n))
	w := &world{s: s, name: name, home: home, creds: filepath.Join(home, "aws-creds"), env: map[string]string{},
		files: map[string]string{}, content: map[string][]byte{}}
	w.cacheDir = filepath.Join(w.creds, ".cache")
	w.config = filepath.Join(home, ".aws", "config")
	w.credentials = filepath.Join(home, ".aws", "credentials")
	w.caBundle = filepath.Join(home, "ca.pem")
	w.tokenFile = filepath.Join(home, "token.jwt")
	for _, d := range []string{w.creds, filepath.Dir(w.config)} {
		s.ts.Check(os.MkdirAll(d, 0o700))
	}
	w.user = s.srv.AddUser(fmt.Sprintf("fault%03d", n), true)
	w.faults = ststest.NewFaults(s.srv)
	if tls {
		w.url = w.faults.ListenTLS()
	} else {
		w.url = w.faults.Listen()
	}
	s.mu.Lock()
	s.closers = append(s.closers, w.faults.Close) // ts.Defer is not for goroutines
	s.mu.Unlock()
	tok := s.idToken(w.user.Name)
	w.secrets = []string{w.user.SecretAccessKey, tok}
	w.put(pAccounts, filepath.Join(w.creds, "accounts.json"), `{
  "work": {
    "arn": "arn:aws:iam::123456789012:",
    "region": "eu-west-1",
    "session_duration": "8h",
    "roles": { "admin": "arn:aws:iam::123456789012:role/work-admin", "ro": "arn:aws:iam::123456789012:role/readonly" }
  }
}
`)
	w.put(pAccessKey, filepath.Join(w.creds, "work.access_key"), w.user.AccessKeyID+"\n")
	w.put(pSecretKey, filepath.Join(w.creds, "work.secret_key"), w.user.SecretAccessKey+"\n")
	w.put(pUser, filepath.Join(w.creds, "work.user"), w.user.Name+"\n")
	w.put(pConfig, w.config, "[default]\nregion = us-east-1\n\n[profile other]\nregion = us-west-2\n")
	w.put(pCredentials, w.credentials, "[other]\naws_access_key_id = AKIAOTHEREXAMPLE0000\naws_secret_access_key = othersecret\n")
	w.put(pCABundle, w.caBundle, string(s.ca))
	w.put(pToken, w.tokenFile, tok+"\n")
	w.files[pCacheEntry] = filepath.Join(w.cacheDir, cache.AccountSession("work").String()+".json")
	w.files[pCacheSummary] = filepath.Join(w.cacheDir, ".index", "expiries1")
	for k, v := range map[string]string{
		"HOME": home, "USER": w.user.Name, "PATH": os.Getenv("PATH"), "TMPDIR": filepath.Join(home, "tmp"),
		"SHELL": "/bin/bash", "AWS_ENDPOINT_URL_STS": w.url, "AWSENV_SIGNIN_URL": w.url + "/federation",
		"AWS_CONFIG_FILE": w.config, "AWS_SHARED_CREDENTIALS_FILE": w.credentials,
		"AWS_CA_BUNDLE": w.caBundle, "AWS_EC2_METADATA_DISABLED": "true", "GORACE": goRace,
	} {
		w.env[k] = v
	}
	s.ts.Check(os.MkdirAll(w.env["TMPDIR"], 0o700))
	return w
}

func (w *world) put(name, path, content string) {
	w.files[name], w.content[name] = path, []byte(content)
	w.s.ts.Check(os.WriteFile(path, []byte(content), 0o600))
}

// result is one run of the binary.
type result struct {
	args           []string
	stdout, stderr string
	exit           int
	elapsed        time.Duration
	killed         bool
}

// hangLimit is how long a case may run before it counts as hung and is
// killed: generous, so that a loaded machine never trips it.
const hangLimit = 30 * time.Second

// A command's --timeout is 2s where the case is about the timeout (a hang,
// a slow drip, a slow mfa_process); elsewhere it is roomy, so that a TLS
// handshake or a start-up on a loaded machine never runs into it.
const (
	shortTimeout = "2s"
	roomyTimeout = "60s"
)

// withTimeout is args with its --timeout set to d.
func withTimeout(args []string, d string) []string {
	out := slices.Clone(args)
	for i := range out {
		if out[i] == "--timeout" && i+1 < len(out) {
			out[i+1] = d
		}
	}
	return out
}

// run runs awsenv with args in the world, killed after limit.
func (w *world) run(limit time.Duration, args ...string) result {
	return w.runProgram(limit, w.s.bin, args...)
}

// runProgram runs prog with args in the world, killed after limit.
func (w *world) runProgram(limit time.Duration, prog string, args ...string) result {
	// A memory limit, so that a regression that reads /dev/zero dies of
	// it ("fatal error: out of memory", which check reports) instead of
	// taking the machine's memory.
	cmd := exec.Command("/bin/sh", append([]string{"-c", `ulimit -v 2000000 && exec "$0" "$@"`, prog}, args...)...)
	for k, v := range w.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	r := result{args: args}
	if err := cmd.Start(); err != nil {
		r.exit, r.stderr = -1, err.Error()
		return r
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(limit):
		r.killed = true
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		err = <-done
	}
	r.elapsed = time.Since(start)
	r.stdout, r.stderr = o.String(), e.String()
	if err != nil {
		r.exit = -1
		if ee, ok := err.(*exec.ExitError); ok {
			r.exit = ee.ExitCode()
		}
	}
	return r
}

// moreEntries caches the sessions of 32 more accounts, as many as list
// needs to read the cache summary (internal/cache/expiries.go).
func (w *world) moreEntries() {
	store := &cache.Store{Dir: w.cacheDir}
	for i := range 32 {
		e := &cache.Entry{Account: fmt.Sprintf("more%02d", i), Kind: "session", Created: time.Now(),
			Credentials: cache.Credentials{AccessKeyID: "ASIAMOREMOREMORE0000", SecretAccessKey: "more", SessionToken: "more",
				Expiration: time.Now().Add(time.Hour)}}
		w.s.ts.Check(store.Put(cache.AccountSession(e.Account), e))
	}
}

// session caches a valid MFA session for work, as `awsenv mfa` makes it,
// and keeps its token among the secrets.
func (w *world) session() {
	r := w.run(hangLimit, "mfa", "--account", "work", "--code", w.code(), "--shell", "bash")
	if r.exit != 0 {
		w.s.ts.Fatalf("%s: setting up an MFA session: %s", w.name, r.stderr)
	}
	e := (&cache.Store{Dir: w.cacheDir}).Get(cache.AccountSession("work"))
	if e == nil {
		w.s.ts.Fatalf("%s: no session cached", w.name)
	}
	w.secrets = append(w.secrets, e.Credentials.SessionToken, e.Credentials.SecretAccessKey)
}

// snapshot is every file under the cache directory and the credentials
// file, with mode and content.
func (w *world) snapshot() map[string]string {
	snap := map[string]string{}
	// Only what Lstat calls a small regular file is read: the test must
	// not hang on a FIFO or read /dev/zero itself.
	add := func(p string) {
		st, err := os.Lstat(p)
		if err != nil {
			return
		}
		data := ""
		if st.Mode().IsRegular() && st.Size() < 1<<20 {
			b, _ := os.ReadFile(p)
			data = string(b)
		}
		snap[p] = fmt.Sprintf("%v %d %q", st.Mode(), st.Size(), data)
	}
	filepath.WalkDir(w.cacheDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".lock") {
			add(p)
		}
		return nil
	})
	add(w.credentials)
	return snap
}

// The commands of the suite, as they run in a world.
type command struct {
	name  string
	reads []string // the paths it reads
	// network is false for commands that make no call (switch).
	network bool
	// prepare runs before the fault is set (role chained needs a session).
	prepare func(w *world)
	args    func(w *world) []string
	// mfaAction is the action that carries the MFA code ("" for none).
	mfaAction string
	// quiet commands print nothing on stdout when they succeed.
	quiet bool
}

var suiteCommands = []command{
	{name: "mfa", network: true, mfaAction: "GetSessionToken",
		reads: []string{pAccounts, pAccessKey, pSecretKey, pUser, pCABundle, pCacheEntry},
		args: func(w *world) []string {
			return []string{"mfa", "--account", "work", "--code", w.code(), "--shell", "bash", "--timeout", roomyTimeout}
		}},
	// With a code, so that a spoiled session falls back to the keys.
	{name: "role chained", network: true,
		reads:   []string{pAccounts, pCABundle, pCacheEntry},
		prepare: (*world).session,
		args: func(w *world) []string {
			return []string{"role", "ro", "--account", "work", "--code", w.code(), "--shell", "bash", "--timeout", roomyTimeout}
		}},
	{name: "role from keys", network: true, mfaAction: "AssumeRole",
		reads: []string{pAccounts, pAccessKey, pSecretKey, pUser, pCABundle, pCacheEntry},
		args: func(w *world) []string {
			return []string{"role", "admin", "--account", "work", "--code", w.code(), "--shell", "bash", "--timeout", roomyTimeout}
		}},
	{name: "console", network: true,
		reads: []string{pAccounts, pAccessKey, pSecretKey, pUser, pCABundle},
		args: func(w *world) []string {
			return []string{"console", "work", "--timeout", roomyTimeout}
		}},
	{name: "web-identity", network: true,
		reads: []string{pToken, pCABundle},
		args: func(w *world) []string {
			return []string{"web-identity", "--role-arn", faultTeamRole, "--token-file", w.tokenFile, "--shell", "bash", "--timeout", roomyTimeout}
		}},
	{name: "switch",
		reads: []string{pAccounts, pAccessKey, pSecretKey, pCacheEntry},
		args:  func(w *world) []string { return []string{"switch", "work", "--shell", "bash"} }},
	// write replaces the credentials file: from a cached session, so that
	// a refusal changes nothing anywhere.
	{name: "write", quiet: true, prepare: (*world).session,
		reads: []string{pCredentials},
		args: func(w *world) []string {
			return []string{"write", "default", "work"}
		}},
	// A name that is no account is a profile of ~/.aws: the path that
	// reads those files.
	{name: "switch profile",
		reads: []string{pAccounts, pConfig, pCredentials},
		args:  func(w *world) []string { return []string{"switch", "other", "--shell", "bash"} }},
	// list prints tables, and --names what completion offers: not
	// statements.
	// (work is in the accounts file: its key files are not read.)
	{name: "list", quiet: true,
		reads: []string{pAccounts, pConfig, pCredentials, pCacheEntry, pCacheSummary},
		args:  func(w *world) []string { return []string{"list"} }},
	{name: "list --names", quiet: true,
		reads: []string{pAccounts, pConfig, pCredentials},
		args:  func(w *world) []string { return []string{"list", "--names"} }},
}

// code is a code of the world's user that the stand-in has not seen used;
// each world has its own device, so its codes last.
func (w *world) code() string {
	c, ok := w.s.srv.FreshCode(w.user)
	if !ok {
		w.s.ts.Fatalf("%s: no unused code", w.name)
	}
	w.secrets = append(w.secrets, c)
	return c
}

// expect is what a case must end in.
type expect int

const (
	fails    expect = iota // non-zero, one line that names the file or endpoint
	works                  // exit 0
	warns                  // exit 0, with a warning that names the file
	failsAny               // non-zero, one line (about something else, e.g. the profile)
)

// check holds r to the discipline. names are what the one error line must
// mention (the file or the endpoint, one of them).
func (w *world) check(r result, want expect, before map[string]string, names ...string) []string {
	var bad []string
	fail := func(format string, a ...any) { bad = append(bad, fmt.Sprintf(format, a...)) }
	lines := nonEmptyLines(r.stderr)
	if r.killed {
		fail("still running after %s: killed", hangLimit)
	}
	if strings.Contains(r.stderr, "panic:") || strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "fatal error") {
		fail("panicked: %s", firstLines(r.stderr, 3))
	}
	for _, secret := range w.secrets {
		if secret == "" {
			continue
		}
		if strings.Contains(r.stderr, secret) {
			fail("a secret on stderr: %s", firstLines(r.stderr, 3))
		}
		if r.exit != 0 && strings.Contains(r.stdout, secret) {
			fail("a secret on stdout of a failed run")
		}
	}
	switch want {
	case fails, failsAny:
		if r.exit == 0 {
			fail("exit status 0, want a failure; stderr: %s", firstLines(r.stderr, 3))
			break
		}
		if r.stdout != "" {
			fail("stdout not empty on failure: %q", firstLines(r.stdout, 2))
		}
		if len(lines) != 1 {
			fail("%d lines on stderr, want 1:\n\t\t%s", len(lines), strings.Join(lines, "\n\t\t"))
		} else if want == fails && !mentionsAny(lines[0], names) {
			fail("the error line names none of %q: %s", names, lines[0])
		}
		if after := w.snapshot(); !sameSnapshot(before, after) {
			fail("the cache or the credentials file changed: %s", diffSnapshot(before, after))
		}
	case works, warns:
		if r.exit != 0 {
			fail("exit status %d, want success: %s", r.exit, firstLines(r.stderr, 3))
			break
		}
		if !w.quiet && !strings.Contains(r.stdout, "AWS_ACCESS_KEY_ID") && !strings.Contains(r.stdout, "Action=login") {
			fail("success without credentials on stdout: %q", firstLines(r.stdout, 2))
		}
		warned := false
		for _, l := range lines {
			if strings.Contains(l, "warning") && mentionsAny(l, names) {
				warned = true
			}
		}
		if want == warns && !warned {
			fail("no warning that names %q:\n\t\t%s", names, strings.Join(lines, "\n\t\t"))
		}
	}
	return bad
}

func mentionsAny(line string, names []string) bool {
	for _, n := range names {
		if strings.Contains(line, n) {
			return true
		}
	}
	return len(names) == 0
}

func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

func firstLines(s string, n int) string {
	l := nonEmptyLines(s)
	if len(l) > n {
		l = append(l[:n], "...")
	}
	return strings.Join(l, " | ")
}

func sameSnapshot(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func diffSnapshot(a, b map[string]string) string {
	var d []string
	for k, v := range a {
		if w, ok := b[k]; !ok {
			d = append(d, "removed "+k)
		} else if w != v {
			d = append(d, "changed "+k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			d = append(d, "added "+k)
		}
	}
	sort.Strings(d)
	return strings.Join(d, ", ")
}

// record notes a case's outcome.
func (s *suite) record(name string, r result, problems []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	status := "ok"
	if len(problems) > 0 {
		status = "FAIL"
		s.failed = append(s.failed, name+":\n\t"+strings.Join(problems, "\n\t")+
			fmt.Sprintf("\n\tawsenv %s: exit %d after %s; stderr: %s", strings.Join(r.args, " "), r.exit,
				r.elapsed.Round(10*time.Millisecond), firstLines(r.stderr, 4)))
	}
	s.logs = append(s.logs, fmt.Sprintf("%-4s %-70s exit %d %6s  %s", status, name, r.exit,
		r.elapsed.Round(10*time.Millisecond), firstLines(r.stderr, 1)))
}

// pending notes a case that waits for a change elsewhere.
func (s *suite) pending(name, why string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logs = append(s.logs, fmt.Sprintf("SKIP %-70s pending: %s", name, why))
	s.skipped++
}

// finish stops the worlds' servers, logs every case and fails the script
// if one failed.
func (s *suite) finish(what string) {
	for _, c := range s.closers {
		c()
	}
	sort.Strings(s.logs)
	for _, l := range s.logs {
		s.ts.Logf("%s", l)
	}
	s.ts.Logf("%s: %d cases (%d pending) in %s", what, len(s.logs), s.skipped, time.Since(s.started).Round(100*time.Millisecond))
	if len(s.failed) > 0 {
		sort.Strings(s.failed)
		s.ts.Fatalf("%d of %d %s cases failed:\n%s", len(s.failed), len(s.logs), what, strings.Join(s.failed, "\n"))
	}
}

// parallel runs fns, a few at a time: most of a case is waiting.
func parallel(fns []func()) {
	sem := make(chan struct{}, 6)
	var wg sync.WaitGroup
	for _, fn := range fns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn()
		}()
	}
	wg.Wait()
}

// faultSuite: "faultsuite files" runs the table of special files at every
// path awsenv reads; "faultsuite network" the table of STS faults.
func faultSuite(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: faultsuite files|network|findings|hostile")
	}
	s := newSuite(ts)
	switch args[0] {
	case "files":
		s.files()
	case "network":
		s.network()
		s.signin()
	case "findings":
		s.findings()
	case "hostile":
		s.hostile()
	default:
		ts.Fatalf("usage: faultsuite files|network|findings|hostile")
	}
	s.finish(args[0])
}

// fileKind is a way to spoil a file awsenv reads.
type fileKind struct {
	name  string
	make  func(path string, good []byte) error
	clean bool // content awsenv must accept as it is
}

var fileKinds = []fileKind{
	{name: "FIFO", make: func(p string, _ []byte) error { return syscall.Mkfifo(p, 0o600) }},
	{name: "/dev/zero", make: func(p string, _ []byte) error { return os.Symlink("/dev/zero", p) }},
	{name: "/dev/urandom", make: func(p string, _ []byte) error { return os.Symlink("/dev/urandom", p) }},
	{name: "directory", make: func(p string, _ []byte) error { return os.Mkdir(p, 0o700) }},
	{name: "dangling symlink", make: func(p string, _ []byte) error { return os.Symlink(p+".nowhere", p) }},
	{name: "100 MB", make: func(p string, good []byte) error {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		f.Write(good)
		err = f.Truncate(100 << 20)
		f.Close()
		return err
	}},
	{name: "NUL", make: func(p string, good []byte) error {
		i := bytes.IndexByte(good, '\n')
		if i < 0 {
			i = len(good) / 2
		}
		return os.WriteFile(p, append(append(append([]byte{}, good[:i]...), 0), good[i:]...), 0o600)
	}},
	{name: "BOM", clean: true, make: func(p string, good []byte) error {
		return os.WriteFile(p, append([]byte("\xef\xbb\xbf"), good...), 0o600)
	}},
	{name: "CRLF", clean: true, make: func(p string, good []byte) error {
		return os.WriteFile(p, bytes.ReplaceAll(good, []byte("\n"), []byte("\r\n")), 0o600)
	}},
	{name: "CR-only", clean: true, make: func(p string, good []byte) error {
		return os.WriteFile(p, bytes.ReplaceAll(good, []byte("\n"), []byte("\r")), 0o600)
	}},
}

// fileExpect is what spoiling path with kind does to command c, which
// reads it: the rule, then its exceptions, each with its reason.
func fileExpect(c, path string, kind fileKind) expect {
	switch {
	case kind.name == "dangling symlink" && path == pAccounts && strings.HasPrefix(c, "switch"):
		return works // no accounts file: the key files alone are an account
	case kind.name == "dangling symlink" && path == pCredentials && c == "switch profile":
		return failsAny // no credentials file: the profile has no keys, and says so
	case path == pCacheSummary:
		return works // a summary that is not one is read past
	case strings.HasPrefix(c, "list") && (path == pConfig || path == pCredentials) && !kind.clean && kind.name != "dangling symlink":
		return warns // the accounts are listed all the same
	case kind.name == "dangling symlink" && path == pAccounts && strings.HasPrefix(c, "list"):
		return works // no accounts file: the key files alone are an account
	case path == pCacheEntry && (kind.name == "CRLF" || kind.name == "CR-only"):
		return works // JSON white space
	case path == pCacheEntry:
		return warns // a corrupt or foreign entry is a miss with a warning
	case kind.name == "dangling symlink" && (path == pConfig || path == pCredentials || path == pUser):
		return works // a missing optional file: the AWS CLI does the same
	case kind.name == "CR-only" && path == pCABundle:
		return fails // PEM needs line breaks it can see: refused, clearly
	case kind.clean:
		return works
	}
	return fails
}

// filePending names a change another package must make before a case can
// pass; the case is skipped, and listed, until then.
func filePending(c, path string, kind fileKind) string {
	switch {
	}
	return ""
}

func (s *suite) files() {
	var cases []func()
	for _, c := range suiteCommands {
		for _, path := range allPaths {
			for _, kind := range fileKinds {
				reads := false
				for _, p := range c.reads {
					reads = reads || p == path
				}
				if !reads {
					continue
				}
				want := fileExpect(c.name, path, kind)
				name := fmt.Sprintf("%s / %s is %s", c.name, path, kind.name)
				if why := filePending(c.name, path, kind); why != "" {
					s.pending(name, why)
					continue
				}
				cases = append(cases, func() {
					w := s.newWorld(name, false)
					w.quiet = c.quiet
					if path == pCacheEntry || path == pCacheSummary {
						w.session() // an entry to spoil, or to summarise, for every command that reads it
						s.ts.Check(os.MkdirAll(filepath.Dir(w.files[path]), 0o700))
					} else if c.prepare != nil {
						c.prepare(w)
					}
					if path == pCacheSummary {
						w.moreEntries() // enough for list to read a summary
					}
					p := w.files[path]
					good := w.content[path]
					if good == nil {
						good, _ = os.ReadFile(p)
					}
					os.Remove(p)
					if err := kind.make(p, good); err != nil {
						s.ts.Fatalf("%s: %v", name, err)
					}
					before := w.snapshot()
					r := w.run(hangLimit, c.args(w)...)
					problems := w.check(r, want, before, p)
					s.record(name, r, problems)
				})
			}
		}
	}
	parallel(cases)
}

// netFault is a way for STS to go wrong, with what awsenv must say.
type netFault struct {
	name  string
	fault ststest.Fault
	tls   bool // https endpoint (AWS_CA_BUNDLE trusts it unless untrusted)
	setup func(w *world)
	want  expect
	says  string // the error line has it (a regexp)
	// pending names a change another package must make first; the case is
	// skipped with it until then.
	pending string
	// onlyFor and notFor limit the fault to a command, or spare one.
	onlyFor, notFor string
	// keepCache: a run that succeeds must not write the cache either.
	keepCache bool
	// timed: the case is about --timeout, which is then shortTimeout.
	timed bool
}

var netFaults = []netFault{
	{name: "refused", setup: func(w *world) {
		u, err := ststest.RefusedURL()
		w.s.ts.Check(err)
		w.env["AWS_ENDPOINT_URL_STS"], w.env["AWSENV_SIGNIN_URL"] = u, u+"/federation"
	}, says: `cannot reach (sts|the console sign-in endpoint) at http://127\.0\.0\.1:\d+.*connection refused`},
	{name: "hang", fault: ststest.Hang, timed: true, says: `did not answer within 2s: check the network or raise --timeout`},
	{name: "slow drip", fault: ststest.Drip, timed: true, says: `did not answer within 2s`},
	{name: "500 with XML", fault: ststest.Status500XML, says: `is failing or throttling \(InternalFailure: .*try again in a minute`},
	{name: "503 without XML", fault: ststest.Status503Plain, says: `is failing or throttling \(HTTP503: Service Unavailable\): try again in a minute`},
	{name: "throttling", fault: ststest.Throttling, says: `is failing or throttling \(Throttling: Rate exceeded\): try again in a minute`},
	{name: "malformed XML", fault: ststest.MalformedXML, says: `with something awsenv cannot use \(XML syntax error`},
	{name: "truncated XML", fault: ststest.TruncatedXML, says: `with something awsenv cannot use \(XML syntax error`},
	{name: "missing fields", fault: ststest.MissingFields, says: `with something awsenv cannot use \(credentials without SessionToken\)`},
	{name: "huge body", fault: ststest.HugeBody, says: `with something awsenv cannot use \(an answer larger than 1 MiB\)`},
	{name: "past expiration", fault: ststest.PastExpiration, says: `returned credentials that expired at \S+, 1h0m\d+s before they arrived: check the system clock`},
	{name: "near expiration", fault: ststest.NearExpiration, want: warns, says: `min-ttl`, notFor: "console", keepCache: true},
	{name: "near expiration", fault: ststest.NearExpiration, want: works, onlyFor: "console"}, // nothing cached
	{name: "302 redirect", fault: ststest.Redirect302, says: `answered with a redirect \(302 to http://127\.0\.0\.1:\d+\), which awsenv never follows`},
	{name: "307 redirect", fault: ststest.Redirect307, says: `answered with a redirect \(307 to http://127\.0\.0\.1:\d+\)`},
	{name: "307 redirect from https to http", fault: ststest.Redirect307, tls: true, says: `answered with a redirect \(307 to http://127\.0\.0\.1:\d+\)`},
	{name: "redirect loop", fault: ststest.RedirectLoop, says: `answered with a redirect \(302 to http://127\.0\.0\.1:\d+\)`},
	{name: "skewed Date", fault: ststest.SkewedDate, want: works},
	{name: "TLS with an unknown CA", tls: true, setup: func(w *world) { delete(w.env, "AWS_CA_BUNDLE") },
		says: `cannot reach (sts|the console sign-in endpoint) at https://127\.0\.0\.1:\d+: .*certificate`},
}

func (s *suite) network() {
	var cases []func()
	for _, c := range suiteCommands {
		if !c.network {
			continue
		}
		for _, nf := range netFaults {
			if (nf.onlyFor != "" && nf.onlyFor != c.name) || nf.notFor == c.name {
				continue
			}
			name := fmt.Sprintf("%s / %s", c.name, nf.name)
			if nf.pending != "" {
				s.pending(name, nf.pending)
				continue
			}
			cases = append(cases, func() {
				w := s.newWorld(name, nf.tls)
				if c.prepare != nil {
					c.prepare(w)
				}
				if nf.setup != nil {
					nf.setup(w)
				}
				w.faults.Set(nf.fault)
				before := w.snapshot()
				args := c.args(w)
				if nf.timed {
					args = withTimeout(args, shortTimeout)
				}
				r := w.run(hangLimit, args...)
				names := []string{w.env["AWS_ENDPOINT_URL_STS"], "sts at", "sign-in endpoint"}
				if nf.want == warns {
					names = []string{"min-ttl"}
				}
				problems := w.check(r, nf.want, before, names...)
				if nf.want != fails && nf.keepCache {
					if after := w.snapshot(); !sameSnapshot(before, after) {
						problems = append(problems, "the cache changed: "+diffSnapshot(before, after))
					}
				}
				if nf.says != "" && r.exit != 0 && !regexp.MustCompile(nf.says).MatchString(r.stderr) {
					problems = append(problems, fmt.Sprintf("stderr does not say %q", nf.says))
				}
				if sink := w.faults.Sink(); len(sink) > 0 {
					problems = append(problems, fmt.Sprintf("the redirect target got %d requests (%s %s, X-Amz-Security-Token sent: %v, body %d bytes)",
						len(sink), sink[0].Method, sink[0].Path, sink[0].Header.Get("X-Amz-Security-Token") != "", len(sink[0].Body)))
				}
				if c.mfaAction != "" && nf.fault != ststest.None {
					if n := w.faults.Count(c.mfaAction); n != 1 {
						problems = append(problems, fmt.Sprintf("%d %s requests: a call with an MFA code must be sent once", n, c.mfaAction))
					}
				}
				s.record(name, r, problems)
			})
		}
	}
	parallel(cases)
}

// signin runs the faults of the console's federation endpoint (getSigninToken),
// STS answering as it should.
func (s *suite) signin() {
	var cases []func()
	for _, fault := range []ststest.Fault{ststest.Hang, ststest.Drip, ststest.Status500XML, ststest.Status503Plain,
		ststest.MalformedXML, ststest.TruncatedXML, ststest.HugeBody, ststest.Redirect302, ststest.Redirect307, ststest.RedirectLoop} {
		name := "console sign-in endpoint / " + string(fault)
		cases = append(cases, func() {
			w := s.newWorld(name, false)
			w.faults.Set(fault, "getSigninToken")
			before := w.snapshot()
			timeout := roomyTimeout
			if fault == ststest.Hang || fault == ststest.Drip {
				timeout = shortTimeout
			}
			r := w.run(hangLimit, "console", "work", "--timeout", timeout)
			problems := w.check(r, fails, before, "the console sign-in endpoint "+w.env["AWSENV_SIGNIN_URL"])
			if len(w.faults.Sink()) > 0 {
				problems = append(problems, "the redirect target got the federation session")
			}
			s.record(name, r, problems)
		})
	}
	parallel(cases)
}

// finding is one case of the findings of issue 12, in a fresh world; it
// returns the last run and what is wrong.
type finding struct {
	name string
	root bool // needs root (another user, a mount namespace); skipped otherwise
	run  func(w *world) (result, []string)
}

// findings are the findings that the tables do not cover, each as
// the attack run saw it.
func (s *suite) findings() {
	var cases []func()
	for _, f := range findingCases {
		if f.root && os.Geteuid() != 0 {
			s.pending(f.name, "needs root: run the suite as root (CI does)")
			continue
		}
		cases = append(cases, func() {
			w := s.newWorld(f.name, false)
			r, problems := f.run(w)
			s.record(f.name, r, problems)
		})
	}
	parallel(cases)
}

// botocoreKeys counts the keys of profile in a credentials file as botocore
// reads it (universal newlines, one section per name).
func botocoreKeys(data, profile string) (map[string]int, int) {
	data = strings.ReplaceAll(strings.ReplaceAll(data, "\r\n", "\n"), "\r", "\n")
	keys, sections, in := map[string]int{}, 0, false
	for _, l := range strings.Split(strings.TrimPrefix(data, "\xef\xbb\xbf"), "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			in = strings.Trim(t, "[] ") == profile
			if in {
				sections++
			}
			continue
		}
		if k, _, ok := strings.Cut(t, "="); ok && in {
			keys[strings.TrimSpace(k)]++
		}
	}
	return keys, sections
}

// noProcess reports a problem when a process whose command line holds
// marker still runs after hangLimit (a killed one takes a moment to go).
func noProcess(marker string) []string {
	for deadline := time.Now().Add(hangLimit); ; time.Sleep(50 * time.Millisecond) {
		pid, cmdline := findProcess(marker)
		if pid == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return []string{fmt.Sprintf("process %s (%q) is still running", pid, cmdline)}
		}
	}
}

// findProcess is a process whose command line holds marker, if any.
func findProcess(marker string) (pid, cmdline string) {
	dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, d := range dirs {
		if b, err := os.ReadFile(d); err == nil && bytes.Contains(b, []byte(marker)) {
			return filepath.Base(filepath.Dir(d)), strings.ReplaceAll(string(b), "\x00", " ")
		}
	}
	return "", ""
}

var findingCases = []finding{
	{name: "1. write into a CR-only credentials file keeps long-lived keys", run: func(w *world) (result, []string) {
		orig := "[default]\raws_access_key_id = AKIAOLDKEYEXAMPLE000\raws_secret_access_key = oldsecret\r"
		os.WriteFile(w.credentials, []byte(orig), 0o600)
		r := w.run(hangLimit, "write", "default", "work", "--code", w.code(), "--timeout", roomyTimeout)
		var bad []string
		if r.exit == 0 || !strings.Contains(r.stderr, "holds long-lived keys") || len(nonEmptyLines(r.stderr)) != 1 {
			bad = append(bad, "the long-lived keys of [default] were not refused with one line")
		}
		if b, _ := os.ReadFile(w.credentials); string(b) != orig {
			bad = append(bad, fmt.Sprintf("the credentials file changed (%d bytes, was %d)", len(b), len(orig)))
		}
		return r, bad
	}},
	{name: "1. write into a CR-only credentials file: one key each, as botocore reads it", run: func(w *world) (result, []string) {
		os.WriteFile(w.credentials, []byte("[default]\raws_access_key_id = ASIAOLDKEYEXAMPLE000\raws_session_token = old\r[other]\rregion = x\r"), 0o600)
		r := w.run(hangLimit, "write", "default", "work", "--code", w.code(), "--timeout", roomyTimeout)
		var bad []string
		if r.exit != 0 {
			return r, []string{"write failed"}
		}
		b, _ := os.ReadFile(w.credentials)
		keys, sections := botocoreKeys(string(b), "default")
		for _, k := range []string{"aws_access_key_id", "aws_secret_access_key", "aws_session_token"} {
			if keys[k] != 1 || sections != 1 {
				bad = append(bad, fmt.Sprintf("%s appears %d times in %d [default] sections", k, keys[k], sections))
			}
		}
		if _, err := os.Stat(awsCLI); err == nil {
			cmd := exec.Command(awsCLI, "configure", "get", "aws_session_token", "--profile", "default")
			cmd.Env = []string{"HOME=" + w.home, "AWS_SHARED_CREDENTIALS_FILE=" + w.credentials, "AWS_CONFIG_FILE=" + w.config, "PATH=/usr/bin:/bin"}
			if out, err := cmd.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) == "old" {
				bad = append(bad, fmt.Sprintf("the AWS CLI reads the file as %q (%v)", out, err))
			}
		}
		return r, bad
	}},
	{name: "8. write into a credentials file with a BOM finds its first profile", run: func(w *world) (result, []string) {
		orig := "\xef\xbb\xbf[default]\naws_access_key_id = AKIAOLDKEYEXAMPLE000\naws_secret_access_key = oldsecret\n"
		os.WriteFile(w.credentials, []byte(orig), 0o600)
		r := w.run(hangLimit, "write", "default", "work", "--code", w.code(), "--timeout", roomyTimeout)
		var bad []string
		if r.exit == 0 || !strings.Contains(r.stderr, "holds long-lived keys") {
			bad = append(bad, "the long-lived keys behind a BOM were not found (a second [default] was written)")
		}
		if b, _ := os.ReadFile(w.credentials); string(b) != orig {
			bad = append(bad, fmt.Sprintf("the credentials file changed (%d bytes, was %d)", len(b), len(orig)))
		}
		return r, bad
	}},
	{name: "2. an expired answer does not replace a valid cached session", run: func(w *world) (result, []string) {
		w.session()
		w.faults.Set(ststest.PastExpiration)
		before := w.snapshot()
		r := w.run(hangLimit, "mfa", "--account", "work", "--force", "--code", w.code(), "--shell", "bash", "--timeout", roomyTimeout)
		return r, w.check(r, fails, before, "expired at")
	}},
	{name: "7. mfa_process is bounded by --timeout", run: func(w *world) (result, []string) {
		// The command outlasts hangLimit: only --timeout can end it in time.
		w.env["AWSENV_MFA_PROCESS"] = "sleep 90.7"
		before := w.snapshot()
		r := w.run(hangLimit, "mfa", "--account", "work", "--shell", "bash", "--timeout", shortTimeout)
		bad := w.check(r, fails, before, `"sleep 90.7" did not finish within 2s`)
		return r, append(bad, noProcess("90.7")...)
	}},
	{name: "7. mfa_process that leaves a background child", run: func(w *world) (result, []string) {
		// The child outlasts hangLimit and --timeout: awsenv must not wait for it.
		marker := fmt.Sprintf("91.%s", w.user.Name[len(w.user.Name)-3:])
		w.env["AWSENV_MFA_PROCESS"] = "sleep " + marker + " & echo " + w.code()
		r := w.run(hangLimit, "mfa", "--account", "work", "--shell", "bash", "--timeout", roomyTimeout)
		bad := w.check(r, works, nil)
		return r, append(bad, noProcess(marker)...)
	}},
	{name: "8. a symlink at a cache lock is not followed", run: func(w *world) (result, []string) {
		os.MkdirAll(w.cacheDir, 0o700)
		target := filepath.Join(w.home, "victim")
		lock := filepath.Join(w.cacheDir, cache.AccountSession("work").String()+".lock")
		os.Symlink(target, lock)
		before := w.snapshot()
		r := w.run(hangLimit, "mfa", "--account", "work", "--code", w.code(), "--shell", "bash", "--timeout", roomyTimeout)
		bad := w.check(r, fails, before, lock)
		if _, err := os.Lstat(target); err == nil {
			bad = append(bad, "the lock created the symlink's target")
		}
		return r, bad
	}},
	{name: "8. a profile name of 300 characters is cached and forgotten", run: func(w *world) (result, []string) {
		long := strings.Repeat("long-profile-", 23) + "x" // 300 characters
		os.WriteFile(w.config, []byte("[profile "+long+"]\nregion = eu-west-1\nmfa_serial = "+w.user.MFASerial+"\n"), 0o600)
		os.WriteFile(w.credentials, []byte("["+long+"]\naws_access_key_id = "+w.user.AccessKeyID+"\naws_secret_access_key = "+w.user.SecretAccessKey+"\n"), 0o600)
		r := w.run(hangLimit, "mfa", "--account", long, "--code", w.code(), "--shell", "bash", "--timeout", roomyTimeout)
		bad := w.check(r, works, nil)
		entries, _ := filepath.Glob(filepath.Join(w.cacheDir, "*.json"))
		if len(entries) != 1 {
			bad = append(bad, fmt.Sprintf("%d cache entries, want 1", len(entries)))
		}
		if f := w.run(hangLimit, "forget", long); f.exit != 0 || !strings.Contains(f.stderr, "Forgot") {
			bad = append(bad, "forget: "+firstLines(f.stderr, 2))
		}
		if entries, _ := filepath.Glob(filepath.Join(w.cacheDir, "*.json")); len(entries) != 0 {
			bad = append(bad, "forget left the entry")
		}
		return r, bad
	}},
	{name: "8. a web identity token file with two lines is not sent", run: func(w *world) (result, []string) {
		tok := strings.TrimSpace(string(w.content[pToken]))
		os.WriteFile(w.tokenFile, []byte(tok+"\n"+tok+"\n"), 0o600)
		before := w.snapshot()
		r := w.run(hangLimit, "web-identity", "--role-arn", faultTeamRole, "--token-file", w.tokenFile, "--shell", "bash", "--timeout", roomyTimeout)
		bad := w.check(r, fails, before, w.tokenFile)
		if n := w.faults.Count(""); n != 0 {
			bad = append(bad, fmt.Sprintf("%d requests to STS", n))
		}
		return r, bad
	}},
	{name: "3. console --open with a failing browser fails at once", run: func(w *world) (result, []string) {
		w.env["BROWSER"] = "false"
		before := w.snapshot()
		// At once: not after --timeout, which outlasts hangLimit.
		r := w.run(hangLimit, "console", "work", "--open", "--timeout", roomyTimeout)
		bad := w.check(r, fails, before, `the browser command "false" (BROWSER) failed`)
		if !strings.Contains(r.stderr, "open the link yourself") {
			bad = append(bad, "it does not say to open the link by hand")
		}
		return r, bad
	}},
	{name: "3. console --open: another user cannot use the address on the browser's command line", root: true, run: func(w *world) (result, []string) {
		if _, err := exec.LookPath("curl"); err != nil {
			return result{}, nil
		}
		os.Chmod(w.home, 0o755)
		script := filepath.Join(w.home, "browser.sh")
		os.WriteFile(script, []byte(`#!/bin/sh
setpriv --reuid=65534 --regid=65534 --clear-groups curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$1" > "$0.thief"
curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$1" > "$0.tmp" && mv "$0.tmp" "$0.owner"
`), 0o755)
		w.env["BROWSER"] = script
		r := w.run(hangLimit, "console", "work", "--open", "--timeout", roomyTimeout)
		var bad []string
		if r.exit != 0 {
			return r, []string{"console --open failed"}
		}
		var owner []byte
		for deadline := time.Now().Add(hangLimit); time.Now().Before(deadline) && len(owner) == 0; time.Sleep(20 * time.Millisecond) {
			owner, _ = os.ReadFile(script + ".owner")
		}
		if thief, _ := os.ReadFile(script + ".thief"); string(thief) != "403 " {
			bad = append(bad, fmt.Sprintf("another user fetched the address: %q", thief))
		}
		if !strings.HasPrefix(string(owner), "302 "+w.url+"/federation?Action=login") {
			bad = append(bad, fmt.Sprintf("the browser's fetch: %q", owner))
		}
		return r, bad
	}},
	{name: "8. forget refuses a cache directory of another user", root: true, run: func(w *world) (result, []string) {
		w.session()
		os.Chown(w.cacheDir, 65534, 65534)
		entry := w.files[pCacheEntry]
		r := w.run(hangLimit, "forget", "work")
		var bad []string
		if _, err := os.Stat(entry); err != nil {
			bad = append(bad, "forget deleted another user's entry")
		}
		if !strings.Contains(r.stderr, "belongs to another user") {
			bad = append(bad, "forget does not say the directory belongs to another user")
		}
		return r, bad
	}},
	{name: "8. a read-only cache directory: mfa works uncached, with a warning", root: true, run: func(w *world) (result, []string) {
		if _, err := exec.LookPath("unshare"); err != nil {
			return result{}, nil
		}
		os.MkdirAll(w.cacheDir, 0o700)
		before := w.snapshot()
		r := w.runProgram(hangLimit, "/bin/sh", "-c", `exec unshare --mount --propagation private sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"' sh "$0" "$@"`,
			w.cacheDir, w.s.bin, "mfa", "--account", "work", "--code", w.code(), "--shell", "bash", "--timeout", roomyTimeout)
		bad := w.check(r, warns, nil, "read-only file system")
		if after := w.snapshot(); !sameSnapshot(before, after) {
			bad = append(bad, "something was written to the read-only cache: "+diffSnapshot(before, after))
		}
		return r, bad
	}},
}
