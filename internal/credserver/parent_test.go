//go:build unix

package credserver

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"
)

// sleeper starts a process that lives until killed.
func sleeper(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "600")
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start sleep: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd
}

func expectGone(t *testing.T, gone <-chan struct{}, within time.Duration) {
	t.Helper()
	select {
	case <-gone:
	case <-time.After(within):
		t.Fatalf("not noticed within %s", within)
	}
}

func TestWatchParentExit(t *testing.T) {
	cmd := sleeper(t)
	gone, err := WatchParent(context.Background(), cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-gone:
		t.Fatal("closed while the process runs")
	case <-time.After(3 * pollEvery):
	}
	cmd.Process.Kill()
	cmd.Wait() // reaped: the pid is free
	t0 := time.Now()
	expectGone(t, gone, 30*time.Second)
	t.Logf("noticed after %s", time.Since(t0))
}

// A shell that exited but was not yet reaped by its parent is a zombie:
// kill(pid, 0) still succeeds, but it is gone.
func TestWatchParentZombie(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("zombies are recognised on Linux only (/proc)")
	}
	cmd := sleeper(t)
	gone, err := WatchParent(context.Background(), cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Process.Kill() // not waited for: a zombie until Cleanup
	expectGone(t, gone, 30*time.Second)
	if _, err := WatchParent(context.Background(), cmd.Process.Pid); err == nil {
		t.Error("watching a zombie succeeded")
	}
}

func TestWatchParentRefusals(t *testing.T) {
	for _, pid := range []int{0, -1} {
		if _, err := WatchParent(context.Background(), pid); err == nil {
			t.Errorf("WatchParent(%d) succeeded", pid)
		}
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip(err)
	}
	if _, err := WatchParent(context.Background(), cmd.Process.Pid); err == nil {
		t.Error("watching a process that ended succeeded")
	}
}

func TestWatchParentContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	gone, err := WatchParent(ctx, os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-gone:
		t.Fatal("closed when the context ended, but the process lives")
	case <-time.After(3 * pollEvery):
	}
}

// Another user's process (as root: init, pid 1) is watched too.
func TestWatchParentOtherUser(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("as root every process is signalable")
	}
	if _, err := WatchParent(context.Background(), 1); err != nil {
		t.Errorf("WatchParent(1): %v", err)
	}
}
