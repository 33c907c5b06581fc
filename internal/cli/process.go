package cli

import (
	"github.com/urfave/cli/v2"
)

func processCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:      "process",
		Usage:     "print credential_process JSON for an account (its MFA session) or one of its roles",
		ArgsUsage: "NAME",
		Description: "For ~/.aws/config:\n" +
			"    [profile work]\n" +
			"    credential_process = awsenv process work\n" +
			"    [profile work-admin]\n" +
			"    credential_process = awsenv process work --role admin\n" +
			"Reuses and refreshes the cache; asks for the MFA code on the terminal when one is needed.",
		Flags: []cli.Flag{roleFlag, durationFlag, sessionNameFlag, externalIDFlag, codeFlag,
			noSessionFlag, noMFAFlag, forceFlag, ttlFlag, tmoFlag, dirFlag, cfgFlag},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("process needs one account NAME")
			}
			s, err := newSession(c, io)
			if err != nil {
				return err
			}
			g, err := s.obtain(c, c.Args().First())
			if err != nil {
				return err
			}
			if err := s.writeJSON(processJSON(g)); err != nil {
				return err
			}
			return s.flush()
		},
	}
}
