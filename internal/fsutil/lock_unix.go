//go:build unix

package fsutil

import (
	"errors"
	"os"
	"runtime"
	"syscall"
)

// lockFlags open a lock file: never through a symlink, never waiting for
// a FIFO's writer. AIX and Solaris lock with fcntl, which needs a file open
// for writing.
var lockFlags = func() int {
	f := os.O_CREATE | syscall.O_NOFOLLOW | syscall.O_NONBLOCK | syscall.O_CLOEXEC
	switch runtime.GOOS {
	case "aix", "solaris", "illumos":
		return f | os.O_RDWR
	}
	return f | os.O_RDONLY
}()

// isSymlinkError: O_NOFOLLOW met a symlink.
// (FreeBSD says EMLINK where Linux says ELOOP.)
func isSymlinkError(err error) bool {
	return errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK)
}
