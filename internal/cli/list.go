package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/config"
)

func listCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "list accounts with their cache state and time left",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "names", Usage: "print only the names, one a line (for completion)"},
			ttlFlag, dirFlag, cfgFlag,
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("list takes no arguments")
			}
			s, err := newSession(c, io)
			if err != nil {
				return err
			}
			return s.runList(c)
		},
	}
}

func (s *session) runList(c *cli.Context) error {
	names := s.knownNames()
	profiles := s.profileNames()
	if c.Bool("names") {
		for _, n := range append(names, profiles...) {
			fmt.Fprintln(&s.out, n)
		}
		return s.flush()
	}
	ttl, err := s.minTTL(c)
	if err != nil {
		return err
	}
	if len(names)+len(profiles) == 0 {
		s.say("No accounts: put NAME.access_key and NAME.secret_key in %s and list them in %s", s.paths.CredDir, s.paths.Accounts)
		return nil
	}
	now := s.now()
	state := func(key string) string {
		e := s.store.Get(key)
		if e == nil {
			return "none"
		}
		switch d := e.Remaining(now); {
		case d > ttl:
			return "valid, " + left(d) + " left"
		case d > 0:
			return "expiring, " + left(d) + " left"
		}
		return "expired"
	}
	tw := tabwriter.NewWriter(&s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tID\tREGION\tMFA SESSION\tROLES")
	for _, n := range names {
		acc := s.accounts.Get(n)
		if acc == nil {
			acc = &config.Account{Name: n}
		}
		id := acc.AccountID
		if id == "" {
			id = "-"
		}
		region := acc.Region
		if region == "" {
			region = "-"
		}
		roles := "-"
		if len(acc.RoleNames) > 0 {
			roles = strings.Join(acc.RoleNames, ",")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", n, id, region, state(sessionKey(n)), roles)
	}
	tw.Flush()
	if len(profiles) > 0 {
		if len(names) > 0 {
			s.out.WriteString("\n")
		}
		ps, _ := s.profiles()
		tw = tabwriter.NewWriter(&s.out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PROFILE\tKIND\tREGION\tCACHED\tSOURCE")
		for _, n := range profiles {
			p := ps.Get(n)
			key, src := profileKey(n), p.SourceProfile
			if p.Kind() == "keys" {
				key = profileKey(n, "session")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", n, p.Kind(), dash(p.Region), state(key), dash(src))
		}
		tw.Flush()
	}
	return s.flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// profileNames lists the profiles of ~/.aws/config and ~/.aws/credentials
// that are not accounts. A broken config file is reported as a warning:
// the accounts are still listed.
func (s *session) profileNames() []string {
	ps, err := s.profiles()
	if err != nil {
		s.warn("warning: " + err.Error())
		return nil
	}
	var out []string
	for _, n := range ps.Names() {
		if p, _ := s.profile(n); p != nil {
			out = append(out, n)
		}
	}
	return out
}
