package cli

import (
	"bytes"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/resolve"
)

// listOptions are list's command line.
type listOptions struct {
	common
	Names bool
}

func listCommand(io *IO, runF func(*run, listOptions) error) *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "list accounts with their cache state and time left",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "names", Usage: "print only the names, one a line (for completion)"},
			minTTLFlag(), dirFlag(), configFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("list takes no arguments")
			}
			o, err := commonFrom(c, io)
			if err != nil {
				return err
			}
			return runF(newRun(io), listOptions{common: o, Names: c.Bool("names")})
		},
	}
}

func runList(r *run, o listOptions) error {
	res, err := r.resolver(o.common)
	if err != nil {
		return err
	}
	if o.Names {
		names, err := res.Names()
		if err != nil {
			r.warn("warning: " + err.Error())
		}
		for _, n := range names {
			r.out.WriteString(n)
			r.out.WriteByte('\n')
		}
		return r.flush()
	}
	l, err := res.List()
	if err != nil {
		return err
	}
	if l.ProfilesErr != nil {
		r.warn("warning: " + l.ProfilesErr.Error())
	}
	accounts, profiles := l.Accounts, l.Profiles
	if len(accounts)+len(profiles) == 0 {
		p := res.Paths()
		r.say("No accounts are set up yet: run 'awsenv add NAME' with an IAM user's access key (it writes %s and %s), or try 'awsenv sandbox'", p.CredDir, p.Accounts)
		return nil
	}
	now := r.now()
	state := func(c resolve.Cached) string {
		switch {
		case !c.Found:
			return "none"
		case c.Warning != "":
			r.warn(c.Warning) // of the entries shown, as Get would
			return "none"
		}
		return entryState(c.Expires.Sub(now), o.MinTTL)
	}
	var accountsTable, profilesTable table
	if len(accounts) > 0 {
		t := newTable(len(accounts), "ACCOUNT", "ID", "REGION", "MFA SESSION", "ROLES")
		for _, a := range accounts {
			roles := "-"
			if len(a.Roles) > 0 {
				roles = strings.Join(a.Roles, ",")
			}
			t.add(a.Name, dash(a.AccountID), dash(a.Region), state(a.Cached), roles)
		}
		accountsTable = t
	}
	if len(profiles) > 0 {
		t := newTable(len(profiles), "PROFILE", "KIND", "REGION", "CACHED", "SOURCE")
		for _, p := range profiles {
			t.add(p.Name, p.Kind, dash(p.Region), state(p.Cached), dash(p.Source))
		}
		profilesTable = t
	}
	r.out.Grow(accountsTable.size() + 1 + profilesTable.size())
	accountsTable.write(&r.out)
	if len(accounts) > 0 && len(profiles) > 0 {
		r.out.WriteString("\n")
	}
	profilesTable.write(&r.out)
	return r.flush()
}

// table is rows of cells, written in columns two spaces apart, as
// text/tabwriter lays them out (in a fraction of its time and memory for
// ten thousand rows): every column but the last as wide as its widest
// cell, in runes, and two.
type table struct {
	cells  []string // row after row
	widths []int
}

// newTable is a table with room for rows rows under the header.
func newTable(rows int, header ...string) table {
	t := table{cells: make([]string, 0, (rows+1)*len(header)), widths: make([]int, len(header))}
	t.add(header...)
	return t
}

func (t *table) add(row ...string) {
	for i, c := range row {
		c = printable(c)
		if i < len(row)-1 {
			t.widths[i] = max(t.widths[i], utf8.RuneCountInString(c))
		}
		t.cells = append(t.cells, c)
	}
}

// printable is s with every control or format character (C0, DEL, C1,
// bidirectional overrides, zero-width ones, line and paragraph
// separators) and every run of bytes that is not UTF-8 made "?": a region
// or source_profile in ~/.aws/config can hold a tab or an escape
// sequence, which must neither break the columns nor reach the terminal.
func printable(s string) string {
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

// size is about the bytes write writes (exactly, for ASCII).
func (t table) size() int {
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

func (t table) write(b *bytes.Buffer) {
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

// entryState says how a cache entry with remaining time stands against the margin.
func entryState(remaining, margin time.Duration) string {
	switch {
	case remaining > margin:
		return "valid, " + left(remaining) + " left"
	case remaining > 0:
		return "expiring, " + left(remaining) + " left"
	}
	return "expired"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
