package config

import (
	"hash/crc32"
	"io/fs"
)

// SectionKind says what a SectionSpan belongs to.
type SectionKind byte

// The kinds of sections an index keeps.
const (
	SpanProfile    SectionKind = 'p' // a profile, from either file
	SpanSSOSession SectionKind = 's' // an [sso-session NAME] section
	SpanServices   SectionKind = 'v' // a [services NAME] section
)

// SectionKey names a profile or section of a ProfileLayout.
type SectionKey struct {
	Kind SectionKind
	Name string
}

// SectionSpan is one block of a section: its header line and the lines up
// to the next header, as offsets into its file, with their CRC-32 (IEEE).
type SectionSpan struct {
	Credentials bool // in the credentials file, else in the config file
	Start, End  int64
	Line        int // of the header
	Sum         uint32
}

// ProfileLayout is where a parse of the config and credentials files
// found each profile and section when both files were valid: for a
// profile, the blocks of every section merged into it, in the order they
// are merged.
type ProfileLayout struct {
	Names    []string // the profiles, in the order of Profiles.Names
	Sections map[SectionKey][]SectionSpan

	raw [2][]byte // what the offsets are into, while they are made
}

// ProfileIndex is what an earlier parse found (a ProfileLayout), kept by
// the caller across runs (see package index). It must describe the files
// as they are now; IndexedProfiles checks every block it reads all the same.
type ProfileIndex interface {
	Names() ([]string, error)
	// Spans finds a profile or section: found is false for a name the
	// files do not have; an error is an index that cannot be read.
	Spans(kind SectionKind, name string) (spans []SectionSpan, found bool, err error)
	// Rows are ProfileRows of a whole parse; nil when the index holds
	// none.
	Rows() ([]ProfileRow, error)
}

func (l *ProfileLayout) add(kind SectionKind, s *section, file int) {
	if l == nil {
		return
	}
	if l.Sections == nil {
		l.Sections = map[SectionKey][]SectionSpan{}
	}
	key := SectionKey{kind, s.name}
	for _, b := range s.blocks {
		l.Sections[key] = append(l.Sections[key], SectionSpan{Credentials: file == 1, Start: int64(b.start), End: int64(b.end),
			Line: b.line, Sum: crc32.ChecksumIEEE(l.raw[file][b.start:b.end])})
	}
}

// set is add for a section that replaces one of the same name (as
// [sso-session] and [services] sections do), rather than merging.
func (l *ProfileLayout) set(kind SectionKind, s *section, file int) {
	if l != nil {
		delete(l.Sections, SectionKey{kind, s.name})
		l.add(kind, s, file)
	}
}

// LoadProfilesLayout is LoadProfiles that also says where each profile and
// section is, and what fstat said of each file (nil for a missing one). The
// layout is nil when it cannot be told (a file grew while it was read).
func LoadProfilesLayout(configFile, credentialsFile string) (*Profiles, *ProfileLayout, [2]fs.FileInfo, error) {
	data, st, err := readProfileFiles(configFile, credentialsFile)
	if err != nil {
		return nil, nil, st, err
	}
	ps, lay, err := parseProfilesLayout(configFile, data[0], credentialsFile, data[1], true)
	if err != nil {
		return nil, nil, st, err
	}
	// Offsets are into the text parsed, which is the file without the
	// byte order marks ReadTextInfo and parseProfilesLayout dropped.
	var base [2]int64
	for i := range data {
		if st[i] == nil {
			continue
		}
		dropped := int64(len(data[i]) - len(lay.raw[i]))
		base[i] = st[i].Size() - int64(len(lay.raw[i]))
		if base[i] != dropped && base[i] != dropped+int64(len(bom)) {
			return ps, nil, st, nil
		}
	}
	for _, spans := range lay.Sections {
		for j := range spans {
			b := base[0]
			if spans[j].Credentials {
				b = base[1]
			}
			spans[j].Start += b
			spans[j].End += b
		}
	}
	lay.raw = [2][]byte{}
	return ps, lay, st, nil
}

// lazyProfiles reads the profiles and sections of indexed files as they
// are asked for.
type lazyProfiles struct {
	files  [2]string
	ix     ProfileIndex
	absent map[SectionKey]bool // asked for, and not in the files
	reads  int
	// interpreting is set while a profile read through the index is
	// checked: a section it links to that cannot be read sets failed,
	// and the whole files are read once the check is over.
	interpreting, failed bool
}

// IndexedProfiles are the profiles of the two files as ix describes them:
// a profile, [sso-session] or [services] section is read from the files
// and checked when it is first asked for; the whole files are read only
// for Warnings, or once more than a few were asked for one at a time
// (list). A block that no longer matches its span (a file changed under
// the index) makes it read the whole files too, so the answers are those
// of LoadProfiles.
func IndexedProfiles(configFile, credentialsFile string, ix ProfileIndex) *Profiles {
	return &Profiles{configFile: configFile, byName: map[string]*Profile{},
		lazy: &lazyProfiles{files: [2]string{configFile, credentialsFile}, ix: ix, absent: map[SectionKey]bool{}}}
}

// answer is how every accessor of Profiles answers: from the index while
// the files are read through one (IndexedProfiles) and it can (indexed's
// ok), else from the whole files, which the first question the index
// cannot answer reads (whole). A nil *Profiles has nothing.
func answer[T any](ps *Profiles, indexed func() (T, bool), whole func() T) T {
	if ps == nil {
		var none T
		return none
	}
	if ps.lazy != nil {
		if v, ok := indexed(); ok {
			return v
		}
		ps.loadAll()
	}
	return whole()
}

// loadAll reads the whole files, leaving the index behind. Files that
// fail to load now (they changed since the index was checked) leave no
// profiles.
func (ps *Profiles) loadAll() {
	l := ps.lazy
	full, err := LoadProfiles(l.files[0], l.files[1])
	if err != nil {
		*ps = Profiles{configFile: ps.configFile, byName: map[string]*Profile{}}
		return
	}
	*ps = *full
}

// sections reads the blocks of a section through the index and merges
// them, as parseINI merges a section repeated in a file. ok is false when
// the index cannot answer; a nil section with ok is none by that name.
func (ps *Profiles) sections(kind SectionKind, name string) (*section, bool) {
	l := ps.lazy
	key := SectionKey{kind, name}
	if l.absent[key] {
		return nil, true
	}
	if l.reads >= maxLazyEntries {
		return nil, false
	}
	l.reads++
	spans, found, err := l.ix.Spans(kind, name)
	if err != nil {
		return nil, false
	}
	if !found {
		l.absent[key] = true
		return nil, true
	}
	want := map[SectionKind]sectionKind{SpanProfile: profileSection, SpanSSOSession: ssoSessionSection, SpanServices: servicesSection}[kind]
	var merged *section
	for _, sp := range spans {
		i := 0
		if sp.Credentials {
			i = 1
		}
		b, err := readRange(l.files[i], sp.Start, sp.End)
		if err != nil || crc32.ChecksumIEEE(b) != sp.Sum {
			return nil, false
		}
		f, err := parseINIText(l.files[i], loneCR(b), i == 0, sp.Line)
		if err != nil || len(f.sections) != 1 || f.sections[0].kind != want || f.sections[0].name != name {
			return nil, false
		}
		if s := f.sections[0]; merged == nil {
			merged = s
		} else {
			for k, v := range s.props {
				merged.props[k] = v
			}
		}
	}
	return merged, merged != nil
}

// lazyProfile is Get through the index; ok is false when the index cannot
// answer.
func (ps *Profiles) lazyProfile(name string) (*Profile, bool) {
	if p, done := ps.byName[name]; done {
		return p, true
	}
	s, ok := ps.sections(SpanProfile, name)
	if !ok || s == nil {
		return nil, ok
	}
	p := &Profile{Name: name, File: s.file, Line: s.line, props: s.props}
	l := ps.lazy
	l.interpreting = true
	ps.interpret(p)
	l.interpreting = false
	if l.failed {
		return nil, false
	}
	ps.byName[name] = p
	return p, true
}

// lazySSOSession is SSOSession through the index.
func (ps *Profiles) lazySSOSession(name string) (*SSOSession, bool) {
	if ss, done := ps.ssoSessions[name]; done {
		return ss, true
	}
	s, ok := ps.sections(SpanSSOSession, name)
	if !ok {
		ps.lazy.failed = ps.lazy.interpreting
		return nil, ps.lazy.interpreting // while interpreting, answer now and fail later
	}
	if s == nil {
		return nil, true
	}
	ps.addSSOSession(s)
	return ps.ssoSessions[name], true
}

// lazyServices is servicesSection through the index.
func (ps *Profiles) lazyServices(name string) (*section, bool) {
	if sec, done := ps.services[name]; done {
		return sec, true
	}
	s, ok := ps.sections(SpanServices, name)
	if !ok {
		ps.lazy.failed = ps.lazy.interpreting
		return nil, ps.lazy.interpreting
	}
	if s == nil {
		return nil, true
	}
	if ps.services == nil {
		ps.services = map[string]*section{}
	}
	ps.services[name] = s
	return s, true
}
