//go:build unix

package fsutil

import (
	"net"
	"os"
	"syscall"
	"testing"
)

func specialFiles() []refusal {
	return []refusal{
		{name: "fifo without a writer", setup: func(t *testing.T, path string) { mustDo(t, syscall.Mkfifo(path, 0o600)) },
			kind: ErrNotRegular, problem: "it is a named pipe (FIFO), not a regular file"},
		{name: "symlink to /dev/zero", setup: func(t *testing.T, path string) { mustDo(t, os.Symlink("/dev/zero", path)) },
			kind: ErrNotRegular, problem: "it is a character device, not a regular file"},
		{name: "symlink to /dev/null", setup: func(t *testing.T, path string) { mustDo(t, os.Symlink("/dev/null", path)) },
			kind: ErrNotRegular, problem: "character device"},
		{name: "symlink to a directory", setup: func(t *testing.T, path string) { mustDo(t, os.Symlink(t.TempDir(), path)) },
			kind: ErrNotRegular, problem: "it is a directory"},
		// Opening a socket fails (ENXIO) on Linux before fstat; any error
		// that names the file will do.
		{name: "socket", setup: func(t *testing.T, path string) {
			l, err := net.Listen("unix", path)
			if err != nil {
				t.Skipf("no unix socket: %v", err)
			}
			t.Cleanup(func() { l.Close() })
		}},
	}
}
