package render

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for name, want := range map[string]Shell{
		"bash": POSIX, "zsh": POSIX, "sh": POSIX, "posix": POSIX, "dash": POSIX, "ksh": POSIX,
		"fish": Fish, "powershell": PowerShell, "pwsh": PowerShell, "Bash": POSIX, "PWSH": PowerShell,
	} {
		got, err := Parse(name)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
	for _, name := range []string{"", "x", "csh", "cmd", "/bin/bash", "bash "} {
		_, err := Parse(name)
		want := `unknown shell "` + name + `": use bash, zsh, fish or powershell`
		if err == nil || err.Error() != want {
			t.Errorf("Parse(%q) error = %v; want %q", name, err, want)
		}
	}
}

func TestDetect(t *testing.T) {
	for in, want := range map[string]Shell{
		"": POSIX, "/bin/bash": POSIX, "/usr/bin/zsh": POSIX, "/usr/bin/fish": Fish,
		"/opt/homebrew/bin/fish": Fish, "fish": Fish, "-fish": Fish, "/usr/local/bin/pwsh": PowerShell,
		`C:\Program Files\PowerShell\7\pwsh.exe`: PowerShell, "powershell.EXE": PowerShell,
		"/bin/tcsh": POSIX, "/usr/bin/nu": POSIX, "/usr/bin/fish/": POSIX, "/weird/fishy": POSIX, ".exe": POSIX,
	} {
		if got := Detect(in); got != want {
			t.Errorf("Detect(%q) = %v; want %v", in, got, want)
		}
	}
}

func TestString(t *testing.T) {
	for s, want := range map[Shell]string{POSIX: "posix", Fish: "fish", PowerShell: "powershell", Shell(9): "Shell(9)"} {
		if got := s.String(); got != want {
			t.Errorf("String() = %q; want %q", got, want)
		}
	}
}

func TestSetUnset(t *testing.T) {
	if got := Set("A", "b"); got != (Change{Name: "A", Value: "b"}) {
		t.Errorf("Set = %+v", got)
	}
	if got := Unset("A"); got != (Change{Name: "A", Unset: true}) {
		t.Errorf("Unset = %+v", got)
	}
}

func TestQuote(t *testing.T) {
	tests := []struct {
		in                string
		posix, fish, pwsh string
	}{
		{"", `''`, `''`, `''`},
		{"us-east-1", `'us-east-1'`, `'us-east-1'`, `'us-east-1'`},
		{"it's", `'it'\''s'`, `'it\'s'`, `'it''s'`},
		{"'", `\'`, `'\''`, `''''`},
		{"''", `\'\'`, `'\'\''`, `''''''`},
		{"'a'", `\''a'\'`, `'\'a\''`, `'''a'''`},
		{`a\b`, `'a\b'`, `'a\\b'`, `'a\b'`},
		{`\'`, `'\'\'`, `'\\\''`, `'\'''`},
		{"$(id) `id` ${X} $X ~ * ? [a] {a,b} ! % ; | & < > #", `'$(id) ` + "`id`" + ` ${X} $X ~ * ? [a] {a,b} ! % ; | & < > #'`,
			`'$(id) ` + "`id`" + ` ${X} $X ~ * ? [a] {a,b} ! % ; | & < > #'`, `'$(id) ` + "`id`" + ` ${X} $X ~ * ? [a] {a,b} ! % ; | & < > #'`},
		{"a\nb", "'a\nb'", `'a'\n'b'`, `('a' + [char]0x000A + 'b')`},
		{"\n", "'\n'", `\n`, `('' + [char]0x000A)`},
		{"a\r\n", "'a\r\n'", `'a'\x0D\n`, `('a' + [char]0x000D + [char]0x000A)`},
		{"\t\x1b\x7f", "'\t\x1b\x7f'", `\x09\x1B\x7F`, `('' + [char]0x0009 + [char]0x001B + [char]0x007F)`},
		{"é", "'é'", "'é'", `('' + [char]0x00E9)`},
		{"‘a’‚‛", "'‘a’‚‛'", "'‘a’‚‛'", `('' + [char]0x2018 + 'a' + [char]0x2019 + [char]0x201A + [char]0x201B)`},
		{"😀x", "'😀x'", "'😀x'", `('' + [char]0xD83D + [char]0xDE00 + 'x')`},
		{"\xff\xfe", "'\xff\xfe'", "'\xff\xfe'", `('' + [char]0xFFFD + [char]0xFFFD)`},
	}
	for _, tt := range tests {
		for _, c := range []struct {
			s    Shell
			want string
		}{{POSIX, tt.posix}, {Fish, tt.fish}, {PowerShell, tt.pwsh}} {
			if got := Quote(c.s, tt.in); got != c.want {
				t.Errorf("Quote(%v, %q) = %q; want %q", c.s, tt.in, got, c.want)
			}
		}
	}
}

func TestQuotePanicsOnUnknownShell(t *testing.T) {
	defer func() {
		if r := recover(); !errors.Is(r.(error), errNoShell) {
			t.Errorf("recover() = %v", r)
		}
	}()
	Quote(Shell(7), "x")
}

func TestStatements(t *testing.T) {
	changes := []Change{
		Set("AWS_PROFILE", "dev"),
		Set("AWS_SESSION_TOKEN", "it's\nx"),
		Unset("AWS_REGION"),
		Set("_x9", ""),
	}
	want := map[Shell]string{
		POSIX: "export AWS_PROFILE='dev'\n" +
			"export AWS_SESSION_TOKEN='it'\\''s\nx'\n" +
			"unset -v AWS_REGION\n" +
			"export _x9=''\n",
		Fish: "set -gx AWS_PROFILE 'dev'\n" +
			"set -gx AWS_SESSION_TOKEN 'it\\'s'\\n'x'\n" +
			"set -e -g AWS_REGION; or true\n" +
			"set -gx _x9 ''\n",
		PowerShell: "$Env:AWS_PROFILE = 'dev'\n" +
			"$Env:AWS_SESSION_TOKEN = ('it''s' + [char]0x000A + 'x')\n" +
			"Remove-Item -ErrorAction SilentlyContinue Env:AWS_REGION\n" +
			"$Env:_x9 = ''\n",
	}
	for s, w := range want {
		var buf bytes.Buffer
		if err := Statements(&buf, s, changes); err != nil {
			t.Fatalf("Statements(%v): %v", s, err)
		}
		if buf.String() != w {
			t.Errorf("Statements(%v) =\n%s\nwant\n%s", s, buf.String(), w)
		}
		buf.Reset()
		if err := Statements(&buf, s, nil); err != nil || buf.Len() != 0 {
			t.Errorf("Statements(%v, nil) = %q, %v", s, buf.String(), err)
		}
	}
}

func TestStatementsErrors(t *testing.T) {
	tests := []struct {
		s       Shell
		changes []Change
		want    string
	}{
		{POSIX, []Change{Set("", "x")}, `invalid environment variable name ""`},
		{POSIX, []Change{Set("1A", "x")}, `invalid environment variable name "1A"`},
		{Fish, []Change{Set("A-B", "x")}, `invalid environment variable name "A-B"`},
		{POSIX, []Change{Set("A;id", "x")}, `invalid environment variable name "A;id"`},
		{POSIX, []Change{Set("A=B", "x")}, `invalid environment variable name "A=B"`},
		{POSIX, []Change{Set("A B", "x")}, `invalid environment variable name "A B"`},
		{POSIX, []Change{Set("Ä", "x")}, `invalid environment variable name "Ä"`},
		{PowerShell, []Change{Unset("$(x)")}, `invalid environment variable name "$(x)"`},
		{POSIX, []Change{Set("A\n", "x")}, `invalid environment variable name "A\n"`},
		{POSIX, []Change{Set("OK", "x"), Set("NUL", "a\x00b")}, "value of NUL contains a nul byte, which no environment variable can hold"},
		{Fish, []Change{Set("NUL", "\x00")}, "value of NUL contains a nul byte, which no environment variable can hold"},
		{PowerShell, []Change{Set("NUL", "\x00")}, "value of NUL contains a nul byte, which no environment variable can hold"},
		{PowerShell, []Change{Set("OK", "é"), Set("BAD", "a\xffb")}, "value of BAD is not valid utf-8, which powershell cannot represent"},
		{PowerShell, []Change{Set("BAD", "\xed\xa0\x80")}, "value of BAD is not valid utf-8, which powershell cannot represent"},
		{Shell(3), []Change{Set("A", "x")}, "unknown shell Shell(3)"},
		{Shell(-1), nil, "unknown shell Shell(-1)"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		err := Statements(&buf, tt.s, tt.changes)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Statements(%v, %+v) error = %v; want %q", tt.s, tt.changes, err, tt.want)
		}
		if buf.Len() != 0 {
			t.Errorf("Statements(%v, %+v) wrote %q despite error", tt.s, tt.changes, buf.String())
		}
	}
	// Unset ignores the value; invalid UTF-8 is fine outside PowerShell.
	for _, s := range []Shell{POSIX, Fish, PowerShell} {
		if err := Statements(&bytes.Buffer{}, s, []Change{{Name: "A", Value: "\x00\xff", Unset: true}}); err != nil {
			t.Errorf("Statements(%v) unset with junk value: %v", s, err)
		}
	}
	for _, s := range []Shell{POSIX, Fish} {
		if err := Statements(&bytes.Buffer{}, s, []Change{Set("A", "\xff\xc3(")}); err != nil {
			t.Errorf("Statements(%v) invalid utf-8: %v", s, err)
		}
	}
}

// countingWriter records how often Write is called.
type countingWriter struct {
	calls int
	buf   strings.Builder
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.calls++
	return w.buf.Write(p)
}

func TestStatementsWritesOnce(t *testing.T) {
	var w countingWriter
	if err := Statements(&w, Fish, benchChanges); err != nil {
		t.Fatal(err)
	}
	if w.calls != 1 || strings.Count(w.buf.String(), "\n") != len(benchChanges) {
		t.Errorf("Write called %d times, output %q", w.calls, w.buf.String())
	}
}

func TestStatementsWriteError(t *testing.T) {
	want := errors.New("disk full")
	if err := Statements(errWriter{want}, POSIX, []Change{Set("A", "b")}); err != want {
		t.Errorf("Render error = %v; want %v", err, want)
	}
}

type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

var benchChanges = []Change{
	Set("AWS_ACCESS_KEY_ID", "ASIAIOSFODNN7EXAMPLE"),
	Set("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
	Set("AWS_SESSION_TOKEN", strings.Repeat("IQoJb3JpZ2luX2VjEH0aCXVzLWVhc3QtMSJHMEUCIQD+/=", 20)),
	Set("AWS_REGION", "eu-west-1"),
	Set("AWS_DEFAULT_REGION", "eu-west-1"),
	Set("AWS_PROFILE", "dev-admin"),
	Set("AWS_CREDENTIAL_EXPIRATION", "2026-01-02T03:04:05Z"),
	Set("AWSENV_ACCOUNT", "123456789012"),
	Set("AWSENV_ROLE", "arn:aws:iam::123456789012:role/O'Brien Admin"),
	Unset("AWS_SECURITY_TOKEN"),
	Unset("AWS_DEFAULT_PROFILE"),
	Unset("AWS_VAULT"),
}

func BenchmarkStatements(b *testing.B) {
	for _, s := range []Shell{POSIX, Fish, PowerShell} {
		b.Run(s.String(), func(b *testing.B) {
			b.ReportAllocs()
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := Statements(&buf, s, benchChanges); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
