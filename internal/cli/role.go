package cli

import (
	"github.com/urfave/cli/v2"
)

var formatFlag = &cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "env", Usage: "env (shell statements), json, credentials (an INI profile) or process (credential_process JSON)"}

func roleCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:      "role",
		Usage:     "assume a role of the current account and print its credentials",
		ArgsUsage: "ROLE",
		Description: "ROLE is a name from the account's roles, a role name in the account, or a role ARN.\n" +
			"Uses the cached MFA session while it is valid (STS then caps the role at 1h), else the\n" +
			"long-lived keys with an MFA code (up to 12h). Role credentials are cached per account and role.\n" +
			"Examples:  ec2role admin    awsenv role admin --account work --duration 2h --no-session --format json",
		Flags: []cli.Flag{accFlag, formatFlag, durationFlag, sessionNameFlag, externalIDFlag, codeFlag,
			noSessionFlag, noMFAFlag, forceFlag, shFlag, ttlFlag, tmoFlag, dirFlag, cfgFlag},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("role needs one ROLE: a name from the account's roles, a role name or a role ARN")
			}
			format := c.String("format")
			if err := checkFormat(format, "env", "json", "credentials", "process"); err != nil {
				return err
			}
			s, err := newSession(c, io)
			if err != nil {
				return err
			}
			name, err := s.current(c)
			if err != nil {
				return err
			}
			sh, err := s.shell(c)
			if err != nil {
				return err
			}
			var g *got
			if p, perr := s.profile(name); perr != nil {
				return perr
			} else if p != nil {
				g, err = s.profileRole(c, p, c.Args().First())
			} else {
				g, err = s.assumeRole(c, name, c.Args().First())
			}
			if err != nil {
				return err
			}
			if g.hit {
				s.say("Cache is valid for role %s", g.label)
			}
			if err := s.print(format, sh, g); err != nil {
				return err
			}
			valid := left(g.creds.Expiration.Sub(s.now()))
			if format == "env" {
				s.say("Set keys for %s AWS account (%s, valid for %s)", g.label, g.arn, valid)
			} else {
				s.say("Credentials for %s (%s), valid for %s", g.label, g.arn, valid)
			}
			return nil
		},
	}
}
