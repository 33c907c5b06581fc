package index

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

// Accounts is config.LoadAccounts of the accounts file at path, through the
// index: a large file whose index is current is not read until an entry is
// asked for, and then only that entry. x remembers what the file was before
// any of it was read: Names may record names only under that stamp.
func (x *Index) Accounts(path string, optional bool) (*config.Accounts, error) {
	if x == nil {
		return config.LoadAccounts(path, optional)
	}
	k, ok := statPath(path)
	x.accountsStamp, x.accountsStamped = k, ok
	if !ok || !fs.FileMode(k.Mode).IsRegular() || k.Size < indexMinSize {
		return config.LoadAccounts(path, optional)
	}
	ixPath := x.path("accounts", path)
	files := []string{path}
	if ix, ok := x.open(ixPath, files, []fileKey{k}); ok {
		return config.IndexedAccounts(path, accountIndex{ix}), nil
	}
	accs, spans, st, err := config.LoadAccountsSpans(path, optional)
	if err != nil || spans == nil {
		return accs, err
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
		x.write(ixPath, files, []fileKey{k}, names, records)
	}
	return accs, nil
}

// accountIndex is a config.AccountIndex read from an index file.
type accountIndex struct{ ix *openFile }

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

// Profiles is config.LoadProfiles of the config and credentials files,
// through the index: profiles and sections of large files whose index is
// current are read as they are asked for. x remembers what the files were
// before they were read, for Names.
func (x *Index) Profiles(cfg, cred string) (*config.Profiles, error) {
	if x == nil {
		return config.LoadProfiles(cfg, cred)
	}
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
	x.profileStamps, x.profilesStamped = [2]fileKey{keys[0], keys[1]}, true
	if size < indexMinSize {
		return config.LoadProfiles(cfg, cred)
	}
	path := x.path("profiles", cfg, cred)
	if ix, ok := x.open(path, files, keys); ok {
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
	x.write(path, files, keys, lay.Names, records)
	return ps, nil
}

// profileIndex is a config.ProfileIndex read from an index file.
type profileIndex struct{ ix *openFile }

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

// keyFileDirMin is the number of entries from which a listing of the
// credential directory is worth an index.
const keyFileDirMin = 256

// KeyFileNames lists the names that have both key files in dir
// (config.HasKeys), in the order of their file names, through the index:
// the directory of five thousand accounts' key files is not read
// again while it stays as it was (its ctime changes with every file added,
// removed or renamed in it). stamped says that the names are a function of
// the directory's stamp: no entry is a symlink or anything else os.Stat
// must be asked about.
func (x *Index) KeyFileNames(dir string) (names []string, stamped bool) {
	k, ok := statPath(dir) // ok is false where there is no index (Windows)
	ok = ok && x != nil && k.Exists && fs.FileMode(k.Mode).IsDir()
	files := []string{dir}
	var path string
	if ok {
		path = x.path("keys", dir)
		if ix, found := x.open(path, files, []fileKey{k}); found {
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
		x.write(path, files, []fileKey{k}, names, nil)
	}
	return names, indexable
}

// Names is list, every name a switch takes (resolve's AccountNames then
// ProfileNames), which completion asks for on every TAB. With thousands of
// them they come from one index of the four input files: the accounts
// file, the key files' directory, the config and credentials files. It is
// kept while none of them changes, and written only when all four are as
// their stamps say: the accounts and profile files as x found them before
// it read them (Accounts, Profiles), and the key files' directory as list
// says its listing was (stamped, see KeyFileNames). list's error is
// returned with its names, and nothing is written then.
func (x *Index) Names(files [4]string, list func() (names []string, stamped bool, err error)) ([]string, error) {
	if x == nil {
		names, _, err := list()
		return names, err
	}
	keys := make([]fileKey, len(files))
	indexable := true
	for i, f := range files {
		k, ok := statPath(f)
		kind := fs.FileMode(k.Mode)
		indexable = indexable && ok && (!k.Exists || i == 1 && kind.IsDir() || i != 1 && kind.IsRegular())
		keys[i] = k
	}
	path := x.path("names", files[:]...)
	// The accounts were read before: an index may record them only under
	// the stamp they were read under, or a change since would be recorded
	// with the names from before it.
	indexable = indexable && x.accountsStamped && keys[0] == x.accountsStamp
	if indexable {
		if ix, ok := x.open(path, files[:], keys); ok {
			names, err := ix.names()
			ix.f.Close()
			if err == nil {
				return names, nil
			}
		}
	}
	names, stamped, err := list()
	if err != nil {
		return names, err
	}
	indexable = indexable && x.profilesStamped && keys[2] == x.profileStamps[0] && keys[3] == x.profileStamps[1]
	if indexable && stamped && len(names) >= namesIndexMin {
		x.write(path, files[:], keys, names, nil)
	}
	return names, nil
}

// namesIndexMin is the number of names from which Names keeps an index.
const namesIndexMin = 256
