package render

// Round-trip tests through the real shells: render statements, let the shell
// eval them exactly the way users do, and compare what the shell then holds
// (as a shell variable and in the environment of a child process) byte for
// byte with the original values.

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

type realShell struct {
	name   string
	bin    string
	args   []string // arguments before the script
	kind   Shell
	load   string // statement that evaluates the file "stmts"
	prefix string // prepended to every script
}

var realShells = []realShell{
	{name: "bash", bin: "bash", args: []string{"--norc", "--noprofile", "-c"}, kind: POSIX, load: `eval "$(cat stmts)"`},
	{name: "bash-posix", bin: "bash", args: []string{"--norc", "--noprofile", "--posix", "-c"}, kind: POSIX, load: `eval "$(cat stmts)"`},
	{name: "zsh", bin: "zsh", args: []string{"-f", "-c"}, kind: POSIX, load: `eval "$(cat stmts)"`},
	{name: "zsh-emulate-sh", bin: "zsh", args: []string{"-f", "-c"}, kind: POSIX, load: `eval "$(cat stmts)"`, prefix: "emulate sh\n"},
	{name: "zsh-rcquotes", bin: "zsh", args: []string{"-f", "-c"}, kind: POSIX, load: `eval "$(cat stmts)"`, prefix: "setopt rc_quotes\n"},
	{name: "dash", bin: "dash", args: []string{"-c"}, kind: POSIX, load: `eval "$(cat stmts)"`},
	{name: "fish-source", bin: "fish", args: []string{"--no-config", "-c"}, kind: Fish, load: `source stmts`},
	{name: "fish-pipe", bin: "fish", args: []string{"--no-config", "-c"}, kind: Fish, load: `cat stmts | source`},
	{name: "fish-eval", bin: "fish", args: []string{"--no-config", "-c"}, kind: Fish, load: `eval (cat stmts | string collect)`},
	// One statement per line: fish output survives line-by-line evaluation.
	{name: "fish-lines", bin: "fish", args: []string{"--no-config", "-c"}, kind: Fish, load: `while read -l line; eval $line; end < stmts`},
}

// run executes script with sh in dir (which also serves as HOME) and returns
// stdout; it fails the test on a non-zero exit or any output on stderr.
func (sh realShell) run(t *testing.T, dir, locale, script string, env ...string) string {
	t.Helper()
	path, err := exec.LookPath(sh.bin)
	if err != nil {
		t.Skipf("%s not installed: %v", sh.bin, err)
	}
	cmd := exec.Command(path, append(sh.args, sh.prefix+script)...)
	cmd.Dir = dir
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TERM=dumb", "LC_ALL=" + locale,
		"XDG_CONFIG_HOME=" + filepath.Join(dir, ".config"), "XDG_DATA_HOME=" + filepath.Join(dir, ".local"),
		"XDG_CACHE_HOME=" + filepath.Join(dir, ".cache"),
	}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("%s (LC_ALL=%s): %v\nstderr: %s", sh.name, locale, err, stderr.Bytes())
	}
	return stdout.String()
}

// loadScript evaluates stmts and exits with 97 if that failed.
func (sh realShell) loadScript() string {
	if sh.kind == Fish {
		return sh.load + "; or exit 97\n"
	}
	return sh.load + " || exit 97\n"
}

// childEnv parses the output of env -0.
func childEnv(t *testing.T, file string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, kv := range strings.Split(strings.TrimSuffix(string(data), "\x00"), "\x00") {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func nastyValues() []string {
	vals := []string{
		"", " ", "  lead and trail  ", "plain", "us-east-1", "arn:aws:iam::123456789012:role/x",
		"'", "''", "'''", "it's", "'; touch PWNED; '", `'\''; touch PWNED; echo '`, "'\n touch PWNED\n'",
		`"; touch PWNED; "`, `$(touch PWNED)`, "`touch PWNED`", "${IFS}$(touch${IFS}PWNED)", "$((1+1))", "$HOME",
		`\`, `\\`, `\'`, `a\`, `\n`, `\x41`, `\e[31m`, "\\\n", "'\\", "\\'", `\'; touch PWNED; \'`,
		"; touch PWNED", "| touch PWNED", "& touch PWNED &", "&& touch PWNED", "touch PWNED #", "#",
		"*", "?", "[a-z]*", "~", "~root", "~/x", "!", "!!", "!$", "!-1", "%", "%1", "{}", "{a,b}", "{1..3}",
		"(touch PWNED)", "; and touch PWNED", "$(touch PWNED)x", "a=b c=d", "=", "-e", "--", "-gx X 1",
		"\n", "\n\n", "a\nb", "trailing\n", "\nleading", "\r\n", "\r", "\t", "\x01", "\x7f", "\x01\x7f\x01",
		"\x1b[31mred\x1b[0m", "\x08\x0b\x0c", "é", "日本語", "😀", "‘’‚‛", "‘; touch PWNED; ’", "’$(touch PWNED)’",
		"«»„“”", "\u00a0\u2028\u2029\ufeff", "\uFDD0\uFDD7\uFDEF\uFFFE\uFFFF", "\uF600\uF6FF\uF610x",
		"\U0010FFFF", "\xff", "\xfe\xff", "\xc3(", "\xed\xa0\x80", "\xe2\x80", "a\xffb'c\xc0\xafd",
		"\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f\x90\x91\x92\x93\x94\x95\x96\x97\x98\x99\x9a\x9b\x9c\x9d\x9e\x9f",
		"\xa0\xbf\xc0\xc1\xf5\xf8\xfc\xfe",
		strings.Repeat("x'y\n", 16000), // Linux caps one env string at 128 KiB
		strings.Repeat("long", 30000),
	}
	var all []byte
	for b := 1; b < 256; b++ {
		all = append(all, byte(b))
	}
	vals = append(vals, string(all))
	for b := 1; b < 256; b++ {
		vals = append(vals, string([]byte{'<', byte(b), '>'}))
	}
	return append(vals, randomValues(300)...)
}

// randomValues returns n deterministic random NUL-free values biased towards
// bytes that are special to some shell.
func randomValues(n int) []string {
	r := rand.New(rand.NewPCG(1, 2))
	const special = "'\"\\$`!*?~{}[]()<>;|&#%^=@ \t\n\r\x01\x7f\x80\xbf\xc3\xe2\xef\xff"
	runes := []rune{'é', '‘', '’', '‚', '‛', 0xFDD0, 0xFDDF, 0xF600, 0xF6FF, 0xFFFD, 0x1F600, 0x10FFFF, 0x2028}
	vals := make([]string, n)
	for i := range vals {
		var b []byte
		for range r.IntN(40) {
			switch r.IntN(4) {
			case 0, 1:
				b = append(b, special[r.IntN(len(special))])
			case 2:
				b = append(b, byte(1+r.IntN(255)))
			default:
				b = fmt.Appendf(b, "%c", runes[r.IntN(len(runes))])
			}
		}
		vals[i] = string(b)
	}
	return vals
}

func TestRealShellRoundTrip(t *testing.T) {
	values := nastyValues()
	for _, sh := range realShells {
		for _, locale := range []string{"C.UTF-8", "C"} {
			t.Run(sh.name+"/"+locale, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				defer assertNotPwned(t, dir) // also runs after t.Fatal
				var changes []Change
				var script strings.Builder
				script.WriteString(sh.loadScript())
				for i, v := range values {
					name := fmt.Sprintf("V%d", i)
					changes = append(changes, Set(name, v))
					fmt.Fprintf(&script, "printf %%s \"$%s\" > out/%s\n", name, name)
				}
				script.WriteString("env -0 > out/env\n")
				writeStmts(t, dir, sh.kind, changes)
				if err := os.Mkdir(filepath.Join(dir, "out"), 0o700); err != nil {
					t.Fatal(err)
				}
				sh.run(t, dir, locale, script.String())

				env := childEnv(t, filepath.Join(dir, "out", "env"))
				for i, want := range values {
					name := fmt.Sprintf("V%d", i)
					got, err := os.ReadFile(filepath.Join(dir, "out", name))
					if err != nil {
						t.Fatal(err)
					}
					if string(got) != want {
						t.Errorf("%s: shell variable = %q; want %q", name, clip(string(got)), clip(want))
					}
					if e, ok := env[name]; !ok || e != want {
						t.Errorf("%s: child environment = %q (present %v); want %q", name, clip(e), ok, clip(want))
					}
				}
			})
		}
	}
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

func writeStmts(t *testing.T, dir string, s Shell, changes []Change) {
	t.Helper()
	var buf bytes.Buffer
	if err := Statements(&buf, s, changes); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "stmts"), buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func assertNotPwned(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "PWNED")); err == nil {
		t.Fatal("an injected command ran: PWNED exists")
	}
}

func TestRealShellUnset(t *testing.T) {
	for _, sh := range realShells {
		t.Run(sh.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			// INHERITED comes from the parent environment, LOCAL is set by the
			// shell, BOTH is set and unset in the same output, NEVER never
			// existed (and is last, so it decides the exit status).
			writeStmts(t, dir, sh.kind, []Change{
				Unset("INHERITED"), Unset("LOCAL"), Set("BOTH", "x"), Unset("BOTH"), Set("KEEP", "k"), Unset("NEVER"),
			})
			var script string
			if sh.kind == Fish {
				script = "set -gx LOCAL l\n" + sh.load + "\necho rc=$status\n" +
					"for v in INHERITED LOCAL BOTH NEVER KEEP; set -q $v; and echo $v=set; or echo $v=unset; end\n"
			} else {
				script = "export LOCAL=l\n" + sh.load + "\necho rc=$?\n" +
					"for v in INHERITED LOCAL BOTH NEVER KEEP; do eval \"[ -n \\\"\\${$v+x}\\\" ]\" && echo $v=set || echo $v=unset; done\n"
			}
			script += "env -0 > env\n"
			got := sh.run(t, dir, "C.UTF-8", script, "INHERITED=i")
			want := "rc=0\nINHERITED=unset\nLOCAL=unset\nBOTH=unset\nNEVER=unset\nKEEP=set\n"
			if got != want {
				t.Errorf("output:\n%s\nwant:\n%s", got, want)
			}
			env := childEnv(t, filepath.Join(dir, "env"))
			for _, name := range []string{"INHERITED", "LOCAL", "BOTH", "NEVER"} {
				if v, ok := env[name]; ok {
					t.Errorf("%s still in child environment: %q", name, v)
				}
			}
			if env["KEEP"] != "k" {
				t.Errorf("KEEP = %q in child environment", env["KEEP"])
			}
		})
	}
}

// TestHarnessDetectsInjection makes sure the PWNED check above would notice
// an injection: naive quoting (no escaping) must let the command run.
func TestHarnessDetectsInjection(t *testing.T) {
	for _, sh := range []realShell{realShells[0], realShells[2], realShells[6]} {
		t.Run(sh.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			// Value: '; touch PWNED; echo '
			naive := "export V=''; touch PWNED; echo ''\n"
			if sh.kind == Fish {
				naive = "set -gx V ''; touch PWNED; echo ''\n"
			}
			if err := os.WriteFile(filepath.Join(dir, "stmts"), []byte(naive), 0o600); err != nil {
				t.Fatal(err)
			}
			sh.run(t, dir, "C.UTF-8", sh.load+"\n")
			if _, err := os.Stat(filepath.Join(dir, "PWNED")); err != nil {
				t.Fatalf("naive quoting was not detected: %v", err)
			}
		})
	}
}
