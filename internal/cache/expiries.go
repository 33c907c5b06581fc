package cache

import (
	"cmp"
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

// Expiry is what Expiries says of one entry: when its credentials expire
// (an instant equal to what Get's entry says), or, in Warning, why Get
// would ignore the entry, in the words of Get's warning.
type Expiry struct {
	Expires time.Time
	Warning string
}

// Expiries says what Get would say of each entry that want accepts, keyed
// by Key.String(), without its credentials and without warning: the
// caller warns of the entries it shows. A directory Check refuses gives
// none, with a warning.
//
// It is what `awsenv list` shows of a thousand entries, and it does not
// read and decode a thousand files on every run: with summaryMin entries
// or more, what it read is kept in a summary (summaryFile) with each
// entry's fsutil.Stamp, and an entry whose stamp is as recorded is
// answered from there, at the cost of one lstat. Entries are recorded only
// once they have settled (see fsutil.Stamp): an entry changed in any way
// since, even in place within the same second, has another stamp and is
// read again.
func (s *Store) Expiries(want func(Key) bool) map[string]Expiry {
	keys := s.Keys()
	if keys == nil {
		return nil
	}
	var wanted []Key
	for _, key := range keys {
		if want(key) {
			wanted = append(wanted, key)
		}
	}
	summarise := len(wanted) >= summaryMin
	var summary map[string]summaryRecord
	if summarise {
		summary = s.readSummary()
	}
	next := make(map[string]summaryRecord, len(summary))
	changed := false
	out := make(map[string]Expiry, len(wanted))
	for _, key := range wanted {
		name := key.String()
		path := s.path(key)
		var stamp fsutil.Stamp
		stamped := false
		if summarise {
			stamp, stamped = lstamp(path)
		}
		if rec, ok := summary[name]; ok && stamped && rec.stamp == stamp {
			out[name] = Expiry{Expires: rec.expires}
			next[name] = rec
			continue
		}
		data, err := readOwnFile(path)
		e, warning := decodeEntry(path, data, err)
		switch {
		case warning != "":
			out[name] = Expiry{Warning: warning}
			continue
		case e == nil:
			continue
		}
		exp := e.Credentials.Expiration
		out[name] = Expiry{Expires: exp}
		if stamped && stamp.Settled(time.Now(), cmp.Or(s.settle, fsutil.Settle)) {
			next[name] = summaryRecord{stamp: stamp, expires: exp}
			changed = true
		}
	}
	if summarise && (changed || len(next) < len(summary)) {
		s.writeSummary(next)
	}
	return out
}

// summaryMin is the number of entries from which Expiries keeps a
// summary: fewer cost less to read than the summary's writes.
const summaryMin = 32

// summaryFile holds what Expiries read; the digit is its format's version.
const (
	summaryFile  = "expiries2"
	summaryMagic = "awsenvx2"
)

// summaryRecord is what the summary knows of one entry.
type summaryRecord struct {
	stamp   fsutil.Stamp
	expires time.Time
}

func lstamp(path string) (fsutil.Stamp, bool) {
	st, err := os.Lstat(path)
	if err != nil || !st.Mode().IsRegular() {
		return fsutil.Stamp{}, false
	}
	return fsutil.StampOf(st)
}

// maxSummary bounds the summary: a record is some 300 bytes.
const maxSummary = 64 << 20

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
	if err != nil || !fsutil.OwnIndex(st) || st.Size() > maxSummary {
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSummary+1)) // it may have grown since
	if err != nil || len(data) > maxSummary {
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
	const fixed = 8*5 + 4 + 8 + 4
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
			expires: time.Unix(int64(binary.LittleEndian.Uint64(v[44:])), int64(binary.LittleEndian.Uint32(v[52:]))).UTC(),
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
	fsutil.SweepOldTemps(s.summaryPath(), time.Minute) // what a run killed while writing left
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
		// Seconds and nanoseconds: UnixNano says nothing past 2262.
		b = binary.LittleEndian.AppendUint64(b, uint64(r.expires.Unix()))
		b = binary.LittleEndian.AppendUint32(b, uint32(r.expires.Nanosecond()))
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

// decodeEntry is the entry in data, read from path with err; nil, with
// the warning Get gives unless the entry does not exist, when Get would
// not return it.
func decodeEntry(path string, data []byte, err error) (*Entry, string) {
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ""
		}
		return nil, fmt.Sprintf("warning: ignoring cache entry %s: %v", path, err)
	}
	var e Entry
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Sprintf("warning: ignoring corrupt cache entry %s (it will be replaced): not valid JSON", path)
	}
	if err := e.check(); err != nil {
		return nil, fmt.Sprintf("warning: ignoring corrupt cache entry %s (it will be replaced): %v", path, err)
	}
	return &e, ""
}
