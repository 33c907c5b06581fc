package config

import (
	"bytes"
	"fmt"
	"strings"
)

// This file is the INI dialect of ~/.aws/config and ~/.aws/credentials,
// as the AWS SDKs read it. The rules follow the SDKs' shared parser test
// suite (the one the Java, Rust and Kotlin SDKs run), with botocore (the
// AWS CLI) and the Go SDK as tie-breakers where that suite refuses what the
// AWS CLI accepts; the comments say which rule comes from where.

// maxLine is the longest line accepted; the SDKs have no such limit, but a
// megabyte line is a mistake, not a setting.
const maxLine = 1 << 20

// SyntaxError is a line of a config or credentials file that the SDKs
// refuse. It fails the whole file, as it does in the AWS CLI (botocore) and
// the SDKs that follow the shared parser tests.
type SyntaxError struct {
	File string
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s line %d: %s: fix or remove the line", e.File, e.Line, e.Msg)
}

type sectionKind int

const (
	profileSection sectionKind = iota
	ssoSessionSection
	servicesSection
)

// section is one [header] of a file, with the sections of the same name in
// that file merged into it (later settings win).
type section struct {
	kind sectionKind
	name string
	// plainDefault is [default] in the config file, which [profile
	// default] overrides.
	plainDefault bool
	file         string
	line         int
	props        map[string]*prop
	// blocks are where the section is: each of its headers and the lines
	// up to the next header, as offsets into the text parsed.
	blocks []block
}

// block is one header of a section and the lines under it.
type block struct {
	start, end int
	line       int // of the header
}

// prop is one setting: a value, or, when "key =" is followed by indented
// "name = value" lines, sub-properties (s3 = ..., the sts = block of a
// [services] section).
type prop struct {
	value string
	sub   map[string]string
	file  string
	line  int
	// subBlock is true while the value is empty and indented lines are
	// therefore sub-properties, not a continuation.
	subBlock bool
	// more are the continuation lines, joined to value at the end (adding
	// each to value would copy it again and again).
	more []string
}

// iniFile is a parsed file: its sections in order of first appearance,
// and notes on what it ignored, as the SDKs do.
type iniFile struct {
	sections []*section
	warnings []string
}

// parseINI parses data (the content of path). configFile says which of
// the two files it is: in the config file a profile is [profile NAME] or
// [default], and [sso-session NAME] and [services NAME] are sections of
// their own; in the credentials file every [NAME] is a profile.
func parseINI(path string, data []byte, configFile bool) (*iniFile, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // fsutil.ReadText drops it too; this is for other callers
	return parseINIText(path, loneCR(data), configFile, 1)
}

// loneCR is data with every CR that no LF follows made an LF: botocore
// reads a CR-only file (old Mac line ends) as lines, so awsenv does too.
// The length stays, so offsets into the text are offsets into the file.
func loneCR(data []byte) string {
	if bytes.IndexByte(data, '\r') < 0 {
		return string(data)
	}
	b := []byte(string(data))
	for i, c := range b {
		if c == '\r' && (i+1 == len(b) || b[i+1] != '\n') {
			b[i] = '\n'
		}
	}
	return string(b)
}

// parseINIText is parseINI of text, whose first line is line firstLine of
// path (a block read on its own). Keys and values are substrings of text:
// one copy of the file, not one per line.
func parseINIText(path, text string, configFile bool, firstLine int) (*iniFile, error) {
	f := &iniFile{}
	type sectionKey struct {
		kind         sectionKind
		plainDefault bool
		name         string
	}
	byKey := map[sectionKey]*section{}
	var cur *section  // nil before the first header
	var last *prop    // the setting indented lines continue, nil after a header
	ignored := false  // inside a section the SDKs ignore
	var open *section // the section whose last block goes on
	var slab []prop   // settings are allocated in groups
	n := firstLine - 1
	for pos := 0; pos < len(text); {
		n++
		start := pos
		var line string
		if i := strings.IndexByte(text[pos:], '\n'); i >= 0 {
			line, pos = text[pos:pos+i], pos+i+1
		} else {
			line, pos = text[pos:], len(text)
		}
		if len(line) > maxLine {
			return nil, &SyntaxError{path, n, "the line is longer than 1 MiB"}
		}
		line = strings.TrimSuffix(line, "\r")
		trimmed := strings.TrimSpace(line)
		// Blank lines and full-line comments, indented or not (Go SDK,
		// botocore), are skipped; they end neither a sub-property block
		// nor a continued value (shared tests).
		if trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';' {
			continue
		}
		indented := line[0] == ' ' || line[0] == '\t'
		switch {
		case indented && last != nil:
			if err := continueProp(last, trimmed); err != nil {
				return nil, &SyntaxError{path, n, err.Error()}
			}
			continue
		case trimmed[0] == '[':
			sec, why, err := header(trimmed, configFile)
			if err != nil {
				return nil, &SyntaxError{path, n, err.Error()}
			}
			last = nil
			if open != nil {
				open.blocks[len(open.blocks)-1].end = start
				open = nil
			}
			if sec == nil {
				ignored = true
				f.warnings = append(f.warnings, fmt.Sprintf("%s line %d: section %q ignored: %s", path, n, headerText(trimmed), why))
				cur = &section{props: map[string]*prop{}} // syntax is still checked
				continue
			}
			ignored = false
			key := sectionKey{sec.kind, sec.plainDefault, sec.name}
			if old := byKey[key]; old != nil {
				cur = old // a section repeated in one file is merged (shared tests)
				old.blocks = append(old.blocks, block{start: start, line: n})
				open = old
				continue
			}
			sec.file, sec.line, sec.props = path, n, map[string]*prop{}
			sec.blocks = []block{{start: start, line: n}}
			open = sec
			byKey[key] = sec
			f.sections = append(f.sections, sec)
			cur = sec
			continue
		case cur == nil:
			return nil, &SyntaxError{path, n, "a setting before the first [section] header"}
		}
		// A setting. An indented one right after a header is a setting too,
		// comment and all (Go SDK, botocore); the shared tests call it a
		// continuation of nothing, an error.
		k, v, ok := splitSetting(trimInlineComment(trimmed))
		if !ok {
			if indented {
				return nil, &SyntaxError{path, n, "an indented line that continues no setting (expected key = value)"}
			}
			return nil, &SyntaxError{path, n, "expected key = value"}
		}
		if k == "" {
			return nil, &SyntaxError{path, n, "a setting without a name (expected key = value)"}
		}
		k = strings.ToLower(k)
		if len(slab) == cap(slab) {
			slab = make([]prop, 0, 32)
		}
		slab = append(slab, prop{value: v, file: path, line: n, subBlock: v == ""})
		p := &slab[len(slab)-1]
		last = p
		if !validName(k) {
			if !ignored {
				f.warnings = append(f.warnings, fmt.Sprintf("%s line %d: setting %q ignored: %s", path, n, k, badName))
			}
			continue
		}
		cur.props[k] = p // the last one wins (shared tests, Go SDK)
	}
	if open != nil {
		open.blocks[len(open.blocks)-1].end = len(text)
	}
	for _, sec := range f.sections {
		for _, p := range sec.props {
			if p.more != nil {
				p.value += "\n" + strings.Join(p.more, "\n")
				p.more = nil
			}
		}
	}
	return f, nil
}

// continueProp adds an indented line to the setting above it: a
// sub-property when the setting's value was empty ("s3 =" then
// "  max_concurrent_requests = 10"), else one more line of its value.
// Comments are not cut from either (shared tests, Go SDK, botocore).
func continueProp(p *prop, trimmed string) error {
	if !p.subBlock {
		p.more = append(p.more, trimmed)
		return nil
	}
	k, v, ok := splitSetting(trimmed)
	if !ok {
		return fmt.Errorf("expected name = value (a sub-property of the setting on line %d)", p.line)
	}
	if k == "" {
		return fmt.Errorf("a sub-property without a name (expected name = value)")
	}
	if p.sub == nil {
		p.sub = map[string]string{}
	}
	p.sub[strings.ToLower(k)] = v
	return nil
}

// header parses a [section] line. It returns nil, and why, for a section
// the SDKs ignore; an error for a line they refuse.
func header(line string, configFile bool) (*section, string, error) {
	line = headerText(line)
	if !strings.HasSuffix(line, "]") {
		return nil, "", fmt.Errorf("section header without ]")
	}
	inner := strings.TrimSpace(line[1 : len(line)-1])
	sec := &section{kind: profileSection}
	if !configFile {
		// The credentials file has no prefixes. [profile x] there is no
		// profile: the Go SDK and the shared tests drop it (botocore makes
		// a profile named "profile x", which no SDK can select by the name
		// the user meant).
		if typ, _ := splitHeader(inner); typ == "profile" {
			return nil, "in the credentials file a profile is [NAME], without \"profile \"", nil
		}
		sec.name = unquote(inner)
	} else {
		typ, name := splitHeader(inner)
		switch {
		case typ == "" && inner == "default":
			sec.name, sec.plainDefault = "default", true
		case typ == "profile":
			sec.name = unquote(name)
		case typ == "sso-session":
			sec.kind, sec.name = ssoSessionSection, unquote(name)
		case typ == "services":
			sec.kind, sec.name = servicesSection, unquote(name)
		default:
			return nil, "in the config file a profile is [profile NAME] (or [default])", nil
		}
	}
	if !validName(sec.name) {
		return nil, badName, nil
	}
	return sec, "", nil
}

// headerText is a header line without its comment, which may follow the
// ] directly (shared tests); no name holds # or ;.
func headerText(line string) string {
	if i := strings.IndexAny(line, "#;"); i >= 0 {
		line = strings.TrimRight(line[:i], " \t")
	}
	return line
}

// splitHeader splits "profile  foo" into "profile" and "foo"; a header
// without a space or tab has no type.
func splitHeader(s string) (typ, name string) {
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return "", s
	}
	return s[:i], strings.TrimLeft(s[i:], " \t")
}

// unquote drops one pair of quotes around a section name, as botocore's
// shlex split does ([profile "foo"] is foo).
func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// trimInlineComment cuts a comment that follows a value after a space or
// tab; a # or ; right after other text is part of the value
// ("value;x" stays). Shared tests and the Go SDK; botocore keeps every
// inline comment in the value.
func trimInlineComment(s string) string {
	for i := 1; i < len(s); i++ {
		if (s[i] == '#' || s[i] == ';') && (s[i-1] == ' ' || s[i-1] == '\t') {
			return strings.TrimRight(s[:i], " \t")
		}
	}
	return s
}

// splitSetting splits "key = value" at the first = or, when it comes
// first, : (botocore and the Go SDK accept "key: value"; the shared tests
// do not). Both halves are trimmed.
func splitSetting(s string) (key, value string, ok bool) {
	i := strings.IndexAny(s, "=:")
	if i < 0 {
		return "", "", false
	}
	return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:]), true
}

const badName = "a name holds only letters, digits and - / . % @ _ : +"

// validName reports whether s can name a profile, a section or a setting:
// letters, digits and - / . % @ _ : + (shared tests).
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') && strings.IndexByte("-/.%@_:+", c) < 0 {
			return false
		}
	}
	return true
}
