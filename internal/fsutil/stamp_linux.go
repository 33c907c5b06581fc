package fsutil

import "syscall"

// times are the modification and change times, in nanoseconds.
func times(s *syscall.Stat_t) (mtime, ctime int64) { return s.Mtim.Nano(), s.Ctim.Nano() }
