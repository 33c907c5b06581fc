// Package pick is a fuzzy picker on the terminal: a query line and the rows
// that match it, best first, chosen with the arrows and Enter. It draws on
// the terminal it is given (the controlling terminal, never stdout) and
// erases what it drew before it returns.
//
// It is only reached when a person runs a command without a name, so it
// must cost nothing at start-up: it and its matcher have no init work.
package pick

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/sahilm/fuzzy"
)

// ErrCancelled is a person leaving the picker (Esc, Ctrl-C, Ctrl-D).
var ErrCancelled = errors.New("nothing chosen")

// Row is one choice: Value is what choosing it returns, Cells what it shows
// (Cells[0] is usually Value), Match the text the query is matched against.
type Row struct {
	Value string
	Cells []string
	Match string
}

// Screen is what the picker draws on and reads keys from.
type Screen struct {
	In     io.Reader
	Out    io.Writer
	Width  int // columns; lines are cut to fit so nothing wraps
	Height int // lines
}

// maxShown is how many rows show at once; more scroll.
const maxShown = 10

// Choose shows rows under prompt, lets the person filter and move, and
// returns the Value of the row chosen with Enter, or ErrCancelled.
func Choose(s Screen, prompt string, header []string, rows []Row) (string, error) {
	p := newPicker(s, prompt, header, rows)
	defer p.erase()
	buf := make([]byte, 256)
	for {
		p.draw()
		n, err := s.In.Read(buf)
		if n == 0 && err != nil {
			return "", ErrCancelled
		}
		for _, k := range parseKeys(buf[:n]) {
			if v, done, err := p.handle(k); done {
				return v, err
			}
		}
	}
}

type picker struct {
	s       Screen
	prompt  string
	lines   []string // each row's cells, laid out in columns
	head    string
	rows    []Row
	match   []string // each row's Match, for the matcher
	query   []rune
	shown   []int // indexes into rows of the rows that match, best first
	cursor  int   // index into shown
	top     int   // first of shown on screen
	drawn   int   // lines drawn below the query line
	visible int
}

func newPicker(s Screen, prompt string, header []string, rows []Row) *picker {
	p := &picker{s: s, prompt: prompt, rows: rows}
	cols := len(header)
	for _, r := range rows {
		cols = max(cols, len(r.Cells))
	}
	width := make([]int, cols)
	for c := range width {
		if c < len(header) {
			width[c] = utf8.RuneCountInString(header[c])
		}
		for _, r := range rows {
			if c < len(r.Cells) {
				width[c] = max(width[c], utf8.RuneCountInString(r.Cells[c]))
			}
		}
	}
	layout := func(cells []string) string {
		var b strings.Builder
		for c, v := range cells {
			if c > 0 {
				b.WriteString("  ")
			}
			b.WriteString(v)
			if c < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", width[c]-utf8.RuneCountInString(v)))
			}
		}
		return b.String()
	}
	p.head = layout(header)
	for _, r := range rows {
		p.lines = append(p.lines, layout(r.Cells))
		p.match = append(p.match, r.Match)
	}
	p.visible = min(maxShown, len(rows))
	if s.Height > 0 {
		p.visible = max(1, min(p.visible, s.Height-3))
	}
	p.filter()
	return p
}

// filter recomputes the matching rows after the query changed: all rows in
// their order for an empty query, else the matcher's best first.
func (p *picker) filter() {
	p.shown = p.shown[:0]
	if len(p.query) == 0 {
		for i := range p.rows {
			p.shown = append(p.shown, i)
		}
	} else {
		for _, m := range fuzzy.Find(string(p.query), p.match) {
			p.shown = append(p.shown, m.Index)
		}
	}
	p.cursor, p.top = 0, 0
}

type key struct {
	kind keyKind
	r    rune
}

type keyKind int

const (
	keyRune keyKind = iota
	keyEnter
	keyCancel
	keyUp
	keyDown
	keyBackspace
	keyClear
	keyNone
)

// parseKeys splits what one read returned into keys. An Esc alone in a
// read is the Esc key; an arrow comes as one escape sequence in one read.
func parseKeys(b []byte) []key {
	var keys []key
	for len(b) > 0 {
		c := b[0]
		switch {
		case c == 0x1b:
			if len(b) == 1 {
				return append(keys, key{kind: keyCancel})
			}
			if b[1] != '[' && b[1] != 'O' {
				// Alt+key or a second Esc: Esc all the same.
				return append(keys, key{kind: keyCancel})
			}
			// A CSI or SS3 sequence: its parameters, then a final byte.
			i := 2
			for i < len(b) && (b[i] < 0x40 || b[i] > 0x7e) {
				i++
			}
			if i == len(b) {
				return keys
			}
			switch b[i] {
			case 'A':
				keys = append(keys, key{kind: keyUp})
			case 'B':
				keys = append(keys, key{kind: keyDown})
			}
			b = b[i+1:]
			continue
		case c == '\r' || c == '\n':
			keys = append(keys, key{kind: keyEnter})
		case c == 0x03 || c == 0x04 || c == 0x07: // Ctrl-C, Ctrl-D, Ctrl-G
			keys = append(keys, key{kind: keyCancel})
		case c == 0x10 || c == 0x0b: // Ctrl-P, Ctrl-K
			keys = append(keys, key{kind: keyUp})
		case c == 0x0e || c == '\t': // Ctrl-N, Tab
			keys = append(keys, key{kind: keyDown})
		case c == 0x7f || c == 0x08:
			keys = append(keys, key{kind: keyBackspace})
		case c == 0x15: // Ctrl-U
			keys = append(keys, key{kind: keyClear})
		case c < 0x20:
		default:
			r, size := utf8.DecodeRune(b)
			keys = append(keys, key{kind: keyRune, r: r})
			b = b[size:]
			continue
		}
		b = b[1:]
	}
	return keys
}

// handle applies one key; done says the picker ends with value or err.
func (p *picker) handle(k key) (value string, done bool, err error) {
	switch k.kind {
	case keyCancel:
		return "", true, ErrCancelled
	case keyEnter:
		if len(p.shown) == 0 {
			return "", false, nil
		}
		return p.rows[p.shown[p.cursor]].Value, true, nil
	case keyUp:
		if p.cursor > 0 {
			p.cursor--
		}
	case keyDown:
		if p.cursor < len(p.shown)-1 {
			p.cursor++
		}
	case keyBackspace:
		if len(p.query) > 0 {
			p.query = p.query[:len(p.query)-1]
			p.filter()
		}
	case keyClear:
		p.query = p.query[:0]
		p.filter()
	case keyRune:
		p.query = append(p.query, k.r)
		p.filter()
	}
	if p.cursor < p.top {
		p.top = p.cursor
	}
	if p.cursor >= p.top+p.visible {
		p.top = p.cursor - p.visible + 1
	}
	return "", false, nil
}

// draw redraws the query line and the rows below it, and leaves the cursor
// at the end of the query. Lines are cut to the width so none wraps: the
// cursor's way back up counts lines.
func (p *picker) draw() {
	var b strings.Builder
	b.WriteString("\r\x1b[J")
	line := p.prompt + string(p.query)
	b.WriteString(p.cut(line))
	lines := []string{"  " + p.head}
	for i := p.top; i < len(p.shown) && i < p.top+p.visible; i++ {
		mark := "  "
		if i == p.cursor {
			mark = "> "
		}
		lines = append(lines, mark+p.lines[p.shown[i]])
	}
	lines = append(lines, fmt.Sprintf("  %d/%d  ↑↓ move  Enter choose  Esc cancel", len(p.shown), len(p.rows)))
	for _, l := range lines {
		b.WriteString("\r\n")
		b.WriteString(p.cut(l))
	}
	fmt.Fprintf(&b, "\x1b[%dA\r", len(lines))
	if col := utf8.RuneCountInString(line); col > 0 {
		fmt.Fprintf(&b, "\x1b[%dC", min(col, max(p.s.Width-1, 1)))
	}
	p.drawn = len(lines)
	io.WriteString(p.s.Out, b.String())
}

func (p *picker) cut(s string) string {
	if p.s.Width <= 0 || utf8.RuneCountInString(s) < p.s.Width {
		return s
	}
	r := []rune(s)
	return string(r[:p.s.Width-1])
}

// erase clears everything the picker drew; the cursor is left at the start
// of the query line.
func (p *picker) erase() {
	io.WriteString(p.s.Out, "\r\x1b[J")
}
