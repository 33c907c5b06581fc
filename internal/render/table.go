package render

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Table is rows of cells, written in columns two spaces apart, as
// text/tabwriter lays them out (in a fraction of its time and memory for
// ten thousand rows): every column but the last as wide as its widest
// cell, in runes, and two.
type Table struct {
	cells  []string // row after row
	widths []int
}

// NewTable is a table with room for rows rows under the header.
func NewTable(rows int, header ...string) Table {
	t := Table{cells: make([]string, 0, (rows+1)*len(header)), widths: make([]int, len(header))}
	t.Add(header...)
	return t
}

func (t *Table) Add(row ...string) {
	for i, c := range row {
		c = Printable(c)
		if i < len(row)-1 {
			t.widths[i] = max(t.widths[i], utf8.RuneCountInString(c))
		}
		t.cells = append(t.cells, c)
	}
}

// Printable is s with every control or format character (C0, DEL, C1,
// bidirectional overrides, zero-width ones, line and paragraph
// separators) and every run of bytes that is not UTF-8 made "?": a region
// or source_profile in ~/.aws/config can hold a tab or an escape
// sequence, which must neither break the columns nor reach the terminal.
func Printable(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return strings.Map(func(r rune) rune {
				if r < 0x20 || r >= 0x7f && r < 0xa0 || r == utf8.RuneError || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) {
					return '?'
				}
				return r
			}, strings.ToValidUTF8(s, "\uFFFD"))
		}
	}
	return s
}

// Size is about the bytes write writes (exactly, for ASCII).
func (t Table) Size() int {
	n := 0
	for i, c := range t.cells {
		if col := i % len(t.widths); col == len(t.widths)-1 {
			n += len(c) + 1
		} else {
			n += t.widths[col] + 2
		}
	}
	return n
}

func (t Table) Write(b *bytes.Buffer) {
	const pad = "                                                                "
	last := len(t.widths) - 1
	for i, c := range t.cells {
		b.WriteString(c)
		if col := i % len(t.widths); col == last {
			b.WriteByte('\n')
		} else {
			for n := t.widths[col] + 2 - utf8.RuneCountInString(c); n > 0; n -= len(pad) {
				b.WriteString(pad[:min(n, len(pad))])
			}
		}
	}
}
