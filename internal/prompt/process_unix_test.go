//go:build unix

package prompt

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The children of a command that timed out are killed with it, not waited
// for: the child outlives the generous limits here unless it is killed.
func TestProcessTimeoutKillsChildren(t *testing.T) {
	dir := t.TempDir()
	pidFile, mark := filepath.Join(dir, "pid"), filepath.Join(dir, "survived")
	start := time.Now()
	// The shell writes the child's pid at once; the timeout leaves it a
	// second to, on a loaded machine.
	_, err := Source{Process: "sleep 300 & echo $! > " + pidFile + "; wait; touch " + mark, ProcessTimeout: time.Second}.Get(context.Background())
	if err == nil || !strings.Contains(err.Error(), "did not finish") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %v: the timed-out command's children were waited for", d)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Skipf("the command was stopped before it started its child: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatalf("pid file holds %q", data)
	}
	for deadline := time.Now().Add(30 * time.Second); !gone(pid); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatal("the command's child outlived the timeout")
		}
	}
	if _, err := os.Stat(mark); err == nil {
		t.Error("the command went on after the timeout")
	}
}

// gone says whether pid has exited; a zombie (its parent killed too, not
// yet reaped by init) has.
func gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) S ...: the state follows the last ')'.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}
