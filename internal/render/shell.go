// Statements for a shell: environment changes rendered as statements for bash, zsh, fish and PowerShell.
//
// The output is meant to be evaluated by the user's shell (eval "$(awsenv ...)",
// awsenv ... | source, awsenv ... | Out-String | Invoke-Expression), so every
// value is emitted as an inert literal: no byte of a value can end the literal
// early, start a new statement, or be expanded by the shell.
//
// Per shell:
//
//   - POSIX (bash, zsh, dash, ksh, sh): export NAME='value' / unset -v NAME.
//     Every byte except NUL round-trips, including newlines and invalid UTF-8;
//     a newline in a value stays inside the quotes, so a statement may span
//     several lines (eval "$(...)" handles that).
//   - fish: set -gx NAME 'value' / set -e -g NAME; or true. Control
//     characters (including newline) are written outside the quotes as fish
//     escapes (\n, \xHH), so every statement is exactly one line. Every byte
//     except NUL round-trips, including invalid UTF-8.
//   - PowerShell: $Env:NAME = 'value' / Remove-Item -ErrorAction
//     SilentlyContinue Env:NAME. Control characters and every non-ASCII
//     character are written as [char]0xHHHH outside the quotes, so each
//     statement is one line of plain ASCII and cannot be misread under a
//     non-UTF-8 console code page. Values must be valid UTF-8. (PowerShell
//     may remove a variable assigned the empty string, notably on Windows.)
//
// Render rejects NUL bytes for every shell (no environment variable can hold
// one) and invalid UTF-8 for PowerShell (its strings are UTF-16).
//
// POSIX and fish output assume an ASCII-compatible locale (UTF-8, C,
// ISO-8859-x), where a byte below 0x80 is always that ASCII character;
// legacy multibyte locales such as Shift_JIS, GBK or Big5 are not supported.
package render

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Shell is a family of shells sharing one statement syntax.
type Shell int

const (
	// POSIX covers bash, zsh, sh, dash and ksh.
	POSIX Shell = iota
	// Fish is the fish shell.
	Fish
	// PowerShell covers Windows PowerShell and PowerShell 7 (pwsh).
	PowerShell
)

// String returns the canonical name of s.
func (s Shell) String() string {
	switch s {
	case POSIX:
		return "posix"
	case Fish:
		return "fish"
	case PowerShell:
		return "powershell"
	}
	return fmt.Sprintf("Shell(%d)", int(s))
}

func (s Shell) valid() bool { return s >= POSIX && s <= PowerShell }

// Parse maps a shell name (as given on the command line) to a Shell.
// Names are matched case-insensitively.
func Parse(name string) (Shell, error) {
	switch strings.ToLower(name) {
	case "bash", "zsh", "sh", "posix", "dash", "ksh":
		return POSIX, nil
	case "fish":
		return Fish, nil
	case "powershell", "pwsh":
		return PowerShell, nil
	}
	return POSIX, fmt.Errorf("unknown shell %q: use bash, zsh, fish or powershell", name)
}

// Detect guesses the shell from the value of $SHELL by looking at the base
// name of the path (a leading "-" of login shells and a ".exe" suffix are
// ignored). Unknown or empty values yield POSIX.
func Detect(shellEnv string) Shell {
	base := shellEnv[strings.LastIndexAny(shellEnv, `/\`)+1:]
	base = strings.TrimPrefix(base, "-")
	if len(base) > 4 && strings.EqualFold(base[len(base)-4:], ".exe") {
		base = base[:len(base)-4]
	}
	s, err := Parse(base)
	if err != nil {
		return POSIX
	}
	return s
}

// Change is one environment change: set Name to Value, or unset Name when
// Unset is true (Value is then ignored).
type Change struct {
	Name  string
	Value string
	Unset bool
}

// Set returns a change that sets name to value.
func Set(name, value string) Change { return Change{Name: name, Value: value} }

// Unset returns a change that removes name from the environment.
func Unset(name string) Change { return Change{Name: name, Unset: true} }

// Render writes one statement per change for the shell s. It returns an
// error (and writes nothing) if a name is not a valid environment variable
// name ([A-Za-z_][A-Za-z0-9_]*), a value holds a NUL byte, or, for
// PowerShell, a value is not valid UTF-8. The output is written with a
// single call to w.Write.
func Statements(w io.Writer, s Shell, changes []Change) error {
	if !s.valid() {
		return fmt.Errorf("unknown shell %v", s)
	}
	size := 0
	for _, c := range changes {
		if err := check(s, c); err != nil {
			return err
		}
		size += 48 + 2*len(c.Name) + len(c.Value)
	}
	if len(changes) == 0 {
		return nil
	}
	b := make([]byte, 0, size)
	for _, c := range changes {
		b = appendStatement(b, s, c)
	}
	_, err := w.Write(b)
	return err
}

func check(s Shell, c Change) error {
	if !validName(c.Name) {
		return fmt.Errorf("invalid environment variable name %q", c.Name)
	}
	if c.Unset {
		return nil
	}
	if strings.IndexByte(c.Value, 0) >= 0 {
		return fmt.Errorf("value of %s contains a nul byte, which no environment variable can hold", c.Name)
	}
	if s == PowerShell && !utf8.ValidString(c.Value) {
		return fmt.Errorf("value of %s is not valid utf-8, which powershell cannot represent", c.Name)
	}
	return nil
}

// validName reports whether name matches [A-Za-z_][A-Za-z0-9_]*.
func validName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// errNoShell is the panic value of Quote for an unknown Shell.
var errNoShell = errors.New("unknown shell")

func appendStatement(b []byte, s Shell, c Change) []byte {
	switch s {
	case POSIX:
		if c.Unset {
			// -v: without it bash unsets a function of that name when no
			// such variable exists.
			b = append(b, "unset -v "...)
			b = append(b, c.Name...)
		} else {
			b = append(b, "export "...)
			b = append(b, c.Name...)
			b = append(b, '=')
			b = appendPOSIX(b, c.Value)
		}
	case Fish:
		if c.Unset {
			// -g mirrors set -gx and never erases a universal variable.
			// set -e fails with status 4 (silently) when the variable does
			// not exist; "or true" keeps the overall status 0.
			b = append(b, "set -e -g "...)
			b = append(b, c.Name...)
			b = append(b, "; or true"...)
		} else {
			b = append(b, "set -gx "...)
			b = append(b, c.Name...)
			b = append(b, ' ')
			b = appendFish(b, c.Value)
		}
	case PowerShell:
		if c.Unset {
			b = append(b, "Remove-Item -ErrorAction SilentlyContinue Env:"...)
			b = append(b, c.Name...)
		} else {
			b = append(b, "$Env:"...)
			b = append(b, c.Name...)
			b = append(b, " = "...)
			b = appendPowerShell(b, c.Value)
		}
	}
	return append(b, '\n')
}
