package config

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/awsenv/awsenv/internal/fsutil"
)

// SetProfile sets settings of profile name in the config file at path
// (creating the file, and the profile at its end, when absent): a setting
// the profile has is replaced on its line, a new one goes after the
// profile's last setting; every other byte stays. Settings whose value is
// "" are left as they are; a value that would not read back as written
// (a line break, a control character) is refused. The file is replaced
// atomically under its lock (fsutil.EditFile), the one WriteGenerated takes. It returns
// whether the profile was created.
func SetProfile(ctx context.Context, path, name string, settings [][2]string) (created bool, err error) {
	if !validName(name) {
		return false, fmt.Errorf("profile name %q: %s", name, badName)
	}
	// The settings it writes are held to the rule of every generated
	// profile: names and values that read back as written.
	write := GeneratedProfile{Name: name}
	for _, kv := range settings {
		if kv[1] != "" {
			write.Settings = append(write.Settings, kv)
		}
	}
	if err := write.check(); err != nil {
		return false, fmt.Errorf("refusing to write into %s, nothing written: %w", path, err)
	}
	err = fsutil.EditFile(ctx, "config file", path, func() ([]byte, os.FileMode, error) {
		data, mode, err := readConfigToEdit(path)
		if err != nil {
			return nil, 0, err
		}
		var out string
		out, created = setProfileText(string(data), name, settings)
		if _, err := ParseProfiles(path, []byte(out), "", nil); err != nil {
			return nil, 0, fmt.Errorf("the config file would not parse, nothing written: %w", err)
		}
		return []byte(out), mode, nil
	})
	if err != nil {
		return false, err
	}
	return created, nil
}

// setProfileText is SetProfile on the file's text.
func setProfileText(text, name string, settings [][2]string) (string, bool) {
	nl := "\n"
	if strings.Contains(text, "\r\n") {
		nl = "\r\n"
	}
	lines := strings.SplitAfter(text, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	start, end := -1, len(lines) // the profile's header and the line after its last
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if !strings.HasPrefix(t, "[") {
			continue
		}
		if start >= 0 {
			end = i
			break
		}
		if isProfileHeader(t, name) {
			start = i
		}
	}
	if start < 0 {
		var b strings.Builder
		b.WriteString(text)
		if text != "" && !strings.HasSuffix(text, "\n") {
			b.WriteString(nl)
		}
		if text != "" {
			b.WriteString(nl)
		}
		if name == "default" {
			b.WriteString("[default]" + nl)
		} else {
			b.WriteString("[profile " + name + "]" + nl)
		}
		for _, kv := range settings {
			if kv[1] != "" {
				b.WriteString(kv[0] + " = " + kv[1] + nl)
			}
		}
		return b.String(), true
	}
	last := start // the last setting's line
	for i := start + 1; i < end; i++ {
		if t := strings.TrimSpace(lines[i]); t != "" && t[0] != '#' && t[0] != ';' {
			last = i
		}
	}
	var add []string
	for _, kv := range settings {
		if kv[1] == "" {
			continue
		}
		found := false
		for i := start + 1; i < end; i++ {
			raw := lines[i]
			if raw == "" || raw[0] == ' ' || raw[0] == '\t' {
				continue // a continuation line
			}
			if k, _, ok := splitSetting(strings.TrimSpace(raw)); ok && strings.ToLower(k) == kv[0] {
				found = true
				lines[i] = kv[0] + " = " + kv[1] + lineEnding(raw, nl)
				break
			}
		}
		if !found {
			add = append(add, kv[0]+" = "+kv[1]+nl)
		}
	}
	if !strings.HasSuffix(lines[last], "\n") {
		lines[last] += nl
	}
	out := append(append(append([]string{}, lines[:last+1]...), add...), lines[last+1:]...)
	return strings.Join(out, ""), false
}

func isProfileHeader(line, name string) bool {
	line = headerText(line)
	if !strings.HasSuffix(line, "]") {
		return false
	}
	inner := strings.TrimSpace(line[1 : len(line)-1])
	typ, n := splitHeader(inner)
	if typ == "" {
		return name == "default" && inner == "default"
	}
	return typ == "profile" && unquote(n) == name
}

func lineEnding(line, nl string) string {
	switch {
	case strings.HasSuffix(line, "\r\n"):
		return "\r\n"
	case strings.HasSuffix(line, "\n"):
		return "\n"
	}
	return ""
}
