package render

import (
	"bytes"
	"strings"
	"testing"
	"text/tabwriter"
	"unicode"
)

// tabwriterLayout is what list wrote with text/tabwriter before table.
func tabwriterLayout(rows [][]string) string {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, r := range rows {
		tw.Write([]byte(strings.Join(r, "\t") + "\n"))
	}
	tw.Flush()
	return b.String()
}

func tableLayout(rows [][]string) string {
	t := NewTable(len(rows)-1, rows[0]...)
	for _, r := range rows[1:] {
		t.Add(r...)
	}
	var b bytes.Buffer
	t.Write(&b)
	if strings.ToValidUTF8(b.String(), "") == b.String() && !strings.ContainsFunc(b.String(), func(r rune) bool { return r >= 0x80 }) && b.Len() != t.Size() {
		return "size() is not what write wrote"
	}
	return b.String()
}

// table lays cells out as text/tabwriter did, for every cell list can
// print: control characters are "?" first.
func TestTableAsTabwriter(t *testing.T) {
	for _, rows := range [][][]string{
		{{"ACCOUNT", "ID", "REGION"}, {"work", "123456789012", "eu-west-1"}, {"a-much-longer-name", "-", "-"}},
		{{"PROFILE", "KIND", "REGION", "CACHED", "SOURCE"}, {"dév", "sso", "", "none", "-"}, {"日本語のプロファイル", "role", "eu-west-2", "valid, 1h left", "base"}},
		{{"A", "B"}, {strings.Repeat("x", 300), ""}, {"", strings.Repeat("y", 70)}},
		{{"ONE"}, {"only"}, {""}},
	} {
		if got, want := tableLayout(rows), tabwriterLayout(rows); got != want {
			t.Errorf("table:\n%s\ntabwriter:\n%s", got, want)
		}
	}
	// A tab, a form feed, an escape sequence or a byte that is no UTF-8
	// is "?": the columns hold, and nothing reaches the terminal raw.
	rows := [][]string{{"PROFILE", "REGION", "SOURCE"}, {"p", "eu\twest", "base\x1b[31m"}, {"q", "a\xffb\fc", "\u0085x"},
		{"r", "\u202eevil\u2066", "zero\u200bwidth\u2028"}}
	got := tableLayout(rows)
	want := tabwriterLayout([][]string{{"PROFILE", "REGION", "SOURCE"}, {"p", "eu?west", "base?[31m"}, {"q", "a?b?c", "?x"},
		{"r", "?evil?", "zero?width?"}})
	if got != want {
		t.Errorf("table of control characters:\n%q\nwant\n%q", got, want)
	}
}

func FuzzTable(f *testing.F) {
	f.Add("work", "eu-west-1", "x")
	f.Add("", "\t", "\xff")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		rows := [][]string{{"H1", "H2", "H3"}, {a, b, c}, {c, a, b}}
		clean := make([][]string, len(rows))
		for i, r := range rows {
			for _, cell := range r {
				p := Printable(cell)
				if strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f || unicode.Is(unicode.Cf, r) }) {
					t.Fatalf("Printable(%q) = %q", cell, p)
				}
				clean[i] = append(clean[i], p)
			}
		}
		if got, want := tableLayout(rows), tabwriterLayout(clean); got != want {
			t.Fatalf("table:\n%q\ntabwriter:\n%q", got, want)
		}
	})
}
