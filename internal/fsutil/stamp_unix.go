//go:build linux || darwin

package fsutil

import (
	"io/fs"
	"os"
	"syscall"
)

// StampOf is the stamp of a file fstat or stat described; ok is false
// when it has none to tell.
func StampOf(st fs.FileInfo) (Stamp, bool) {
	s, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return Stamp{}, false
	}
	mtime, ctime := times(s)
	return Stamp{Exists: true, Dev: uint64(s.Dev), Ino: s.Ino, Size: s.Size, Mtime: mtime, Ctime: ctime, Mode: uint32(st.Mode())}, true
}

// OwnIndex reports whether a file is an index this user wrote: a regular
// file of theirs, writable by nobody else.
func OwnIndex(st fs.FileInfo) bool {
	s, ok := st.Sys().(*syscall.Stat_t)
	return ok && int(s.Uid) == os.Geteuid() && st.Mode().IsRegular() && st.Mode().Perm()&0o022 == 0
}
