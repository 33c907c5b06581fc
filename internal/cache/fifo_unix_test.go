//go:build unix

package cache

import (
	"syscall"
	"testing"
)

func makeFIFO(t *testing.T, _ *Store, path string) {
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
}
