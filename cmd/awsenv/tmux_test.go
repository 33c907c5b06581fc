// The end-to-end scripts drive real Unix shells, FIFOs and process groups.

//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() { scriptCmds["tmux"] = tmuxCmd }

// screenLimit is the outer limit for a screen to show what is awaited:
// generous, for a shell started on a loaded machine.
const screenLimit = time.Minute

// tmux drives a real interactive shell in a tmux session of the script's
// own tmux server, as a person at a terminal would:
//
//	tmux start bash|zsh|fish   the shell with the wrappers loaded (zsh without compinit)
//	tmux type TEXT             type TEXT
//	tmux key KEY...            press keys (Tab, Enter, C-u)
//	tmux screen REGEXP         wait until the screen matches (up to screenLimit)
//	! tmux screen REGEXP       the screen does not match now
//	tmux stop
func tmuxCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 {
		ts.Fatalf("usage: tmux start|type|key|screen|stop ...")
	}
	// A socket per session: a server just killed may still hold the last one.
	if args[0] == "start" && len(args) == 2 {
		ts.Setenv("TMUX_SOCKET", filepath.Join(ts.Getenv("WORK"), ".tmux-"+args[1]))
	}
	socket := ts.Getenv("TMUX_SOCKET")
	if socket == "" {
		ts.Fatalf("tmux: no session started")
	}
	run := func(a ...string) string {
		cmd := exec.Command("tmux", append([]string{"-S", socket}, a...)...)
		cmd.Env = scriptEnv(ts)
		out, err := cmd.CombinedOutput()
		if err != nil {
			ts.Fatalf("tmux %s: %v\n%s", strings.Join(a, " "), err, out)
		}
		return string(out)
	}
	switch args[0] {
	case "start":
		if len(args) != 2 {
			ts.Fatalf("usage: tmux start SHELL")
		}
		work := ts.Getenv("WORK")
		var shell []string
		switch args[1] {
		case "bash":
			rc := filepath.Join(work, ".bashrc-tmux")
			ts.Check(os.WriteFile(rc, []byte("PS1='$ '\neval \"$(awsenv init bash)\"\n"), 0o600))
			shell = []string{"bash", "--noprofile", "--rcfile", rc, "-i"}
		case "zsh":
			// No compinit in the rc: completion must work without it.
			zdot := filepath.Join(work, ".zdot")
			ts.Check(os.MkdirAll(zdot, 0o700))
			ts.Check(os.WriteFile(filepath.Join(zdot, ".zshrc"), []byte("PS1='$ '\neval \"$(awsenv init zsh)\"\n"), 0o600))
			shell = []string{"env", "ZDOTDIR=" + zdot, "zsh", "-i"}
		case "fish":
			shell = []string{"fish", "--no-config", "-C", "function fish_prompt; echo -n '$ '; end; awsenv init fish | source"}
		default:
			ts.Fatalf("tmux start: unknown shell %q", args[1])
		}
		run(append([]string{"new-session", "-d", "-s", "t", "-x", "160", "-y", "40"}, shell...)...)
		ts.Defer(func() {
			cmd := exec.Command("tmux", "-S", socket, "kill-server")
			cmd.Run()
		})
		waitScreen(ts, run, regexp.MustCompile(`(?m)^\$$`), false)
	case "type":
		run("send-keys", "-t", "t", "-l", strings.Join(args[1:], " "))
	case "key":
		run(append([]string{"send-keys", "-t", "t"}, args[1:]...)...)
	case "screen":
		if len(args) != 2 {
			ts.Fatalf("usage: tmux screen REGEXP")
		}
		waitScreen(ts, run, regexp.MustCompile("(?m)"+args[1]), neg)
	case "stop":
		run("kill-server")
	default:
		ts.Fatalf("tmux: unknown subcommand %q", args[0])
	}
}

func waitScreen(ts *testscript.TestScript, run func(...string) string, re *regexp.Regexp, neg bool) {
	screen := func() string { return strings.TrimRight(run("capture-pane", "-p", "-t", "t"), "\n") }
	if neg {
		// What must not be there is checked once, after a positive match
		// has waited for the shell: waiting for nothing is a time window.
		if s := screen(); re.MatchString(s) {
			ts.Fatalf("screen matches %q:\n%s", re, s)
		}
		return
	}
	deadline := time.Now().Add(screenLimit)
	for {
		s := screen()
		if re.MatchString(s) {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("screen does not match %q within %s:\n%s", re, screenLimit, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// scriptEnv is the script's environment, for processes the script's
// commands start themselves.
func scriptEnv(ts *testscript.TestScript) []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "USER", "TERM", "AWSENV_DIR", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
		"AWS_ENDPOINT_URL_STS", "AWSENV_ACCOUNT", "TMPDIR", "LANG"} {
		if v := ts.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	if ts.Getenv("TERM") == "" {
		env = append(env, "TERM=xterm")
	}
	return env
}
