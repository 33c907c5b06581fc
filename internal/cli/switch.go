package cli

import (
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/creds"
	"github.com/awsenv/awsenv/internal/exports"
	"github.com/awsenv/awsenv/internal/shellenv"
)

func switchCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:      "switch",
		Usage:     "print the statements that switch the shell to an account (no network call)",
		ArgsUsage: "[NAME]",
		Description: "Uses the account's cached MFA session while it is valid, else its long-lived keys.\n" +
			"NAME may also be a profile of ~/.aws/config: a role profile is assumed (and cached),\n" +
			"asking for an MFA code when it needs one. Without NAME, lists the possible accounts.\n" +
			"Normally run through the ec2switch wrapper.",
		Flags: []cli.Flag{shFlag, ttlFlag, codeFlag, tmoFlag, &cli.BoolFlag{Name: "open", Usage: "web identity accounts: open the login page in the browser"}, dirFlag, cfgFlag},
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
	if p, err := s.profile(name); err != nil {
		return err
	} else if p != nil {
		return s.switchProfile(c, sh, p)
	}
	acc, err := s.account(name, true)
	if err != nil {
		return err
	}
	if acc.WebIdentity != nil {
		return s.switchWebIdentity(c, sh, acc)
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

// switchProfile switches to a profile of ~/.aws/config: its keys (or their
// cached MFA session), or its role, assumed now if the cache has none.
func (s *session) switchProfile(c *cli.Context, sh shellenv.Shell, p *config.Profile) error {
	g, err := s.profileCreds(c, p, false)
	if err != nil {
		return err
	}
	if err := s.emit(sh, exports.Changes(g.target(s), g.creds)); err != nil {
		return err
	}
	if g.hit {
		s.say("Cache is valid for profile %s", p.Name)
	}
	if err := s.flush(); err != nil {
		return err
	}
	s.say("Set keys for %s AWS profile%s", g.label, validFor(g, s.now()))
	return nil
}

func validFor(g *got, now time.Time) string {
	if g.creds.Expiration.IsZero() {
		return ""
	}
	return " (valid for " + left(g.creds.Expiration.Sub(now)) + ")"
}

// switchWebIdentity switches to an account that logs in through its
// identity provider: the cached credentials, or a login now.
func (s *session) switchWebIdentity(c *cli.Context, sh shellenv.Shell, acc *config.Account) error {
	g, err := s.webIdentityAccount(c, acc)
	if err != nil {
		return err
	}
	if err := s.emit(sh, exports.Changes(g.target(s), g.creds)); err != nil {
		return err
	}
	if g.hit {
		s.say("Cache is valid for account %s", acc.Name)
	}
	if err := s.flush(); err != nil {
		return err
	}
	s.say("Set keys for %s AWS account%s", g.label, validFor(g, s.now()))
	return nil
}
