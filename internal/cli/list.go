package cli

import (
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/render"
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
	var accountsTable, profilesTable render.Table
	if len(accounts) > 0 {
		t := render.NewTable(len(accounts), "ACCOUNT", "ID", "REGION", "MFA SESSION", "ROLES")
		for _, a := range accounts {
			roles := "-"
			if len(a.Roles) > 0 {
				roles = strings.Join(a.Roles, ",")
			}
			t.Add(a.Name, dash(a.AccountID), dash(a.Region), state(a.Cached), roles)
		}
		accountsTable = t
	}
	if len(profiles) > 0 {
		t := render.NewTable(len(profiles), "PROFILE", "KIND", "REGION", "CACHED", "SOURCE")
		for _, p := range profiles {
			t.Add(p.Name, p.Kind, dash(p.Region), state(p.Cached), dash(p.Source))
		}
		profilesTable = t
	}
	r.out.Grow(accountsTable.Size() + 1 + profilesTable.Size())
	accountsTable.Write(&r.out)
	if len(accounts) > 0 && len(profiles) > 0 {
		r.out.WriteString("\n")
	}
	profilesTable.Write(&r.out)
	return r.flush()
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
