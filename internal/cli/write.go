package cli

import (
	"context"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/credfile"
)

func writeCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:      "write",
		Usage:     "write temporary credentials into a profile of ~/.aws/credentials",
		ArgsUsage: "PROFILE [NAME]",
		Description: "Writes the MFA session of account NAME (default: the current account), or with --role\n" +
			"the role's credentials, into PROFILE of $AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials.\n" +
			"Every other profile and comment stays as it was; the file is replaced atomically, mode 600.\n" +
			"Example:  awsenv write work-admin work --role admin    then    aws --profile work-admin ...",
		Flags: []cli.Flag{roleFlag, durationFlag, sessionNameFlag, externalIDFlag, codeFlag,
			noMFAFlag, forceFlag, ttlFlag, tmoFlag, dirFlag, cfgFlag,
			&cli.BoolFlag{Name: "no-session", Usage: "with --role: don't use the cached MFA session (see role)"}},
		Action: func(c *cli.Context) error {
			if c.NArg() < 1 || c.NArg() > 2 {
				return usagef("write needs a PROFILE and optionally an account NAME")
			}
			profile := c.Args().Get(0)
			if err := credfile.CheckProfile(profile); err != nil {
				return usagef("%v", err)
			}
			s, err := newSession(c, io)
			if err != nil {
				return err
			}
			name := c.Args().Get(1)
			if name == "" {
				if name, err = s.current(c); err != nil {
					return err
				}
			}
			path, err := credfile.Path(s.getenv)
			if err != nil {
				return err
			}
			g, err := s.obtain(c, name)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(c.Context, time.Minute)
			defer cancel()
			err = credfile.Update(ctx, path, profile, credfile.Values{
				AccessKeyID: g.creds.AccessKeyID, SecretAccessKey: g.creds.SecretAccessKey,
				SessionToken: g.creds.Token, Expiration: g.creds.Expiration,
			})
			if err != nil {
				return err
			}
			s.say("Wrote %s credentials to profile %s of %s (valid for %s)", g.label, profile, path, left(g.creds.Expiration.Sub(s.now())))
			return nil
		},
	}
}
