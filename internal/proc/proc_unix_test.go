//go:build unix

package proc

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// leftPID reads the pid a command wrote to path.
func leftPID(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the command did not record its child's pid: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatalf("pid file holds %q", data)
	}
	return pid
}

// assertGone fails unless pid is dead within a generous limit. Dead
// includes a zombie: once its parent is dead it waits for init, which some
// containers' init is slow to do.
func assertGone(t *testing.T, pid int) {
	t.Helper()
	for range 3000 {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) || isZombie(pid) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	t.Errorf("the command's child %d is still running", pid)
}

// hangLimit is how long a test waits for what should happen at once: far
// more than a loaded machine needs, far less than what it must not wait for.
const hangLimit = 30 * time.Second

// longDrain makes the drain delay outlast hangLimit for one test.
func longDrain(t *testing.T) {
	old := drainDelay
	drainDelay = 2 * hangLimit
	t.Cleanup(func() { drainDelay = old })
}

func isZombie(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil { // no /proc: ask ps
		out, _ := exec.Command("ps", "-o", "stat=", "-p", strconv.Itoa(pid)).Output()
		return strings.HasPrefix(strings.TrimSpace(string(out)), "Z")
	}
	// pid (comm) state ...; comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && len(stat) > i+2 && stat[i+2] == 'Z'
}

func TestOutput(t *testing.T) {
	t.Setenv("AWSENV_PROC_OLD", "old")
	tests := []struct {
		name string
		cmd  Command
		want string
	}{
		{"stdout", Command{Line: "echo 123456"}, "123456\n"},
		{"no newline", Command{Line: "printf abc"}, "abc"},
		{"empty", Command{Line: "true"}, ""},
		{"env is added", Command{Line: `printf '%s %s' "$AWSENV_PROC_NEW" "$AWSENV_PROC_OLD"`, Env: []string{"AWSENV_PROC_NEW=new"}}, "new old"},
		{"env overrides", Command{Line: `printf %s "$AWSENV_PROC_OLD"`, Env: []string{"AWSENV_PROC_OLD=replaced"}}, "replaced"},
		{"exactly the cap", Command{Line: "head -c " + strconv.Itoa(MaxOutput) + " /dev/zero"}, strings.Repeat("\x00", MaxOutput)},
		{"stderr apart", Command{Line: "echo out; echo err >&2"}, "out\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Output(context.Background(), tt.cmd)
			if err != nil || string(out) != tt.want {
				t.Errorf("Output = %.40q, %v; want %.40q", out, err, tt.want)
			}
		})
	}
}

func TestOutputStderr(t *testing.T) {
	var stderr bytes.Buffer
	out, err := Output(context.Background(), Command{Line: "echo 'touch your key' >&2; echo 222222", Stderr: &stderr})
	if err != nil || string(out) != "222222\n" {
		t.Errorf("Output = %q, %v", out, err)
	}
	if stderr.String() != "touch your key\n" {
		t.Errorf("stderr = %q", stderr.String())
	}
	// An *os.File is handed to the command as it is.
	path := filepath.Join(t.TempDir(), "stderr")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := Output(context.Background(), Command{Line: "echo to-file >&2", Stderr: f}); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != "to-file\n" {
		t.Errorf("stderr file = %q", data)
	}
}

// TestOutputErrors: every failure names the command, says what went wrong
// and never repeats what the command printed.
func TestOutputErrors(t *testing.T) {
	const secret = "printf SECRET%sVALUE -" // prints SECRET-VALUE, which the line does not hold
	tests := []struct {
		name string
		cmd  Command
		is   error
		want []string
	}{
		{"exit status", Command{Name: "credential_process", Line: secret + "; exit 3"}, nil,
			[]string{`credential_process "` + secret + `; exit 3" failed: exit status 3: `}},
		{"not found", Command{Line: secret + "; /nonexistent/helper"}, nil,
			[]string{`the command "`, "failed: exit status 127"}},
		// The sleep outlasts hangLimit: only the timeout ends it in time.
		{"timeout", Command{Name: "the mfa code command", Line: secret + "; sleep 300", Timeout: 200 * time.Millisecond}, ErrTimeout,
			[]string{`the mfa code command "` + secret + `; sleep 300" did not finish within 200ms: `}},
		{"endless output", Command{Line: secret + "; cat /dev/zero"}, ErrTooMuchOutput,
			[]string{"printed more than 1048576 bytes: "}},
		{"one byte over the cap", Command{Line: "head -c " + strconv.Itoa(MaxOutput+1) + " /dev/zero"}, ErrTooMuchOutput,
			[]string{"printed more than"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			out, err := Output(context.Background(), tt.cmd)
			if err == nil {
				t.Fatalf("Output = %.40q, want an error", out)
			}
			if d := time.Since(start); d > hangLimit {
				t.Errorf("took %v", d)
			}
			if out != nil {
				t.Errorf("Output returned %.40q along with the error", out)
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			if strings.Contains(msg, "SECRET-VALUE") || strings.Contains(msg, "\x00") || strings.Contains(msg, "\n") {
				t.Errorf("error %q holds the output or more than one line", msg)
			}
			if msg != strings.ToLower(msg[:1])+msg[1:] {
				t.Errorf("error %q does not start lowercase", msg)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", msg, tt.is)
			}
			var ee *exec.ExitError
			if tt.is == nil && !errors.As(err, &ee) {
				t.Errorf("error %q does not keep the exit status", msg)
			}
		})
	}
}

// TestOutputTimeoutKillsGroup: the shell's children go with it.
func TestOutputTimeoutKillsGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	start := time.Now()
	_, err := Output(context.Background(), Command{Line: "sleep 300 & echo $! > " + pidFile + "; wait", Timeout: 200 * time.Millisecond})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if d := time.Since(start); d > hangLimit {
		t.Errorf("took %v to give up on a 200ms timeout", d)
	}
	assertGone(t, leftPID(t, pidFile))
}

// TestOutputCancelKillsGroup: the end of ctx is like a timeout, and says so.
func TestOutputCancelKillsGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	_, err := Output(ctx, Command{Line: "sleep 30 & echo $! > " + pidFile + "; wait"})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "was stopped") {
		t.Fatalf("err = %v, want it stopped", err)
	}
	assertGone(t, leftPID(t, pidFile))

	if _, err := Output(ctx, Command{Line: "touch " + pidFile + ".ran"}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v with ctx already done", err)
	}
	if _, err := os.Stat(pidFile + ".ran"); err == nil {
		t.Error("the command ran with ctx already done")
	}
}

// TestOutputLeftoverChildren: a command that succeeds but leaves a child
// behind, holding its stdout or stderr, returns at once with its output,
// and the child is killed. The drain delay and the child outlast hangLimit
// here, so waiting for either is told from a slow machine.
func TestOutputLeftoverChildren(t *testing.T) {
	longDrain(t)
	tests := []struct {
		name string
		bg   string
	}{
		{"holding stdout", "sleep 300 &"},
		{"holding stderr", "sleep 300 >/dev/null &"},
		{"holding nothing", "sleep 300 >/dev/null 2>&1 &"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pidFile := filepath.Join(t.TempDir(), "pid")
			var stderr bytes.Buffer
			start := time.Now()
			out, err := Output(context.Background(), Command{Line: tt.bg + " echo $! > " + pidFile + "; echo 123456", Stderr: &stderr})
			if err != nil || string(out) != "123456\n" {
				t.Errorf("Output = %q, %v", out, err)
			}
			if d := time.Since(start); d > hangLimit {
				t.Errorf("took %v: the leftover child was waited for", d)
			}
			assertGone(t, leftPID(t, pidFile))
		})
	}
}

// TestOutputEscapedChild: a child that left the process group cannot be
// killed with it; its hold on stdout costs drainDelay (a second), not the
// child's life, which outlasts hangLimit.
func TestOutputEscapedChild(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid command")
	}
	pidFile := filepath.Join(t.TempDir(), "pid")
	start := time.Now()
	// The shell waits for the pid, written once the child has its own session.
	line := "setsid sh -c 'echo $$ > " + pidFile + "; exec sleep 300' & while ! test -s " + pidFile + "; do sleep 0.01; done; echo 123456"
	out, err := Output(context.Background(), Command{Line: line})
	if err != nil || string(out) != "123456\n" {
		t.Errorf("Output = %q, %v", out, err)
	}
	if d := time.Since(start); d < drainDelay || d > hangLimit {
		t.Errorf("took %v, want the drain delay of %v", d, drainDelay)
	}
	syscall.Kill(leftPID(t, pidFile), syscall.SIGKILL)
}

func TestRunForwarding(t *testing.T) {
	tests := []struct {
		line string
		want int
	}{
		{"exit 0", 0},
		{"exit 3", 3},
		{"kill -TERM $$", 143},
		{"kill -KILL $$", 137},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			code, err := RunForwarding(exec.Command("/bin/sh", "-c", tt.line))
			if err != nil || code != tt.want {
				t.Errorf("RunForwarding = %d, %v; want %d", code, err, tt.want)
			}
		})
	}
	t.Run("cannot start", func(t *testing.T) {
		code, err := RunForwarding(exec.Command("/nonexistent/cmd"))
		if err == nil || !strings.Contains(err.Error(), `cannot run "/nonexistent/cmd"`) || code != -1 {
			t.Errorf("RunForwarding = %d, %v", code, err)
		}
	})
}

// TestRunForwardingSignals: a signal to awsenv reaches the command and
// leaves awsenv running.
func TestRunForwardingSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGUSR1, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			defer w.Close()
			n := strconv.Itoa(int(sig))
			cmd := exec.Command("/bin/sh", "-c", "trap 'exit "+n+"' "+n+"; echo ready; while :; do sleep 0.02; done")
			cmd.Stdout = w
			type result struct {
				code int
				err  error
			}
			done := make(chan result, 1)
			go func() {
				code, err := RunForwarding(cmd)
				done <- result{code, err}
			}()
			buf := make([]byte, 6)
			_, err = r.Read(buf)
			if err != nil || string(buf) != "ready\n" {
				t.Fatalf("the command did not start: %q, %v", buf, err)
			}
			syscall.Kill(os.Getpid(), sig)
			select {
			case res := <-done:
				if res.err != nil || res.code != int(sig) {
					t.Errorf("RunForwarding = %d, %v; want %d from the trap", res.code, res.err, sig)
				}
			case <-time.After(hangLimit):
				cmd.Process.Kill()
				t.Fatal("the signal did not reach the command")
			}
		})
	}
}
