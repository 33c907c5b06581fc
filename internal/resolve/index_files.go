package resolve

import (
	"encoding/binary"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/fsutil"
)

// This file puts the three inputs a switch or a completion reads through
// the index of index.go: the accounts file, ~/.aws/config with
// ~/.aws/credentials, and the names of the key files.

// loadAccounts is config.LoadAccounts of the accounts file p names, through
// the index in p.CacheDir: a large file whose index is current is not read
// until an entry is asked for, and then only that entry. stamp is what the
// file was before any of it was read (stamped is false when that cannot be
// told): an index of what was read may be recorded only under it.
func loadAccounts(p config.Paths) (accs *config.Accounts, stamp fileKey, stamped bool, err error) {
	optional := !p.AccountsExplicit
	k, ok := statPath(p.Accounts)
	if !ok || !fs.FileMode(k.Mode).IsRegular() || k.Size < indexMinSize {
		accs, err := config.LoadAccounts(p.Accounts, optional)
		return accs, k, ok, err
	}
	path := indexPath(p.CacheDir, "accounts", p.Accounts)
	files := []string{p.Accounts}
	if ix, ok := openIndex(path, files, []fileKey{k}); ok {
		return config.IndexedAccounts(p.Accounts, accountIndex{ix}), k, true, nil
	}
	accs, spans, st, err := config.LoadAccountsSpans(p.Accounts, optional)
	if err != nil || spans == nil {
		return accs, k, true, err
	}
	if k, ok := fsutil.StampOf(st); ok {
		names := make([]string, len(spans))
		records := make(map[string][]byte, len(spans))
		for i, sp := range spans {
			names[i] = sp.Name
			b := binary.LittleEndian.AppendUint64(nil, uint64(sp.Start))
			b = binary.LittleEndian.AppendUint64(b, uint64(sp.End))
			records["a"+sp.Name] = binary.LittleEndian.AppendUint32(b, sp.Sum)
		}
		if rows, ok := encodeAccountRows(config.AccountRows(accs.All())); ok {
			records[rowsRecord] = rows
		}
		writeIndex(path, files, []fileKey{k}, names, records)
	}
	return accs, k, true, nil
}

// accountIndex is a config.AccountIndex read from an index file.
type accountIndex struct{ ix *index }

func (a accountIndex) Span(name string) (config.AccountSpan, bool, error) {
	v, found, err := a.ix.get("a" + name)
	if err != nil || !found {
		return config.AccountSpan{}, false, err
	}
	if len(v) != 20 {
		return config.AccountSpan{}, false, errIndex
	}
	return config.AccountSpan{Name: name, Start: int64(binary.LittleEndian.Uint64(v)),
		End: int64(binary.LittleEndian.Uint64(v[8:])), Sum: binary.LittleEndian.Uint32(v[16:])}, true, nil
}

func (a accountIndex) Names() ([]string, error) { return a.ix.names() }

func (a accountIndex) Rows() ([]config.AccountRow, error) {
	v, found, err := a.ix.get(rowsRecord)
	if err != nil || !found {
		return nil, err
	}
	return decodeAccountRows(v)
}

// loadProfiles is config.LoadProfiles of the config and credentials files,
// through the index in the cache directory: profiles and sections of large
// files whose index is current are read as they are asked for.
func (e *Env) loadProfiles() (*config.Profiles, error) {
	cfg, cred := e.ProfileFiles()
	files := []string{cfg, cred}
	keys := make([]fileKey, 2)
	var size int64
	for i, f := range files {
		k, ok := statPath(f)
		if !ok || k.Exists && !fs.FileMode(k.Mode).IsRegular() {
			return config.LoadProfiles(cfg, cred)
		}
		keys[i], size = k, size+k.Size
	}
	// What the files were before they were read, for Names.
	e.profileStamps, e.profilesStamped = [2]fileKey{keys[0], keys[1]}, true
	if size < indexMinSize {
		return config.LoadProfiles(cfg, cred)
	}
	path := indexPath(e.Paths.CacheDir, "profiles", cfg, cred)
	if ix, ok := openIndex(path, files, keys); ok {
		return config.IndexedProfiles(cfg, cred, profileIndex{ix}), nil
	}
	ps, lay, st, err := config.LoadProfilesLayout(cfg, cred)
	if err != nil || lay == nil {
		return ps, err
	}
	for i := range keys {
		keys[i] = fileKey{}
		if st[i] != nil {
			k, ok := fsutil.StampOf(st[i])
			if !ok {
				return ps, nil
			}
			keys[i] = k
		}
	}
	records := make(map[string][]byte, len(lay.Sections))
	for key, spans := range lay.Sections {
		b := binary.LittleEndian.AppendUint16(nil, uint16(len(spans)))
		for _, sp := range spans {
			cred := byte(0)
			if sp.Credentials {
				cred = 1
			}
			b = append(b, cred)
			b = binary.LittleEndian.AppendUint64(b, uint64(sp.Start))
			b = binary.LittleEndian.AppendUint64(b, uint64(sp.End))
			b = binary.LittleEndian.AppendUint32(b, uint32(sp.Line))
			b = binary.LittleEndian.AppendUint32(b, sp.Sum)
		}
		records[string(key.Kind)+key.Name] = b
	}
	if rows, ok := encodeProfileRows(config.ProfileRows(ps)); ok {
		records[rowsRecord] = rows
	}
	writeIndex(path, files, keys, lay.Names, records)
	return ps, nil
}

// profileIndex is a config.ProfileIndex read from an index file.
type profileIndex struct{ ix *index }

func (p profileIndex) Spans(kind config.SectionKind, name string) ([]config.SectionSpan, bool, error) {
	v, found, err := p.ix.get(string(kind) + name)
	if err != nil || !found {
		return nil, false, err
	}
	r := reader{b: v}
	spans := make([]config.SectionSpan, r.u16())
	for i := range spans {
		cred := r.take(1)
		spans[i] = config.SectionSpan{Credentials: cred != nil && cred[0] == 1, Start: int64(r.u64()), End: int64(r.u64()),
			Line: int(r.u32()), Sum: r.u32()}
	}
	if r.bad || r.off != len(v) || len(spans) == 0 {
		return nil, false, errIndex
	}
	return spans, true, nil
}

func (p profileIndex) Names() ([]string, error) { return p.ix.names() }

func (p profileIndex) Rows() ([]config.ProfileRow, error) {
	v, found, err := p.ix.get(rowsRecord)
	if err != nil || !found {
		return nil, err
	}
	return decodeProfileRows(v)
}

// rowsRecord is the record of the rows list shows (config.AccountRow,
// config.ProfileRow): no account record ("a"NAME) or section record
// (kind NAME) starts with "#". They are what a whole parse gave when the
// index was written, so list reads them without reading the files, as a
// switch reads the names.
const rowsRecord = "#rows"

// encodeAccountRows lays rows out as a count, then each row's strings
// (encodeStrings); ok is false when one is too long for it.
func encodeAccountRows(rows []config.AccountRow) ([]byte, bool) {
	b := binary.LittleEndian.AppendUint32(nil, uint32(len(rows)))
	for _, r := range rows {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(r.Roles)))
		if len(r.Roles) > 0xffff {
			return nil, false
		}
		var ok bool
		if b, ok = encodeStrings(b, append([]string{r.Name, r.AccountID, r.Region}, r.Roles...)); !ok {
			return nil, false
		}
	}
	return b, true
}

func decodeAccountRows(v []byte) ([]config.AccountRow, error) {
	r := rowReader{s: string(v)}
	rows := make([]config.AccountRow, r.u32(len(v)/8))
	for i := range rows {
		nroles := r.u16()
		rows[i] = config.AccountRow{Name: r.str(), AccountID: r.str(), Region: r.str()}
		if nroles > 0 {
			rows[i].Roles = make([]string, nroles)
			for j := range rows[i].Roles {
				rows[i].Roles[j] = r.str()
			}
		}
	}
	if r.bad || r.off != len(r.s) {
		return nil, errIndex
	}
	return rows, nil
}

func encodeProfileRows(rows []config.ProfileRow) ([]byte, bool) {
	b := binary.LittleEndian.AppendUint32(nil, uint32(len(rows)))
	for _, r := range rows {
		var ok bool
		if b, ok = encodeStrings(b, []string{r.Name, r.Kind, r.Region, r.Source}); !ok {
			return nil, false
		}
	}
	return b, true
}

func decodeProfileRows(v []byte) ([]config.ProfileRow, error) {
	r := rowReader{s: string(v)}
	rows := make([]config.ProfileRow, r.u32(len(v)/8))
	for i := range rows {
		rows[i] = config.ProfileRow{Name: r.str(), Kind: r.str(), Region: r.str(), Source: r.str()}
	}
	if r.bad || r.off != len(r.s) {
		return nil, errIndex
	}
	return rows, nil
}

// encodeStrings appends each of ss with a two-byte length; ok is false
// when one is longer than that can say.
func encodeStrings(b []byte, ss []string) ([]byte, bool) {
	for _, s := range ss {
		if len(s) > 0xffff {
			return nil, false
		}
		b = appendStr(b, s)
	}
	return b, true
}

// rowReader decodes rows from one string, which every string decoded
// shares: thousands of rows are one allocation, not one for each string.
type rowReader struct {
	s   string
	off int
	bad bool
}

func (r *rowReader) take(n int) string {
	if r.bad || r.off+n > len(r.s) {
		r.bad = true
		return ""
	}
	v := r.s[r.off : r.off+n]
	r.off += n
	return v
}

func (r *rowReader) u16() int {
	b := r.take(2)
	if r.bad {
		return 0
	}
	return int(b[0]) | int(b[1])<<8
}

// u32 reads a count, which can be no more than max: the rows the bytes
// there are could hold, at eight bytes (four empty strings) the least.
func (r *rowReader) u32(max int) int {
	b := r.take(4)
	if r.bad {
		return 0
	}
	n := int(binary.LittleEndian.Uint32([]byte(b)))
	if n > max {
		r.bad = true
		return 0
	}
	return n
}

func (r *rowReader) str() string { return r.take(r.u16()) }

// keyFileDirMin is the number of entries from which a listing of the
// credential directory is worth an index.
const keyFileDirMin = 256

// keyFileNames lists the names that have both key files in dir
// (config.HasKeys), in the order of their file names, through the index in
// cacheDir: the directory of five thousand accounts' key files is not read
// again while it stays as it was (its ctime changes with every file added,
// removed or renamed in it). stamped says that the names are a function of
// the directory's stamp: no entry is a symlink or anything else os.Stat
// must be asked about.
func keyFileNames(dir, cacheDir string) (names []string, stamped bool) {
	k, ok := statPath(dir) // ok is false where there is no index (Windows)
	ok = ok && k.Exists && fs.FileMode(k.Mode).IsDir()
	path := indexPath(cacheDir, "keys", dir)
	files := []string{dir}
	if ok {
		if ix, found := openIndex(path, files, []fileKey{k}); found {
			names, err := ix.names()
			ix.f.Close()
			if err == nil {
				return names, true
			}
		}
	}
	f, err := os.Open(dir)
	if err != nil {
		return nil, false
	}
	ents, _ := f.ReadDir(-1)
	f.Close()
	const ak, sk = ".access_key", ".secret_key"
	type found struct{ access, secret, other bool }
	byName := map[string]*found{}
	for _, de := range ents {
		n := de.Name()
		var name string
		var isAccess bool
		switch {
		case strings.HasSuffix(n, ak):
			name, isAccess = n[:len(n)-len(ak)], true
		case strings.HasSuffix(n, sk):
			name = n[:len(n)-len(sk)]
		default:
			continue
		}
		fd := byName[name]
		if fd == nil {
			fd = &found{}
			byName[name] = fd
		}
		if isAccess {
			fd.access = true
		} else {
			fd.secret = true
		}
		// A symlink (or anything but a file) is what os.Stat says it is:
		// the listing cannot tell, so it is asked, and not indexed.
		fd.other = fd.other || !de.Type().IsRegular()
	}
	indexable := ok
	for n, fd := range byName {
		if fd.other {
			indexable = false
			if config.HasKeys(dir, n) {
				names = append(names, n)
			}
		} else if fd.access && fd.secret {
			names = append(names, n)
		}
	}
	// As os.ReadDir sorts them: by file name.
	for i, n := range names {
		names[i] = n + ak
	}
	sort.Strings(names)
	for i, n := range names {
		names[i] = n[:len(n)-len(ak)]
	}
	if indexable && len(ents) >= keyFileDirMin {
		writeIndex(path, files, []fileKey{k}, names, nil)
	}
	return names, indexable
}

// Names are AccountNames then ProfileNames, with ProfileNames's error:
// every name a switch takes, which completion offers on every TAB. With
// thousands of them they come from one index of the four inputs (the
// accounts file, the key files' directory, the config and credentials
// files), kept while none of them changes, and written only when all four
// are as their stamps say.
func (e *Env) Names() ([]string, error) {
	cfg, cred := e.ProfileFiles()
	files := []string{e.Paths.Accounts, e.Paths.CredDir, cfg, cred}
	keys := make([]fileKey, len(files))
	indexable := true
	for i, f := range files {
		k, ok := statPath(f)
		kind := fs.FileMode(k.Mode)
		indexable = indexable && ok && (!k.Exists || i == 1 && kind.IsDir() || i != 1 && kind.IsRegular())
		keys[i] = k
	}
	path := indexPath(e.Paths.CacheDir, "names", files...)
	// The accounts were read when the Env was made: an index may record
	// them only under the stamp they were read under, or a change since
	// would be recorded with the names from before it.
	indexable = indexable && e.accountsStamped && keys[0] == e.accountsStamp
	if indexable {
		if ix, ok := openIndex(path, files, keys); ok {
			names, err := ix.names()
			ix.f.Close()
			if err == nil {
				return names, nil
			}
		}
	}
	accounts := e.Accounts.Names()
	taken := make(map[string]bool, len(accounts))
	for _, n := range accounts {
		taken[n] = true
	}
	keyOnly, stamped := e.keyOnly(taken)
	names := append(accounts, keyOnly...)
	profiles, err := e.profilesNotIn(taken)
	if err != nil {
		return names, err
	}
	names = append(names, profiles...)
	indexable = indexable && e.profilesStamped && keys[2] == e.profileStamps[0] && keys[3] == e.profileStamps[1]
	if indexable && stamped && len(names) >= namesIndexMin {
		writeIndex(path, files, keys, names, nil)
	}
	return names, nil
}

// namesIndexMin is the number of names from which Names keeps an index.
const namesIndexMin = 256
