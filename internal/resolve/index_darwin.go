package resolve

import (
	"io/fs"
	"os"
	"syscall"
)

// keyOf is the index key of a file fstat or stat described.
func keyOf(st fs.FileInfo) (fileKey, bool) {
	s, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return fileKey{}, false
	}
	return fileKey{exists: true, dev: uint64(s.Dev), ino: s.Ino, size: s.Size,
		mtime: s.Mtimespec.Nano(), ctime: s.Ctimespec.Nano(), mode: uint32(st.Mode())}, true
}

// ownFile reports whether an index file is one this user wrote: theirs,
// and writable by nobody else.
func ownFile(st fs.FileInfo) bool {
	s, ok := st.Sys().(*syscall.Stat_t)
	return ok && int(s.Uid) == os.Geteuid() && st.Mode().IsRegular() && st.Mode().Perm()&0o022 == 0
}
