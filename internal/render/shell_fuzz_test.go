package render

// Fuzz tests: render one Set statement for a random name and value, then read
// it back with a strict pure-Go model of the shell's parser. The models
// accept only constructs whose meaning is fixed (quoted text and a few
// escapes); anything the shell could expand or execute is a failure. The
// real-shell tests in roundtrip_test.go check the same output against the
// actual shells.

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

var nameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func FuzzRoundTripPOSIX(f *testing.F)      { fuzzRoundTrip(f, POSIX, parsePOSIX) }
func FuzzRoundTripFish(f *testing.F)       { fuzzRoundTrip(f, Fish, parseFish) }
func FuzzRoundTripPowerShell(f *testing.F) { fuzzRoundTrip(f, PowerShell, parsePowerShell) }

func fuzzRoundTrip(f *testing.F, s Shell, parse func(string) (string, string, error)) {
	for _, v := range nastyValues() {
		if len(v) < 300 {
			f.Add("AWS_X", v)
		}
	}
	f.Fuzz(func(t *testing.T, name, value string) {
		var buf bytes.Buffer
		err := Statements(&buf, s, []Change{Set(name, value)})
		wantErr := !nameRE.MatchString(name) || strings.IndexByte(value, 0) >= 0 ||
			s == PowerShell && !utf8.ValidString(value)
		if wantErr {
			if err == nil || buf.Len() != 0 {
				t.Fatalf("Statements(%q, %q) = %q, %v; want an error and no output", name, value, buf.String(), err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Statements(%q, %q): %v", name, value, err)
		}
		out := buf.String()
		gotName, gotValue, err := parse(out)
		if err != nil {
			t.Fatalf("parse %q: %v", out, err)
		}
		if gotName != name || gotValue != value {
			t.Fatalf("round trip of %q=%q gave %q=%q via %q", name, value, gotName, gotValue, out)
		}
		if q := Quote(s, value); !strings.HasSuffix(out, q+"\n") {
			t.Fatalf("Quote(%q) = %q, not the word in %q", value, q, out)
		}
	})
}

// parsePOSIX reads `export NAME=WORD\n`. Outside quotes only '...' and \c
// are allowed; a newline outside quotes ends the statement and must be the
// last byte.
func parsePOSIX(out string) (name, value string, err error) {
	rest, ok := strings.CutPrefix(out, "export ")
	if !ok {
		return "", "", fmt.Errorf("no export prefix")
	}
	name, rest, ok = strings.Cut(rest, "=")
	if !ok || !nameRE.MatchString(name) {
		return "", "", fmt.Errorf("bad name")
	}
	var v strings.Builder
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; {
		case c == '\'':
			j := strings.IndexByte(rest[i+1:], '\'')
			if j < 0 {
				return "", "", fmt.Errorf("unterminated quote")
			}
			v.WriteString(rest[i+1 : i+1+j])
			i += j + 1
		case c == '\\' && i+1 < len(rest) && rest[i+1] != '\n':
			v.WriteByte(rest[i+1])
			i++
		case c == '\n' && i == len(rest)-1 && i > 0:
			return name, v.String(), nil
		default:
			return "", "", fmt.Errorf("unquoted %q at %d", c, i)
		}
	}
	return "", "", fmt.Errorf("missing final newline")
}

// parseFish reads `set -gx NAME WORD\n` where the whole statement is one
// line. Inside '...' fish interprets \\ and \' only; outside, this model
// accepts \n, \xHH (ASCII) and backslash before a fish metacharacter.
func parseFish(out string) (name, value string, err error) {
	line, ok := strings.CutSuffix(out, "\n")
	if !ok || strings.ContainsAny(line, "\n\r") {
		return "", "", fmt.Errorf("not exactly one line")
	}
	rest, ok := strings.CutPrefix(line, "set -gx ")
	if !ok {
		return "", "", fmt.Errorf("no set prefix")
	}
	name, rest, ok = strings.Cut(rest, " ")
	if !ok || !nameRE.MatchString(name) || rest == "" {
		return "", "", fmt.Errorf("bad name or empty word")
	}
	var v strings.Builder
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch {
		case c == '\'':
			for i++; ; i++ {
				if i >= len(rest) {
					return "", "", fmt.Errorf("unterminated quote")
				}
				if rest[i] == '\'' {
					break
				}
				if rest[i] == '\\' && i+1 < len(rest) && (rest[i+1] == '\\' || rest[i+1] == '\'') {
					i++
				}
				v.WriteByte(rest[i])
			}
		case c == '\\' && strings.HasPrefix(rest[i:], `\n`):
			v.WriteByte('\n')
			i++
		case c == '\\' && strings.HasPrefix(rest[i:], `\x`) && i+4 <= len(rest):
			n, err := strconv.ParseUint(rest[i+2:i+4], 16, 8)
			if err != nil || n > 0x7f {
				return "", "", fmt.Errorf("bad \\x escape at %d", i)
			}
			v.WriteByte(byte(n))
			i += 3
		case c == '\\' && i+1 < len(rest) && strings.IndexByte(`\'"$*?~#(){}[]<>^&|; `, rest[i+1]) >= 0:
			v.WriteByte(rest[i+1])
			i++
		default:
			return "", "", fmt.Errorf("unquoted %q at %d", c, i)
		}
	}
	return name, v.String(), nil
}

// parsePowerShell reads `$Env:NAME = EXPR\n` where EXPR is '...' or
// ('...' + [char]0xHHHH + ...). The line must be printable ASCII, so no
// console code page can turn a byte into a quote.
func parsePowerShell(out string) (name, value string, err error) {
	line, ok := strings.CutSuffix(out, "\n")
	if !ok {
		return "", "", fmt.Errorf("missing final newline")
	}
	for i := 0; i < len(line); i++ {
		if line[i] < 0x20 || line[i] >= 0x7f {
			return "", "", fmt.Errorf("byte %#x is not printable ascii", line[i])
		}
	}
	rest, ok := strings.CutPrefix(line, "$Env:")
	if !ok {
		return "", "", fmt.Errorf("no $Env: prefix")
	}
	name, rest, ok = strings.Cut(rest, " = ")
	if !ok || !nameRE.MatchString(name) {
		return "", "", fmt.Errorf("bad name")
	}
	var terms []string
	if inner, ok := strings.CutPrefix(rest, "("); ok {
		inner, ok = strings.CutSuffix(inner, ")")
		terms = strings.Split(inner, " + ") // ' + ' inside a literal is re-joined below
		if !ok || len(terms) < 2 {
			return "", "", fmt.Errorf("bad parenthesized expression")
		}
	} else {
		terms = []string{rest}
	}
	var units []uint16
	for i := 0; i < len(terms); i++ {
		term := terms[i]
		if hex, ok := strings.CutPrefix(term, "[char]0x"); ok && i > 0 {
			n, err := strconv.ParseUint(hex, 16, 16)
			if err != nil || len(hex) != 4 {
				return "", "", fmt.Errorf("bad [char] term %q", term)
			}
			units = append(units, uint16(n))
			continue
		}
		// A string literal: join split pieces until the quotes balance.
		for strings.Count(term, "'")%2 != 0 && i+1 < len(terms) {
			i++
			term += " + " + terms[i]
		}
		if len(term) < 2 || term[0] != '\'' || term[len(term)-1] != '\'' || strings.Count(term, "'")%2 != 0 {
			return "", "", fmt.Errorf("bad term %q", term)
		}
		body := term[1 : len(term)-1]
		if strings.Contains(strings.ReplaceAll(body, "''", ""), "'") {
			return "", "", fmt.Errorf("lone quote in %q", term)
		}
		for _, r := range strings.ReplaceAll(body, "''", "'") {
			units = append(units, uint16(r))
		}
	}
	return name, string(utf16.Decode(units)), nil
}

func TestParsersRejectUnsafeForms(t *testing.T) {
	for _, tt := range []struct {
		parse func(string) (string, string, error)
		out   string
	}{
		{parsePOSIX, "export A=x\n"},
		{parsePOSIX, "export A='x'$(id)\n"},
		{parsePOSIX, "export A='x'\n\n"},
		{parsePOSIX, "export A='x' B='y'\n"},
		{parsePOSIX, "export A='x'\\\n'y'\n"},
		{parseFish, "set -gx A 'x\ny'\n"},
		{parseFish, "set -gx A 'x'(id)\n"},
		{parseFish, "set -gx A '\\'\n"},
		{parseFish, "set -gx A 'x'\\x80\n"},
		{parsePowerShell, "$Env:A = 'x\xe2\x80\x99'\n"},
		{parsePowerShell, "$Env:A = 'x' + $(id)\n"},
		{parsePowerShell, "$Env:A = ([char]0x0041 + 'x')\n"},
		{parsePowerShell, "$Env:A = ('x'; id; 'y')\n"},
		{parsePowerShell, "$Env:A = ('a'b' + 'c')\n"},
	} {
		if _, _, err := tt.parse(tt.out); err == nil {
			t.Errorf("parser accepted %q", tt.out)
		}
	}
}
