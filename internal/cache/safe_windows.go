//go:build windows

package cache

import (
	"errors"
	"io/fs"
	"os"
)

// checkDirAccess accepts the directory as it is. Windows guards files with
// ACLs, not an owner and mode bits that os can read or set, and the default
// cache directory is under the user's profile folder (%USERPROFILE%), which
// other users cannot write to unless its ACL was changed.
func checkDirAccess(dir string, st fs.FileInfo) error { return nil }

// isReadOnlyFS is false: Windows says "access denied" (fs.ErrPermission).
func isReadOnlyFS(error) bool { return false }

// dirWritable is true: Windows refuses through ACLs, which the error says.
func dirWritable(string) bool { return true }

// otherOwner is never true on Windows: see checkDirAccess.
func otherOwner(st fs.FileInfo) (uid uint32, other bool) { return 0, false }

// openEntry opens path for reading if it is a regular file and not a
// symlink. Windows has no O_NOFOLLOW, so this is an Lstat before the open;
// the race between the two needs write access to the cache directory,
// which would let one replace the entry anyway.
func openEntry(path string) (*os.File, error) {
	st, err := os.Lstat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		return nil, errors.Unwrap(err) // the warning names the file already
	}
	if !st.Mode().IsRegular() {
		return nil, errNotRegular
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Unwrap(err)
	}
	return f, nil
}
