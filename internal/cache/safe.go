package cache

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// checkDir makes sure nobody but the current user can change the cache
// directory: it must be a directory owned by us, and is tightened to 0700.
// Otherwise another local user could plant an entry that ec2switch would
// export, or replace one with a FIFO that hangs every prompt.
func checkDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("cannot use cache directory: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("cache directory %s is not a directory: remove it or set AWSENV_CACHE_DIR", dir)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
		return fmt.Errorf("cache directory %s belongs to another user (uid %d): set AWSENV_CACHE_DIR to a folder of your own", dir, sys.Uid)
	}
	if st.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("cache directory %s has mode %04o and cannot be made 0700: %v", dir, st.Mode().Perm(), err)
		}
	}
	return nil
}

// errNotRegular is what readOwnFile says of anything but our own file.
var errNotRegular = errors.New("not a regular file of yours")

// readOwnFile reads a cache entry without following a symlink or blocking
// on a FIFO, and only if it is a regular file owned by the current user
// in a directory checkDir accepts.
func readOwnFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, errNotRegular
		}
		if errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		return nil, errors.Unwrap(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !st.Mode().IsRegular() || (ok && int(sys.Uid) != os.Geteuid()) {
		return nil, errNotRegular
	}
	if st.Size() > 1<<20 {
		return nil, errors.New("too large")
	}
	if err := checkDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}
