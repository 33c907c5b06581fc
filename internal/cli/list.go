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
	if c.Bool("names") {
		for _, n := range names {
			fmt.Fprintln(&s.out, n)
		}
		return s.flush()
	}
	ttl, err := s.minTTL(c)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		s.say("No accounts: put NAME.access_key and NAME.secret_key in %s and list them in %s", s.paths.CredDir, s.paths.Accounts)
		return nil
	}
	now := s.now()
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
		state := "none"
		if e := s.store.Get(sessionKey(n)); e != nil {
			switch d := e.Remaining(now); {
			case d > ttl:
				state = "valid, " + left(d) + " left"
			case d > 0:
				state = "expiring, " + left(d) + " left"
			default:
				state = "expired"
			}
		}
		roles := "-"
		if len(acc.RoleNames) > 0 {
			roles = strings.Join(acc.RoleNames, ",")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", n, id, region, state, roles)
	}
	tw.Flush()
	return s.flush()
}
