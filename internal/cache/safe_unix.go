//go:build unix

package cache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// checkDirAccess refuses a directory another user owns and tightens ours
// to 0700.
func checkDirAccess(dir string, st fs.FileInfo) error {
	if uid, other := otherOwner(st); other {
		return fmt.Errorf("cache directory %s belongs to another user (uid %d): set AWSENV_CACHE_DIR to a folder of your own", dir, uid)
	}
	if st.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("cache directory %s has mode %04o and cannot be made 0700: %w", dir, st.Mode().Perm(), errors.Unwrap(err))
		}
	}
	return nil
}

// isReadOnlyFS: err is EROFS.
func isReadOnlyFS(err error) bool { return errors.Is(err, syscall.EROFS) }

// dirWritable says whether the current user may create files in dir.
func dirWritable(dir string) bool { return syscall.Access(dir, 2 /* W_OK */) == nil }

// otherOwner says whether the file belongs to a user other than the
// effective one, and which.
func otherOwner(st fs.FileInfo) (uid uint32, other bool) {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return sys.Uid, int(sys.Uid) != os.Geteuid()
}

// openEntry opens path for reading, refusing a symlink (O_NOFOLLOW) and
// not waiting for a writer if it is a FIFO (O_NONBLOCK, which does nothing
// to reads of a regular file).
func openEntry(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, errNotRegular
		}
		if errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		return nil, errors.Unwrap(err) // the warning names the file already
	}
	return f, nil
}
