package config

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"strings"
	"syscall"
)

// AccountSpan is where one entry of an accounts file is: the bytes of its
// "NAME": VALUE as offsets into the file, and their CRC-32 (IEEE).
type AccountSpan struct {
	Name       string
	Start, End int64
	Sum        uint32
}

// AccountIndex is what an earlier parse of an accounts file found when
// the whole file was valid, kept by the caller across runs (see package
// index). It must describe the file as it is now; IndexedAccounts checks
// every entry it reads against its span all the same.
type AccountIndex interface {
	// Span finds an entry: found is false for a name the file does not
	// have; an error is an index that cannot be read.
	Span(name string) (sp AccountSpan, found bool, err error)
	Names() ([]string, error) // in file order
	// Rows are the rows of every entry, in file order (AccountRows of a
	// whole parse); nil rows when the index holds none.
	Rows() ([]AccountRow, error)
}

// maxLazyEntries is how many entries IndexedAccounts (and IndexedProfiles)
// read one at a time before reading the whole file instead: a switch needs
// one or two, list needs all of them.
const maxLazyEntries = 8

// lazyAccounts reads entries of an indexed accounts file as they are asked
// for.
type lazyAccounts struct {
	ix   AccountIndex
	read map[string]*Account // entries read so far; nil for a name that is none
}

// IndexedAccounts are the accounts of the file at path as ix describes it:
// an entry is read from the file and validated when it is first asked
// for; the whole file is read only by All, or once more than a few entries
// were asked for one at a time. An entry that no longer matches its span
// (the file changed under the index) makes it read the whole file too, so
// the answer is always that of LoadAccounts.
func IndexedAccounts(path string, ix AccountIndex) *Accounts {
	return &Accounts{Path: path, lazy: &lazyAccounts{ix: ix, read: map[string]*Account{}}}
}

// LoadAccountsSpans is LoadAccounts that also says where each entry is in
// the file, and what fstat said of the file it read; both are nil when
// there was no file, and spans are nil when they cannot be told (the file
// grew while it was read).
func LoadAccountsSpans(path string, optional bool) (*Accounts, []AccountSpan, fs.FileInfo, error) {
	data, st, err := readFile("accounts file", path, maxAccountsFile, accountsHint)
	if err != nil {
		return loadAccountsError(path, optional, err)
	}
	body := bytes.TrimPrefix(data, []byte(bom)) // as ParseAccounts does
	list, members, err := parseAccounts(body)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("malformed accounts file %s: %w", path, err)
	}
	var spans []AccountSpan
	// ReadTextInfo drops a byte order mark too: offsets in the file are
	// past what both dropped.
	dropped := int64(len(data) - len(body))
	if base := st.Size() - int64(len(body)); members != nil && (base == dropped || base == dropped+int64(len(bom))) {
		spans = make([]AccountSpan, len(list))
		for i, m := range members {
			b := body[m.keyStart:m.valEnd]
			spans[i] = AccountSpan{Name: list[i].Name, Start: base + int64(m.keyStart), End: base + int64(m.valEnd), Sum: crc32.ChecksumIEEE(b)}
		}
	}
	return &Accounts{Path: path, list: list}, spans, st, nil
}

// entry reads one entry through the index. ok is false when the index
// cannot answer (the entry does not match its span, too many were read
// one at a time): the caller then reads the whole file.
func (l *lazyAccounts) entry(path, name string) (acc *Account, ok bool) {
	if acc, done := l.read[name]; done {
		return acc, true
	}
	if len(l.read) >= maxLazyEntries {
		return nil, false
	}
	sp, found, err := l.ix.Span(name)
	if err != nil {
		return nil, false
	}
	if !found {
		l.read[name] = nil
		return nil, true
	}
	b, err := readRange(path, sp.Start, sp.End)
	if err != nil || crc32.ChecksumIEEE(b) != sp.Sum || sp.Name != name {
		return nil, false
	}
	// b is "NAME": VALUE, cut from a valid file.
	if len(b) < 2 || b[0] != '"' {
		return nil, false
	}
	k := skipString(b, 0)
	i := skipSpace(b, k)
	if unquoteKey(b[:k]) != name || i >= len(b) || b[i] != ':' {
		return nil, false
	}
	acc, err = parseEntry(name, bytes.TrimSpace(b[i+1:]), true)
	if err != nil {
		return nil, false // it was valid when indexed: the file changed
	}
	l.read[name] = acc
	return acc, true
}

// readRange reads bytes [start, end) of the file at path. It never blocks
// on a FIFO put in the file's place: it opens without waiting, and a pipe
// has no offsets to read at.
func readRange(path string, start, end int64) ([]byte, error) {
	if start < 0 || end < start || end-start > maxProfileFile {
		return nil, errors.New("bad range")
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, end-start)
	if _, err := f.ReadAt(b, start); err != nil {
		return nil, err
	}
	return b, nil
}

// loadAll reads the whole file, leaving the index behind; a file that
// fails to load now leaves no accounts and the error for Entry.
func (a *Accounts) loadAll() {
	a.lazy = nil
	full, err := LoadAccounts(a.Path, false)
	if err != nil {
		a.err = err
		return
	}
	a.list = full.list
}

// Entry returns the named account, nil when there is none, or the error
// that reading it met: only an indexed file (IndexedAccounts) that no
// longer loads has one.
func (a *Accounts) Entry(name string) (*Account, error) {
	if a.lazy != nil {
		if acc, ok := a.lazy.entry(a.Path, name); ok {
			return acc, nil
		}
		a.loadAll()
	}
	if a.err != nil {
		return nil, a.err
	}
	if len(a.list) > 16 {
		if a.byName == nil {
			a.byName = make(map[string]*Account, len(a.list))
			for _, acc := range a.list {
				a.byName[acc.Name] = acc
			}
		}
		return a.byName[name], nil
	}
	for _, acc := range a.list {
		if acc.Name == name {
			return acc, nil
		}
	}
	return nil, nil
}

// validRoleARN is what a role of the accounts file must look like.
func validRoleARN(arn string) bool {
	return strings.HasPrefix(arn, "arn:") && strings.Contains(arn, ":role/")
}
