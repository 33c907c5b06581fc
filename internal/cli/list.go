package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/config"
)

// listOptions are list's command line.
type listOptions struct {
	common
	Names bool
}

func listCommand(io *IO) *cli.Command {
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
			return runList(newRun(io), listOptions{common: o, Names: c.Bool("names")})
		},
	}
}

func runList(r *run, o listOptions) error {
	res, err := r.resolver(o.common)
	if err != nil {
		return err
	}
	env := res.Env
	names := env.AccountNames()
	// A broken config file is a warning: the accounts are still listed.
	profiles, err := env.ProfileNames()
	if err != nil {
		r.warn("warning: " + err.Error())
	}
	if o.Names {
		for _, n := range append(names, profiles...) {
			fmt.Fprintln(&r.out, n)
		}
		return r.flush()
	}
	if len(names)+len(profiles) == 0 {
		r.say("No accounts are set up yet: run 'awsenv add NAME' with an IAM user's access key (it writes %s and %s), or try 'awsenv sandbox'", env.Paths.CredDir, env.Paths.Accounts)
		return nil
	}
	store, now := res.Builder.Store, r.now()
	// One listing of the cache directory: most names have no entry, and
	// asking for each would be one failed open per name.
	cached := map[string]bool{}
	for _, k := range store.Keys() {
		cached[k.String()] = true
	}
	state := func(key cache.Key) string {
		if !cached[key.String()] {
			return "none"
		}
		e := store.Get(key)
		if e == nil {
			return "none"
		}
		return entryState(e.Remaining(now), o.MinTTL)
	}
	tw := tabwriter.NewWriter(&r.out, 0, 4, 2, ' ', 0)
	if len(names) > 0 {
		fmt.Fprintln(tw, "ACCOUNT\tID\tREGION\tMFA SESSION\tROLES")
	}
	for _, n := range names {
		acc := env.Accounts.Get(n)
		if acc == nil {
			acc = &config.Account{Name: n}
		}
		roles := "-"
		if len(acc.RoleNames) > 0 {
			roles = strings.Join(acc.RoleNames, ",")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", n, dash(acc.AccountID), dash(acc.Region), state(cache.AccountSession(n)), roles)
	}
	tw.Flush()
	if len(profiles) > 0 {
		if len(names) > 0 {
			r.out.WriteString("\n")
		}
		ps, _ := env.Profiles()
		tw = tabwriter.NewWriter(&r.out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PROFILE\tKIND\tREGION\tCACHED\tSOURCE")
		for _, n := range profiles {
			p := ps.Get(n)
			key := cache.Key{Scope: cache.ScopeProfile, Name: n, Kind: cache.KindOwn}
			if p.Kind() == "keys" {
				key.Kind = cache.KindSession
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", n, p.Kind(), dash(p.Region), state(key), dash(p.SourceProfile))
		}
		tw.Flush()
	}
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
