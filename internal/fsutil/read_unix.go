//go:build unix

package fsutil

import (
	"os"
	"syscall"
)

// openNonBlocking opens path for reading without waiting: opening a FIFO
// that has no writer, or some devices, would otherwise block before the
// caller can see what the file is. O_NONBLOCK does nothing to reads of a
// regular file, the only kind ReadTextInfo goes on to read. O_NOCTTY keeps a
// terminal device from becoming the controlling terminal.
func openNonBlocking(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
}
