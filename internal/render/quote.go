package render

import (
	"strings"
	"unicode/utf16"
)

const hexDigits = "0123456789ABCDEF"

// Quote returns value as a literal word for shell s (the right-hand side of
// the assignment Render writes). The result never lets value inject code.
// It round-trips exactly for every value Render accepts; Quote itself does
// not validate, so a NUL byte (any shell) or invalid UTF-8 (PowerShell,
// where each bad byte becomes U+FFFD) is passed through as that shell's
// parser treats it. Quote panics if s is not a known Shell.
func Quote(s Shell, value string) string {
	var b []byte
	switch s {
	case POSIX:
		b = appendPOSIX(make([]byte, 0, len(value)+2), value)
	case Fish:
		b = appendFish(make([]byte, 0, len(value)+2), value)
	case PowerShell:
		b = appendPowerShell(make([]byte, 0, len(value)+2), value)
	default:
		panic(errNoShell)
	}
	return string(b)
}

// appendPOSIX appends v as a POSIX shell word: runs without a single quote
// go inside '...', where no byte is special; each single quote is written
// as \' outside the quotes. Two quotes are never adjacent (except for the
// empty value ”), so zsh's RC_QUOTES option cannot change the meaning.
func appendPOSIX(b []byte, v string) []byte {
	if v == "" {
		return append(b, "''"...)
	}
	for {
		i := strings.IndexByte(v, '\'')
		if i < 0 {
			break
		}
		if i > 0 {
			b = append(b, '\'')
			b = append(b, v[:i]...)
			b = append(b, '\'')
		}
		b = append(b, '\\', '\'')
		v = v[i+1:]
	}
	if v != "" {
		b = append(b, '\'')
		b = append(b, v...)
		b = append(b, '\'')
	}
	return b
}

// appendFish appends v as a fish word. Printable bytes (and all bytes >=
// 0x80) go inside '...', where fish only interprets \\ and \'. ASCII control
// characters are written outside the quotes as \n or \xHH, so the word never
// contains a line break.
func appendFish(b []byte, v string) []byte {
	if v == "" {
		return append(b, "''"...)
	}
	open := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x20 || c == 0x7f {
			if open {
				b = append(b, '\'')
				open = false
			}
			if c == '\n' {
				b = append(b, '\\', 'n')
			} else {
				b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
			}
			continue
		}
		if !open {
			b = append(b, '\'')
			open = true
		}
		if c == '\\' || c == '\'' {
			b = append(b, '\\')
		}
		b = append(b, c)
	}
	if open {
		b = append(b, '\'')
	}
	return b
}

// appendPowerShell appends v as a PowerShell expression. Printable ASCII goes
// inside '...' with ' doubled. Everything else (control characters and all
// non-ASCII, including the typographic quotes U+2018..U+201B that PowerShell
// also treats as single quotes) is written as [char]0xHHHH (UTF-16 code
// units) and concatenated with +, inside parentheses. The result is thus
// plain ASCII on one line and means the same under any ASCII-compatible
// console code page.
func appendPowerShell(b []byte, v string) []byte {
	if printableASCII(v) {
		b = append(b, '\'')
		for i := 0; i < len(v); i++ {
			if v[i] == '\'' {
				b = append(b, '\'')
			}
			b = append(b, v[i])
		}
		return append(b, '\'')
	}
	b = append(b, '(')
	open, first := false, true
	for _, r := range v {
		if r >= 0x20 && r < 0x7f {
			if !open {
				if !first {
					b = append(b, " + "...)
				}
				b = append(b, '\'')
				open, first = true, false
			}
			if r == '\'' {
				b = append(b, '\'')
			}
			b = append(b, byte(r))
			continue
		}
		if open {
			b = append(b, '\'')
			open = false
		}
		if first {
			// [char] + string would be numeric addition: start with a string.
			b = append(b, "''"...)
			first = false
		}
		if r > 0xffff {
			r1, r2 := utf16.EncodeRune(r)
			b = appendPSChar(b, r1)
			b = appendPSChar(b, r2)
		} else {
			b = appendPSChar(b, r)
		}
	}
	if open {
		b = append(b, '\'')
	}
	return append(b, ')')
}

func appendPSChar(b []byte, r rune) []byte {
	return append(b, ' ', '+', ' ', '[', 'c', 'h', 'a', 'r', ']', '0', 'x',
		hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

func printableASCII(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] >= 0x7f {
			return false
		}
	}
	return true
}
