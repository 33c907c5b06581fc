// Package index keeps, in the cache directory, what a full parse of the
// accounts file, of ~/.aws/config and ~/.aws/credentials, and a listing of
// the credential directory found, so that a switch at organisation scale
// (five thousand accounts, as many profiles) reads the one entry it needs
// and not the whole file. It decorates config's loaders (Index.Accounts,
// Index.Profiles) and the listings resolve makes (Index.KeyFileNames,
// Index.Names): resolve decides what a name is, config reads and validates
// files, and this package owns the index file format and the rule for when
// an index may be trusted (Settle). It is only ever a shortcut to the
// answer a full parse gives:
//
//   - An index names the files it was made from and, for each, its device,
//     inode, size, modification time and change time (ctime). It is used
//     only while all of them are as recorded.
//   - ctime is what makes an edit within the same second, at the same size,
//     impossible to miss. The kernel sets it to the current time on every
//     write, truncate, rename, chmod or utimes, and no user can set it
//     (cp -p, rsync -t, tar and touch -d set mtime, never ctime). An index
//     is written only under stamps taken before the files were read, and
//     only when their ctime is at least Settle older than the moment
//     of writing; any later change then gives a ctime later than the
//     recorded one, however coarse the file system's clock, as long as its
//     granularity is under that. A file changed more recently is parsed
//     whole, and indexed by the first run after it settles.
//   - What a switch reads through the index is checked again: each entry
//     or section block is read from the file itself, its CRC-32 compared
//     with the recorded one, its name with the one asked for, and it is
//     parsed and validated as a full parse would. A mismatch reads the
//     whole file. The names (completion) and the rows list shows are
//     answered on the stamps alone.
//   - That argument is the local kernel's: it holds on local file systems.
//     On NFS, a stat may show another client's edit up to a minute late
//     (attribute caching), and FUSE and network file systems report the
//     ctime their server keeps; there, list and completion can lag an
//     edit made elsewhere by as long, while a switch still sees it.
//   - What the index records of a parse (the rows, which sections are
//     profiles) is the parser's: a change to what a parse makes of the
//     files must change indexVersion, or an upgraded awsenv would show
//     the old parser's rows until the next edit. TestIndexRowsPinned
//     fails when they change.
//
// An index that cannot be read, is not ours (another owner, group- or
// world-writable), or has another format is ignored, and a failure to
// write one is silent: without an index awsenv parses the files, as it
// always has. Files under indexMinSize are not indexed: parsing them costs
// less than the index's system calls. On systems without a ctime to read
// (Windows) there is no index.
package index

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/fsutil"
)

// Settle is how long a file must be unchanged before an index may record
// it (see fsutil.Stamp): what New is given but in tests. The cache's
// summary of its entries (cache.Store.Expiries) follows the same rule.
const Settle = fsutil.Settle

// Index is the index in one cache directory, as one run uses it. It
// remembers what the files it loaded were before they were read, so that
// Names records names only under those stamps, and whether the cache
// directory was found fit to read an index from.
type Index struct {
	cacheDir string
	settle   time.Duration // see Settle; tests pass a shorter one
	dirOK    atomic.Bool   // cacheDir passed cache.Store.Check this run

	// What the accounts file and the profile files were before they were
	// read (Accounts, Profiles); the stamped flags are false when that
	// cannot be told.
	accountsStamp   fileKey
	accountsStamped bool
	profileStamps   [2]fileKey
	profilesStamped bool
}

// New is the index kept in cacheDir, trusting files that have been
// unchanged for settle (Settle, but for tests). A nil *Index is no index:
// its loaders read the files.
func New(cacheDir string, settle time.Duration) *Index {
	return &Index{cacheDir: cacheDir, settle: settle}
}

// indexMinSize is the size below which files are parsed whole, which then
// costs less than the system calls of the index: some thirty accounts, or
// profiles.
const indexMinSize = 4 << 10

// indexMagic starts every index file; the digit is the format version,
// which the file names carry too (Index.path): an awsenv of another version
// keeps indexes of its own rather than rewriting this one's on every run.
const (
	indexVersion = "2"
	indexMagic   = "awsenvi" + indexVersion
)

// fileKey is what a file was when it was indexed (see fsutil.Stamp).
type fileKey = fsutil.Stamp

// statPath is the key of the file at path as it is now, the zero key when
// there is none; ok is false when it cannot be told (a stat error other
// than a missing file, a system without ctime).
func statPath(path string) (fileKey, bool) {
	if path == "" {
		return fileKey{}, true
	}
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fileKey{}, true
	}
	if err != nil {
		return fileKey{}, false
	}
	return fsutil.StampOf(st)
}

// path is the index file of kind for the input files paths.
func (x *Index) path(kind string, paths ...string) string {
	h := sha256.New()
	for _, p := range paths {
		if p != "" {
			p = absPath(p)
		}
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return filepath.Join(x.cacheDir, ".index", kind+indexVersion+"-"+hex.EncodeToString(h.Sum(nil)[:12]))
}

// openFile is an open index file whose files are as it recorded them.
type openFile struct {
	f        *os.File
	buckets  uint32
	tableOff int64
	recOff   int64
	namesOff int64
	nnames   uint32
	namesLen int64
}

// open opens the index at path if it was made from files that are now as
// keys say. The file stays open for the lookups of this run.
func (x *Index) open(path string, paths []string, keys []fileKey) (*openFile, bool) {
	if !x.cacheDirOK() {
		return nil, false
	}
	// No symlink, no wait for a writer if it is a FIFO, which readHeader
	// then refuses with anything else that is not a file of ours.
	f, err := cache.OpenFile(path)
	if err != nil {
		return nil, false
	}
	ix, ok := readHeader(f, paths, keys)
	if !ok {
		f.Close()
		return nil, false
	}
	return ix, true
}

// cacheDirOK says whether the cache directory is one awsenv may use (see
// cache.Store.Check), asked once a run: an index is read only from one, as
// it is written only into one.
func (x *Index) cacheDirOK() bool {
	if x.dirOK.Load() {
		return true
	}
	if (&cache.Store{Dir: x.cacheDir}).Check() != nil {
		return false
	}
	x.dirOK.Store(true)
	return true
}

// Current reports whether the cache directory holds an index of kind
// ("accounts", "profiles", "keys" or "names") made from the files paths as
// they are now, for tests and diagnoses: the loaders open theirs
// themselves.
func (x *Index) Current(kind string, paths ...string) bool {
	keys := make([]fileKey, len(paths))
	for i, p := range paths {
		keys[i], _ = statPath(p)
	}
	ix, ok := x.open(x.path(kind, paths...), paths, keys)
	if ok {
		ix.f.Close()
	}
	return ok
}

func readHeader(f *os.File, paths []string, keys []fileKey) (*openFile, bool) {
	st, err := f.Stat()
	if err != nil || !fsutil.OwnIndex(st) {
		return nil, false
	}
	buf := make([]byte, 4096)
	n, _ := f.ReadAt(buf, 0)
	buf = buf[:n]
	if len(buf) < 16 || string(buf[:8]) != indexMagic {
		return nil, false
	}
	if hl := int(binary.LittleEndian.Uint32(buf[8:])); hl > len(buf) {
		if hl > 1<<20 {
			return nil, false
		}
		buf = make([]byte, hl)
		if _, err := f.ReadAt(buf, 0); err != nil {
			return nil, false
		}
	} else {
		buf = buf[:hl]
	}
	r := reader{b: buf, off: 12}
	if int(r.u32()) != len(paths) {
		return nil, false
	}
	for i := range paths {
		p := paths[i]
		if p != "" {
			p = absPath(p)
		}
		if r.str() != p || r.key() != keys[i] {
			return nil, false
		}
	}
	ix := &openFile{f: f, buckets: r.u32(), tableOff: int64(r.u64()), recOff: int64(r.u64()),
		namesOff: int64(r.u64()), nnames: r.u32(), namesLen: int64(r.u64())}
	// The names come last: an index of another length is not what was
	// written.
	// Every offset and count in bounds of the file, and no count more than
	// its bytes can hold: a damaged index must not make a lookup allocate
	// more than the file.
	if r.bad || ix.buckets == 0 || ix.buckets&(ix.buckets-1) != 0 || st.Size() > maxIndex ||
		ix.namesLen < 0 || ix.namesLen > 64<<20 || int64(ix.nnames) > ix.namesLen/2 ||
		ix.tableOff != int64(len(buf)) || ix.recOff != ix.tableOff+4*int64(ix.buckets+1) ||
		ix.namesOff < ix.recOff || ix.namesOff+ix.namesLen != st.Size() {
		return nil, false
	}
	return ix, true
}

// maxIndex bounds an index file: the inputs it indexes are capped at a few
// megabytes each.
const maxIndex = 256 << 20

// errIndex is an index that cannot be read as it was written: the caller
// reads the files instead.
var errIndex = errors.New("unreadable index")

// get returns the value recorded for key; found is false when there is
// none.
func (ix *openFile) get(key string) (val []byte, found bool, err error) {
	h := fnv64(key) & uint64(ix.buckets-1)
	var slot [8]byte
	if _, err := ix.f.ReadAt(slot[:], ix.tableOff+int64(h)*4); err != nil {
		return nil, false, errIndex
	}
	lo, hi := binary.LittleEndian.Uint32(slot[:]), binary.LittleEndian.Uint32(slot[4:])
	if hi < lo || int64(hi) > ix.namesOff-ix.recOff {
		return nil, false, errIndex
	}
	recs := make([]byte, hi-lo)
	if _, err := ix.f.ReadAt(recs, ix.recOff+int64(lo)); err != nil {
		return nil, false, errIndex
	}
	r := reader{b: recs}
	for r.off < len(r.b) {
		k, v := r.str(), r.bytes()
		if r.bad {
			return nil, false, errIndex
		}
		if k == key {
			return v, true, nil
		}
	}
	return nil, false, nil
}

// names returns the names recorded, in their order.
func (ix *openFile) names() ([]string, error) {
	b := make([]byte, ix.namesLen)
	if _, err := ix.f.ReadAt(b, ix.namesOff); err != nil {
		return nil, errIndex
	}
	all := string(b) // one copy, which the names share
	names := make([]string, 0, ix.nnames)
	for off := 0; off < len(all); {
		if off+2 > len(all) {
			return nil, errIndex
		}
		n := int(all[off]) | int(all[off+1])<<8
		if off+2+n > len(all) {
			return nil, errIndex
		}
		names = append(names, all[off+2:off+2+n])
		off += 2 + n
	}
	if len(names) != int(ix.nnames) {
		return nil, errIndex
	}
	return names, nil
}

// write writes an index of the files paths holding records and names, if
// the files have settled and the cache directory is one awsenv may use.
// keys must be what the files were before what the records say of them
// was read: a stamp taken after could be a change's, recorded with what
// was there before it. It never fails the command.
func (x *Index) write(path string, paths []string, keys []fileKey, names []string, records map[string][]byte) {
	now := time.Now()
	for _, k := range keys {
		if !k.Settled(now, x.settle) {
			return
		}
	}
	if err := (&cache.Store{Dir: x.cacheDir}).Check(); err != nil {
		return
	}
	data := encodeIndex(paths, keys, names, records)
	if data == nil {
		return
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return
	}
	fsutil.SweepOldTemps(path, time.Minute) // what a run killed while writing left
	if fsutil.WriteFile(path, data, 0o600) == nil {
		// The same index in the format before this one (version 1 had
		// no version in its name) is of no more use to anyone.
		dir, base := filepath.Split(path)
		os.Remove(filepath.Join(dir, strings.Replace(base, indexVersion+"-", "-", 1)))
	}
}

// encodeIndex lays an index out: the header (files and offsets), a table
// of buckets, the records by bucket, then the names. It is nil when a
// name, key or path is longer than the two bytes of its length can say
// (a section name of 64 KiB): such files are not indexed.
func encodeIndex(paths []string, keys []fileKey, names []string, records map[string][]byte) []byte {
	for _, ss := range [][]string{paths, names} {
		for _, s := range ss {
			if len(s) > 0xffff {
				return nil
			}
		}
	}
	for k := range records {
		if len(k) > 0xffff {
			return nil
		}
	}
	buckets := uint32(1)
	for int(buckets) < len(records) {
		buckets <<= 1
	}
	byBucket := make([][]string, buckets)
	for k := range records {
		h := fnv64(k) & uint64(buckets-1)
		byBucket[h] = append(byBucket[h], k)
	}
	var recs []byte
	table := make([]byte, 0, 4*(buckets+1))
	for _, ks := range byBucket {
		table = binary.LittleEndian.AppendUint32(table, uint32(len(recs)))
		sort.Strings(ks)
		for _, k := range ks {
			recs = appendStr(recs, k)
			recs = binary.LittleEndian.AppendUint32(recs, uint32(len(records[k])))
			recs = append(recs, records[k]...)
		}
	}
	table = binary.LittleEndian.AppendUint32(table, uint32(len(recs)))
	var nameBytes []byte
	for _, n := range names {
		nameBytes = appendStr(nameBytes, n)
	}

	head := []byte(indexMagic)
	head = binary.LittleEndian.AppendUint32(head, 0) // the header's length, below
	head = binary.LittleEndian.AppendUint32(head, uint32(len(paths)))
	for i, p := range paths {
		if p != "" {
			p = absPath(p)
		}
		head = appendStr(head, p)
		head = appendKey(head, keys[i])
	}
	head = binary.LittleEndian.AppendUint32(head, buckets)
	hl := len(head) + 8*3 + 4 + 8
	tableOff := int64(hl)
	recOff := tableOff + int64(len(table))
	namesOff := recOff + int64(len(recs))
	head = binary.LittleEndian.AppendUint64(head, uint64(tableOff))
	head = binary.LittleEndian.AppendUint64(head, uint64(recOff))
	head = binary.LittleEndian.AppendUint64(head, uint64(namesOff))
	head = binary.LittleEndian.AppendUint32(head, uint32(len(names)))
	head = binary.LittleEndian.AppendUint64(head, uint64(len(nameBytes)))
	binary.LittleEndian.PutUint32(head[8:], uint32(hl))
	out := append(head, table...)
	out = append(out, recs...)
	return append(out, nameBytes...)
}

func appendStr(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

func appendKey(b []byte, k fileKey) []byte {
	exists := byte(0)
	if k.Exists {
		exists = 1
	}
	b = append(b, exists)
	for _, v := range []uint64{k.Dev, k.Ino, uint64(k.Size), uint64(k.Mtime), uint64(k.Ctime)} {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return binary.LittleEndian.AppendUint32(b, k.Mode)
}

// reader decodes what encodeIndex wrote; a read past the end sets bad.
type reader struct {
	b   []byte
	off int
	bad bool
}

func (r *reader) take(n int) []byte {
	if r.bad || n < 0 || r.off+n > len(r.b) {
		r.bad = true
		return nil
	}
	v := r.b[r.off : r.off+n]
	r.off += n
	return v
}

func (r *reader) u16() uint16 {
	if b := r.take(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if b := r.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (r *reader) str() string { return string(r.take(int(r.u16()))) }

func (r *reader) bytes() []byte { return r.take(int(r.u32())) }

func (r *reader) key() fileKey {
	k := fileKey{Exists: r.take(1) != nil && r.b[r.off-1] == 1}
	k.Dev, k.Ino, k.Size = r.u64(), r.u64(), int64(r.u64())
	k.Mtime, k.Ctime = int64(r.u64()), int64(r.u64())
	k.Mode = r.u32()
	return k
}

// fnv64 is FNV-1a.
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// absPath is p made absolute, as the index records it.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
