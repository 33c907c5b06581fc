// The end-to-end scripts drive real Unix shells, FIFOs and process groups.

//go:build unix

package main

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/awsenv/awsenv/internal/cache"
)

// scriptCmds are the custom commands of the scripts.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	// mfacode ACCOUNT [VAR]: set $VAR (default CODE) to a code the stand-in
	// accepts now and has not consumed (however slow the run, e.g. -race).
	"mfacode": func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) < 1 || len(args) > 2 {
			ts.Fatalf("usage: mfacode ACCOUNT [VAR]")
		}
		v := "CODE"
		if len(args) == 2 {
			v = args[1]
		}
		ts.Setenv(v, freshCode(ts, args[0]))
	},
	// wrongcode ACCOUNT [VAR]: a 6-digit code the stand-in will refuse.
	"wrongcode": func(ts *testscript.TestScript, neg bool, args []string) {
		v := "WRONG"
		if len(args) == 2 {
			v = args[1]
		}
		ts.Setenv(v, wrongCode(userOf(ts, args[0]), time.Now()))
	},
	// ttycode ACCOUNT FILE: write a fresh code (see mfacode) and a newline
	// to FILE, for ttyin.
	"ttycode": func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 2 {
			ts.Fatalf("usage: ttycode ACCOUNT FILE")
		}
		code := freshCode(ts, args[0])
		ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(code+"\n"), 0o600))
	},
	// stscount ACTION N: the stand-in received exactly N requests for ACTION
	// ("all" for every action).
	"stscount": func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 2 {
			ts.Fatalf("usage: stscount ACTION N")
		}
		want, err := strconv.Atoi(args[1])
		ts.Check(err)
		srv := fixtureOf(ts).srv
		got := srv.Total()
		if args[0] != "all" {
			got = srv.Count(args[0])
		}
		if (got == want) == neg {
			ts.Fatalf("stand-in got %d %s requests, want %s%d", got, args[0], map[bool]string{true: "not ", false: ""}[neg], want)
		}
	},
	// stsdelay DURATION: the stand-in answers every request that late.
	"stsdelay": func(ts *testscript.TestScript, neg bool, args []string) {
		d, err := time.ParseDuration(args[0])
		ts.Check(err)
		fixtureOf(ts).srv.SetDelay(d)
	},
	// cachevalid ACCOUNT: the account's cache entry parses and is valid for
	// more than an hour; ! cachevalid: there is no usable entry.
	"cachevalid": func(ts *testscript.TestScript, neg bool, args []string) {
		store := &cache.Store{Dir: ts.Getenv("CACHE")}
		e := store.Get(cache.AccountSession(args[0]))
		ok := e != nil && e.Valid(time.Now(), time.Hour)
		if ok == neg {
			ts.Fatalf("cache entry for %s: valid=%v, entry=%v", args[0], ok, e != nil)
		}
	},
	// mode PATH PERM: the file's permission bits are PERM (octal).
	"mode": func(ts *testscript.TestScript, neg bool, args []string) {
		st, err := os.Stat(ts.MkAbs(args[0]))
		ts.Check(err)
		want, err := strconv.ParseUint(args[1], 8, 32)
		ts.Check(err)
		if got := st.Mode().Perm(); (uint64(got) == want) == neg {
			ts.Fatalf("%s has mode %04o, want %s", args[0], got, args[1])
		}
	},
	// followlogin FILE DEST: FILE holds a console sign-in link; following it
	// (as a browser would, without going on) must redirect to DEST.
	"followlogin": func(ts *testscript.TestScript, neg bool, args []string) {
		link := strings.TrimSpace(ts.ReadFile(args[0]))
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Get(link)
		ts.Check(err)
		resp.Body.Close()
		ok := resp.StatusCode == http.StatusFound && resp.Header.Get("Location") == args[1]
		if ok == neg {
			ts.Fatalf("following the link: %s, Location %q; want 302 to %q", resp.Status, resp.Header.Get("Location"), args[1])
		}
	},
	// signins N [ARN]: the stand-in's federation endpoint signed in N times,
	// the last one as ARN.
	"signins": func(ts *testscript.TestScript, neg bool, args []string) {
		logins := fixtureOf(ts).srv.Logins()
		want, err := strconv.Atoi(args[0])
		ts.Check(err)
		if len(logins) != want {
			ts.Fatalf("stand-in saw %d console sign-ins, want %d", len(logins), want)
		}
		if len(args) > 1 && logins[len(logins)-1].ARN != args[1] {
			ts.Fatalf("last sign-in as %s, want %s", logins[len(logins)-1].ARN, args[1])
		}
	},
	// credredact IN OUT PROFILE...: copy a credentials file with the values
	// awsenv writes into the PROFILEs replaced by placeholders, for
	// comparing with a golden file.
	"credredact": func(ts *testscript.TestScript, neg bool, args []string) {
		var out strings.Builder
		redact := false
		for _, l := range strings.SplitAfter(ts.ReadFile(args[0]), "\n") {
			if strings.HasPrefix(l, "[") {
				name := strings.Trim(strings.TrimSpace(l), "[]")
				redact = slices.Contains(args[2:], name)
			}
			k, _, ok := strings.Cut(l, " = ")
			switch k {
			case "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "x_security_token_expires":
				if ok && redact {
					l = k + " = <" + k + ">\n"
				}
			}
			out.WriteString(l)
		}
		ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(out.String()), 0o600))
	},
	"oidc": oidcCmd,
	// motoplain: start a moto_server in plain mode for this script ($MOTO_PLAIN).
	// moto's authenticated mode cannot take the unsigned requests of
	// AssumeRoleWithWebIdentity (it answers 500).
	"motoplain": func(ts *testscript.TestScript, neg bool, args []string) {
		addr, stop, err := runMoto(ts.MkAbs("."))
		ts.Check(err)
		ts.Defer(stop)
		ts.Setenv("MOTO_PLAIN", "http://"+addr)
	},
	"oidctoken": oidcToken,
	// mfarace N ACCOUNT: run N `awsenv mfa` at once with the same code and
	// check that each printed a valid session or failed with nothing on
	// stdout, and that all sessions are the same one.
	"mfarace": mfaRace,
	// faultsuite files|network: the standing fault suite (faults_test.go).
	"faultsuite": faultSuite,
}

func mfaRace(ts *testscript.TestScript, neg bool, args []string) {
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	account := args[1]
	code := freshCode(ts, account)
	env := []string{}
	for _, k := range []string{"HOME", "PATH", "USER", "AWS_ENDPOINT_URL_STS", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "TMPDIR"} {
		env = append(env, k+"="+ts.Getenv(k))
	}
	type result struct {
		out, errOut string
		err         error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(filepath.Join(binDir(ts), "awsenv"), "mfa", "--account", account, "--code", code, "--shell", "bash")
			cmd.Env = env
			var o, e bytes.Buffer
			cmd.Stdout, cmd.Stderr = &o, &e
			<-start
			err := cmd.Run()
			results[i] = result{o.String(), e.String(), err}
		}()
	}
	close(start)
	wg.Wait()
	tokens := map[string]bool{}
	ok := 0
	for i, r := range results {
		if r.err != nil {
			if r.out != "" {
				ts.Fatalf("process %d failed (%v) but printed on stdout: %q", i, r.err, r.out)
			}
			ts.Logf("process %d failed cleanly: %s", i, r.errOut)
			continue
		}
		tok := exportedValue(r.out, "AWS_SESSION_TOKEN")
		if tok == "" {
			ts.Fatalf("process %d succeeded without a session token:\n%s", i, r.out)
		}
		tokens[tok] = true
		ok++
	}
	if len(tokens) > 1 {
		ts.Fatalf("processes printed %d different sessions", len(tokens))
	}
	ts.Logf("%d of %d processes printed the session", ok, n)
	if ok == 0 {
		ts.Fatalf("no process got a session")
	}
}

// freshCode is an unused code of the account's device, waiting for the
// next 30-second step when the script has used up the current window (up
// to freshCodeLimit, two steps and more, for a loaded machine).
func freshCode(ts *testscript.TestScript, account string) string {
	u := userOf(ts, account)
	for deadline := time.Now().Add(freshCodeLimit); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if code, ok := fixtureOf(ts).srv.FreshCode(u); ok {
			return code
		}
	}
	ts.Fatalf("no unused MFA code for %s within %s", account, freshCodeLimit)
	return ""
}

const freshCodeLimit = 90 * time.Second

// exportedValue finds `export NAME='value'` in POSIX output.
func exportedValue(out, name string) string {
	for _, l := range trimLines(out) {
		if v, ok := strings.CutPrefix(l, "export "+name+"="); ok {
			return strings.Trim(v, "'")
		}
	}
	return ""
}

// binDir is where testscript.Main put the awsenv command.
func binDir(ts *testscript.TestScript) string {
	for _, d := range filepath.SplitList(ts.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(d, "awsenv")); err == nil {
			return d
		}
	}
	ts.Fatalf("awsenv is not on the script's PATH")
	return ""
}
