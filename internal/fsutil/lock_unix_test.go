//go:build unix

package fsutil

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Issue 12: a symlink at a lock's path made Lock create an empty file at
// its target. Nothing is created, and the error says why.
func TestLockRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere", "victim")
	os.MkdirAll(filepath.Dir(target), 0o700)
	lock := filepath.Join(dir, "entry.lock")
	if err := os.Symlink(target, lock); err != nil {
		t.Fatal(err)
	}
	_, err := Lock(context.Background(), lock, nil)
	if err == nil || !strings.Contains(err.Error(), "symbolic link") || !strings.Contains(err.Error(), lock) {
		t.Errorf("Lock through a symlink: %v", err)
	}
	if _, err := os.Lstat(target); err == nil {
		t.Error("Lock created the symlink's target")
	}
	// A symlink to an existing file is refused too, and the file is unchanged.
	if err := os.WriteFile(target, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(context.Background(), lock, nil); err == nil {
		t.Error("Lock through a symlink to a file succeeded")
	}
}

// A FIFO or a directory at a lock's path is an error at once, not a hang.
func TestLockRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.lock")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "dir.lock")
	os.Mkdir(sub, 0o700)
	for _, p := range []string{fifo, sub} {
		done := make(chan error, 1)
		go func() {
			_, err := Lock(context.Background(), p, nil)
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("Lock(%s) succeeded", p)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("Lock(%s) hangs", p)
		}
	}
}
