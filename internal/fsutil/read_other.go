//go:build !unix

package fsutil

import "os"

// openNonBlocking is os.Open: Windows has no O_NONBLOCK, and opening a
// named pipe there fails rather than waits when no server is listening.
func openNonBlocking(path string) (*os.File, error) {
	return os.Open(path)
}
