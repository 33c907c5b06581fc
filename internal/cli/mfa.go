package cli

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/creds"
	"github.com/awsenv/awsenv/internal/exports"
)

var (
	codeFlag     = &cli.StringFlag{Name: "code", Usage: "the 6-digit MFA code (default: run mfa_process / $AWSENV_MFA_PROCESS, else ask on the terminal)"}
	durationFlag = &cli.StringFlag{Name: "duration", Aliases: []string{"d"}, Usage: "session length, 15m to 36h (default: the account's session_duration, else 12h)"}
)

func mfaCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:  "mfa",
		Usage: "start an MFA session for the current account and print its statements",
		Description: "Reuses a valid cached session without asking for a code. Otherwise takes the code from\n" +
			"--code, from the account's mfa_process or $AWSENV_MFA_PROCESS, or asks on the terminal,\n" +
			"calls STS GetSessionToken once and caches the session for every shell.",
		Flags: []cli.Flag{accFlag, codeFlag, durationFlag, forceFlag, shFlag, ttlFlag, tmoFlag, dirFlag, cfgFlag},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("mfa takes no arguments (got %q): use --account NAME", c.Args().First())
			}
			s, err := newSession(c, io)
			if err != nil {
				return err
			}
			return s.runMFA(c)
		},
	}
}

func (s *session) runMFA(c *cli.Context) error {
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
		g, err = s.profileCreds(c, p, true)
	} else {
		g, err = s.mfaSession(c, name)
	}
	if err != nil {
		return err
	}
	if g.hit {
		s.say("Cache is valid for account %s", name)
	}
	if err := s.emit(sh, exports.Changes(g.target(s), g.creds)); err != nil {
		return err
	}
	if err := s.flush(); err != nil {
		return err
	}
	s.say("Set keys for %s AWS account (session valid for %s, until %s)", g.label,
		left(g.creds.Expiration.Sub(s.now())), g.creds.Expiration.Local().Format("15:04 MST"))
	return nil
}

func (s *session) sessionDuration(c *cli.Context, acc *config.Account) (time.Duration, error) {
	d := creds.DefaultSessionDuration
	if acc.SessionDuration != 0 {
		d = acc.SessionDuration
	}
	if v := c.String("duration"); v != "" {
		var err error
		if d, err = config.ParseDuration(v); err != nil {
			return 0, usagef("--duration: %v", err)
		}
	}
	if err := creds.CheckSessionDuration(d); err != nil {
		return 0, err
	}
	return d, nil
}

// lazyKeys reads an account's key files only when credentials are needed,
// so a cache hit works even while the key files are being rotated.
type lazyKeys struct {
	s    *session
	name string
}

func (l lazyKeys) Retrieve(ctx context.Context) (aws.Credentials, error) {
	k, err := l.s.keys(l.name)
	if err != nil {
		return aws.Credentials{}, err
	}
	return creds.Static{Keys: k}.Retrieve(ctx)
}
