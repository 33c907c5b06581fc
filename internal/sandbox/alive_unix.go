//go:build unix

package sandbox

import (
	"errors"
	"syscall"
)

// alive reports whether process pid exists (it may be another user's).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
