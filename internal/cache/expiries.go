package cache

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/awsenv/awsenv/internal/fsutil"
)

// Expiries says when the credentials of the entries that want accepts
// expire, keyed by Key.String(): for each, what Get would return's
// Credentials.Expiration, and nothing for an entry Get would ignore (with
// Get's warning). A directory Check refuses gives none, with a warning.
//
// It is what `awsenv list` shows of a thousand entries, and it does not
// read and decode a thousand files on every run: what it read is kept in
// a summary (summaryFile) with each entry's fsutil.Stamp, and an entry
// whose stamp is as recorded is answered from there, at the cost of one
// lstat. Entries are recorded only once they have settled (see
// fsutil.Stamp): an entry changed in any way since, even in place within
// the same second, has another stamp and is read again.
func (s *Store) Expiries(want func(Key) bool) map[string]time.Time {
	keys := s.Keys()
	if keys == nil {
		return nil
	}
	summary := s.readSummary()
	next := make(map[string]summaryRecord, len(summary))
	changed := false
	out := map[string]time.Time{}
	for _, key := range keys {
		if !want(key) {
			continue
		}
		name := key.String()
		path := s.path(key)
		stamp, stamped := lstamp(path)
		if rec, ok := summary[name]; ok && stamped && rec.stamp == stamp {
			out[name] = time.Unix(0, rec.expires).UTC()
			next[name] = rec
			continue
		}
		data, err := readOwnFile(path)
		e := s.decode(path, data, err)
		if e == nil {
			continue
		}
		exp := e.Credentials.Expiration
		out[name] = exp
		if stamped && stamp.Settled(time.Now(), settle) {
			next[name] = summaryRecord{stamp: stamp, expires: exp.UnixNano()}
			changed = true
		}
	}
	if changed || len(next) < len(summary) {
		s.writeSummary(next)
	}
	return out
}

// settle is how long an entry must be unchanged before the summary may
// answer for it. Tests shorten it.
var settle = 2 * time.Second

// summaryFile holds what Expiries read; the digit is its format's version.
const (
	summaryFile  = "expiries1"
	summaryMagic = "awsenvx1"
)

// summaryRecord is what the summary knows of one entry.
type summaryRecord struct {
	stamp   fsutil.Stamp
	expires int64 // nanoseconds since the epoch
}

func lstamp(path string) (fsutil.Stamp, bool) {
	st, err := os.Lstat(path)
	if err != nil || !st.Mode().IsRegular() {
		return fsutil.Stamp{}, false
	}
	return fsutil.StampOf(st)
}

func (s *Store) summaryPath() string { return filepath.Join(s.Dir, ".index", summaryFile) }

// readSummary is the summary, or none when there is no summary of this
// user's in this format.
func (s *Store) readSummary() map[string]summaryRecord {
	f, err := openEntry(s.summaryPath()) // no symlink, no FIFO
	if err != nil {
		return nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !fsutil.OwnIndex(st) || st.Size() > 64<<20 {
		return nil
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil
	}
	return decodeSummary(data)
}

// decodeSummary is what encodeSummary encoded; nil for anything else.
func decodeSummary(data []byte) map[string]summaryRecord {
	if len(data) < len(summaryMagic)+4 || string(data[:len(summaryMagic)]) != summaryMagic {
		return nil
	}
	b := data[len(summaryMagic):]
	n := int(binary.LittleEndian.Uint32(b))
	b = b[4:]
	const fixed = 8*6 + 4
	if n > len(b)/(2+fixed) {
		return nil // more records than the bytes could hold
	}
	out := make(map[string]summaryRecord, n)
	for range n {
		if len(b) < 2 {
			return nil
		}
		l := int(binary.LittleEndian.Uint16(b))
		if len(b) < 2+l+fixed {
			return nil
		}
		name := string(b[2 : 2+l])
		v := b[2+l:]
		u := func(i int) uint64 { return binary.LittleEndian.Uint64(v[8*i:]) }
		out[name] = summaryRecord{
			stamp: fsutil.Stamp{Exists: true, Dev: u(0), Ino: u(1), Size: int64(u(2)), Mtime: int64(u(3)), Ctime: int64(u(4)),
				Mode: binary.LittleEndian.Uint32(v[40:])},
			expires: int64(binary.LittleEndian.Uint64(v[44:])),
		}
		b = v[fixed:]
	}
	if len(b) != 0 {
		return nil
	}
	return out
}

// writeSummary replaces the summary; a failure leaves none or the old
// one, which Expiries then reads past.
func (s *Store) writeSummary(recs map[string]summaryRecord) {
	if err := os.MkdirAll(filepath.Dir(s.summaryPath()), 0o700); err != nil {
		return
	}
	fsutil.WriteFile(s.summaryPath(), encodeSummary(recs), 0o600)
}

// encodeSummary lays records out by name: the magic, a count, then each
// name with its stamp and expiry.
func encodeSummary(recs map[string]summaryRecord) []byte {
	names := make([]string, 0, len(recs))
	for n := range recs {
		names = append(names, n)
	}
	sort.Strings(names)
	b := []byte(summaryMagic)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(names)))
	for _, n := range names {
		r := recs[n]
		b = binary.LittleEndian.AppendUint16(b, uint16(len(n)))
		b = append(b, n...)
		for _, v := range []uint64{r.stamp.Dev, r.stamp.Ino, uint64(r.stamp.Size), uint64(r.stamp.Mtime), uint64(r.stamp.Ctime)} {
			b = binary.LittleEndian.AppendUint64(b, v)
		}
		b = binary.LittleEndian.AppendUint32(b, r.stamp.Mode)
		b = binary.LittleEndian.AppendUint64(b, uint64(r.expires))
	}
	return b
}

// entryNames are the keys of the names of a directory listing that are
// entries, sorted by file name.
func entryNames(names []string) []Key {
	var stems []string
	for _, n := range names {
		if strings.HasSuffix(n, ".json") && !strings.HasPrefix(n, ".") {
			stems = append(stems, strings.TrimSuffix(n, ".json"))
		}
	}
	sort.Strings(stems)
	keys := make([]Key, 0, len(stems))
	for _, n := range stems {
		if k, ok := ParseKey(n); ok {
			keys = append(keys, k)
		}
	}
	return keys
}

// decode is the entry in data, read from path with err; nil, with a
// warning unless the entry does not exist, when Get would not return it.
func (s *Store) decode(path string, data []byte, err error) *Entry {
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.warn(fmt.Sprintf("warning: ignoring cache entry %s: %v", path, err))
		}
		return nil
	}
	var e Entry
	if err := json.Unmarshal(data, &e); err != nil {
		s.warn(fmt.Sprintf("warning: ignoring corrupt cache entry %s (it will be replaced): not valid JSON", path))
		return nil
	}
	if err := e.check(); err != nil {
		s.warn(fmt.Sprintf("warning: ignoring corrupt cache entry %s (it will be replaced): %v", path, err))
		return nil
	}
	return &e
}
