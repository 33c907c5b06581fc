//go:build !unix

package fsutil

import "os"

// lockFlags open a lock file.
const lockFlags = os.O_CREATE | os.O_RDONLY

func isSymlinkError(error) bool { return false }
