package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/awsenv/awsenv/internal/fsutil"
)

// GeneratedProfile is a profile awsenv writes into ~/.aws/config (sso
// populate): its name and its settings in order.
type GeneratedProfile struct {
	Name     string
	Settings [][2]string
}

// check refuses a profile whose lines would not read back as written: a
// name or key outside the names the SDKs read, a value with a line break
// or control character (which would add lines, sections and settings of
// its own), or one the reader would trim.
func (p GeneratedProfile) check() error {
	if !validName(p.Name) {
		return fmt.Errorf("profile name %+q: %s", p.Name, badName)
	}
	for _, kv := range p.Settings {
		if !validName(kv[0]) {
			return fmt.Errorf("profile %s: setting name %+q: %s", p.Name, kv[0], badName)
		}
		if err := checkValue(kv[1]); err != nil {
			return fmt.Errorf("profile %s: %s = %+q: %w", p.Name, kv[0], kv[1], err)
		}
	}
	return nil
}

// checkValue refuses a value that cannot be written on one line of a
// config, credentials or key file and read back the same: a line break or
// any other control character (C0, DEL, C1, the Unicode line and
// paragraph separators), invalid UTF-8, space around it, or a " #" or
// " ;" that a reader would take for a comment.
func checkValue(v string) error {
	if !utf8.ValidString(v) {
		return errors.New("the value is not UTF-8")
	}
	for _, r := range v {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return errors.New("the value has a line break or control character")
		}
	}
	if strings.TrimSpace(v) != v {
		return errors.New("the value has space around it")
	}
	if trimInlineComment(v) != v {
		return errors.New("the value has a \" #\" or \" ;\" that readers take for a comment")
	}
	return nil
}

// GeneratedResult says what WriteGenerated did.
type GeneratedResult struct {
	Written, Kept, Removed int
	Skipped                []string // names a profile outside the block already has
}

// WriteGenerated writes profiles into the config file at path, inside a
// block of its own between two marker comments named by id, so that a
// second run replaces only that block: every other byte of the file stays
// as it was. Profiles the block had that are not in profiles are kept,
// unless prune. A name that a profile outside the block already uses is
// skipped. The file is replaced atomically under a lock.
func WriteGenerated(ctx context.Context, path, id string, profiles []GeneratedProfile, prune bool) (GeneratedResult, error) {
	var res GeneratedResult
	if err := checkValue(id); err != nil {
		return res, fmt.Errorf("refusing to write into %s, nothing written: block name %+q: %w", path, id, err)
	}
	for _, p := range profiles {
		if err := p.check(); err != nil {
			return res, fmt.Errorf("refusing to write into %s, nothing written: %w", path, err)
		}
	}
	begin := "# awsenv " + id + ": begin (generated; run it again to update, edits here are replaced)"
	end := "# awsenv " + id + ": end"
	err := fsutil.EditFile(ctx, "config file", path, func() ([]byte, os.FileMode, error) {
		data, mode, err := readConfigToEdit(path)
		if err != nil {
			return nil, 0, err
		}
		before, block, after, found := cutBlock(data, begin, end)
		outside, err := ParseProfiles(path, append(append([]byte{}, before...), after...), "", nil)
		if err != nil {
			return nil, 0, err
		}
		old := blockSections(block)
		var b bytes.Buffer
		b.WriteString(begin + "\n")
		wrote := map[string]bool{}
		for _, p := range profiles {
			if outside.Get(p.Name) != nil {
				res.Skipped = append(res.Skipped, p.Name)
				continue
			}
			if wrote[p.Name] {
				continue
			}
			wrote[p.Name] = true
			fmt.Fprintf(&b, "[profile %s]\n", p.Name)
			for _, kv := range p.Settings {
				fmt.Fprintf(&b, "%s = %s\n", kv[0], kv[1])
			}
			b.WriteString("\n")
			res.Written++
		}
		for _, s := range old {
			switch {
			case wrote[s.name]:
			case prune:
				res.Removed++
			default:
				b.WriteString(s.text)
				res.Kept++
			}
		}
		b.WriteString(end + "\n")
		var out []byte
		if found {
			out = append(append(append([]byte{}, before...), b.Bytes()...), after...)
		} else {
			out = append([]byte{}, data...)
			if len(out) > 0 && !bytes.HasSuffix(out, []byte("\n")) {
				out = append(out, '\n')
			}
			if len(out) > 0 {
				out = append(out, '\n')
			}
			out = append(out, b.Bytes()...)
		}
		if _, err := ParseProfiles(path, out, "", nil); err != nil {
			return nil, 0, fmt.Errorf("the profiles would not parse, nothing written: %w", err)
		}
		return out, mode, nil
	})
	if err != nil {
		return GeneratedResult{}, err
	}
	return res, nil
}

// cutBlock splits data around the block between the begin and end lines.
func cutBlock(data []byte, begin, end string) (before, block, after []byte, found bool) {
	i := bytes.Index(data, []byte(begin+"\n"))
	if i < 0 || (i > 0 && data[i-1] != '\n') {
		return data, nil, nil, false
	}
	rest := data[i+len(begin)+1:]
	j := bytes.Index(rest, []byte(end+"\n"))
	if j < 0 || (j > 0 && rest[j-1] != '\n') {
		return data, nil, nil, false
	}
	return data[:i], rest[:j], rest[j+len(end)+1:], true
}

type blockSection struct{ name, text string }

// blockSections splits a generated block into its profiles, as written.
func blockSections(block []byte) []blockSection {
	var out []blockSection
	for _, part := range strings.SplitAfter(string(block), "\n\n") {
		name, ok := strings.CutPrefix(part, "[profile ")
		if !ok {
			continue
		}
		name, _, _ = strings.Cut(name, "]")
		out = append(out, blockSection{name: name, text: part})
	}
	return out
}

// readConfigToEdit reads the config file an edit replaces, and the mode it
// keeps: nothing and 0600 when there is no file yet.
func readConfigToEdit(path string) ([]byte, os.FileMode, error) {
	data, info, err := readFile("AWS config file", path, maxProfileFile, "fix the file, or point AWS_CONFIG_FILE at another")
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, 0o600, nil
	case err != nil:
		return nil, 0, err
	}
	return data, info.Mode().Perm(), nil
}
