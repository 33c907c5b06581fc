package resolve

import (
	"encoding/binary"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/awsenv/awsenv/internal/config"
)

// This file puts the three inputs a switch or a completion reads through
// the index of index.go: the accounts file, ~/.aws/config with
// ~/.aws/credentials, and the names of the key files.

// loadAccounts is config.LoadAccounts of the accounts file p names, through
// the index in p.CacheDir: a large file whose index is current is not read
// until an entry is asked for, and then only that entry.
func loadAccounts(p config.Paths) (*config.Accounts, error) {
	optional := !p.AccountsExplicit
	k, ok := statPath(p.Accounts)
	if !ok || !fs.FileMode(k.mode).IsRegular() || k.size < indexMinSize {
		return config.LoadAccounts(p.Accounts, optional)
	}
	path := indexPath(p.CacheDir, "accounts", p.Accounts)
	files := []string{p.Accounts}
	if ix, ok := openIndex(path, files, []fileKey{k}); ok {
		return config.IndexedAccounts(p.Accounts, accountIndex{ix}), nil
	}
	accs, spans, st, err := config.LoadAccountsSpans(p.Accounts, optional)
	if err != nil || spans == nil {
		return accs, err
	}
	if k, ok := keyOf(st); ok {
		names := make([]string, len(spans))
		records := make(map[string][]byte, len(spans))
		for i, sp := range spans {
			names[i] = sp.Name
			b := binary.LittleEndian.AppendUint64(nil, uint64(sp.Start))
			b = binary.LittleEndian.AppendUint64(b, uint64(sp.End))
			records["a"+sp.Name] = binary.LittleEndian.AppendUint32(b, sp.Sum)
		}
		writeIndex(path, files, []fileKey{k}, names, records)
	}
	return accs, nil
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
		if !ok || k.exists && !fs.FileMode(k.mode).IsRegular() {
			return config.LoadProfiles(cfg, cred)
		}
		keys[i], size = k, size+k.size
	}
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
			k, ok := keyOf(st[i])
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

// keyFileDirMin is the number of entries from which a listing of the
// credential directory is worth an index.
const keyFileDirMin = 256

// keyFileNames lists the names that have both key files in dir
// (config.HasKeys), in the order of their file names, through the index in
// cacheDir: the directory of five thousand accounts' key files is not read
// again while it stays as it was (its ctime changes with every file added,
// removed or renamed in it).
func keyFileNames(dir, cacheDir string) []string {
	k, ok := statPath(dir) // ok is false where there is no index (Windows)
	ok = ok && k.exists && fs.FileMode(k.mode).IsDir()
	path := indexPath(cacheDir, "keys", dir)
	files := []string{dir}
	if ok {
		if ix, found := openIndex(path, files, []fileKey{k}); found {
			names, err := ix.names()
			ix.f.Close()
			if err == nil {
				return names
			}
		}
	}
	f, err := os.Open(dir)
	if err != nil {
		return nil
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
	var names []string
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
	return names
}
