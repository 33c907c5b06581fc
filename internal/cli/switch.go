package cli

import (
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/creds"
	"github.com/awsenv/awsenv/internal/exports"
)

func switchCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:      "switch",
		Usage:     "print the statements that switch the shell to an account (no network call)",
		ArgsUsage: "[NAME]",
		Description: "Uses the account's cached MFA session while it is valid, else its long-lived keys.\n" +
			"Without NAME, lists the possible accounts. Normally run through the ec2switch wrapper.",
		Flags: []cli.Flag{shFlag, ttlFlag, dirFlag, cfgFlag},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usagef("switch takes one account name, got %d arguments", c.NArg())
			}
			s, err := newSession(c, io)
			if err != nil {
				return err
			}
			return s.runSwitch(c, c.Args().First())
		},
	}
}

func (s *session) runSwitch(c *cli.Context, name string) error {
	if name == "" {
		s.say("Possible accounts: %s", strings.Join(s.knownNames(), " "))
		return nil
	}
	sh, err := s.shell(c)
	if err != nil {
		return err
	}
	ttl, err := s.minTTL(c)
	if err != nil {
		return err
	}
	acc, err := s.account(name, true)
	if err != nil {
		return err
	}
	target := exports.Target{Account: name, Label: name, Region: s.region(acc)}
	cached := &creds.Cached{Store: s.store, Key: sessionKey(name), MinTTL: ttl, Now: s.now}
	// Messages wait until the statements are ready: a failed run says one
	// line, the error.
	var state string
	if e := cached.Lookup(); e != nil {
		state = "Cache is valid for account %s"
		target.Label = name + "-MFA-STS"
		if err := s.emit(sh, exports.Changes(target, credsOf(e))); err != nil {
			return err
		}
	} else {
		state = "Cache invalid or not present for account %s"
		keys, err := s.keys(name)
		if err != nil {
			return err
		}
		ch := exports.Changes(target, exports.Creds{AccessKeyID: keys.AccessKeyID, SecretAccessKey: keys.SecretAccessKey})
		if err := s.emit(sh, ch); err != nil {
			return err
		}
	}
	s.say(state, name)
	if err := s.flush(); err != nil {
		return err
	}
	s.say("Set keys for %s AWS account", target.Label)
	return nil
}
