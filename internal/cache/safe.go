package cache

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// checkDir makes sure nobody but the current user can change the cache
// directory: it must be a directory, and checkDirAccess decides whether it
// is ours alone. Otherwise another local user could plant an entry that
// awsenv would export, or replace one with a FIFO that hangs every prompt.
func checkDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("cannot use cache directory: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("cache directory %s is not a directory: remove it or set AWSENV_CACHE_DIR", dir)
	}
	return checkDirAccess(dir, st)
}

// OpenFile opens a file of a cache directory for reading as entries are
// opened: a symlink is refused, and a FIFO is not waited on. The caller
// checks what it opened (fstat).
func OpenFile(path string) (*os.File, error) { return openEntry(path) }

// maxEntry bounds a cache entry: awsenv writes about 2 KiB.
const maxEntry = 1 << 20

// errNotRegular is what readOwnFile says of anything but our own file.
var errNotRegular = errors.New("not a regular file of yours")

// readOwnFile reads a cache entry without following a symlink or blocking
// on a FIFO, and only if it is a regular file of the current user's in a
// directory checkDir accepts.
func readOwnFile(path string) ([]byte, error) {
	f, err := openEntry(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if _, other := otherOwner(st); !st.Mode().IsRegular() || other {
		return nil, errNotRegular
	}
	if st.Size() > maxEntry {
		return nil, errors.New("too large")
	}
	if err := checkDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxEntry+1)) // it may grow since the Stat
	if err == nil && len(data) > maxEntry {
		return nil, errors.New("too large")
	}
	return data, err
}
