package fsutil

import "time"

// Stamp is what a file was when an index recorded it: its device, inode,
// size, modification time and change time (ctime), and mode. An index
// that keeps a file's stamp may answer for the file's content while the
// stamp is unchanged, if it was recorded only once the file had Settled:
// the kernel sets ctime to the current time on every write, truncate,
// rename, chmod or utimes, and no user can set it back (cp -p, rsync -t,
// tar and touch -d set mtime, never ctime), so any change after the
// recording gives a later ctime, however coarse the file system's clock,
// as long as its granularity is under the settling time. The zero Stamp
// is a file that does not exist.
type Stamp struct {
	Exists       bool
	Dev, Ino     uint64
	Size         int64
	Mtime, Ctime int64  // nanoseconds since the epoch
	Mode         uint32 // an fs.FileMode
}

// Settle is how long a file must be unchanged before an index may record
// it: more than the timestamp granularity of any file system awsenv may
// meet (two seconds on FAT, one on HFS+ and ext3). What records stamps
// holds its settle in a value (index.New, cache.Store), so that a test
// gives it a shorter one.
const Settle = 2 * time.Second

// Settled reports whether the file has been as it is for settle at now,
// and may be recorded.
func (s Stamp) Settled(now time.Time, settle time.Duration) bool {
	return !s.Exists || s.Ctime <= now.Add(-settle).UnixNano()
}
