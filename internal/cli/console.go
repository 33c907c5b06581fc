package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/console"
	"github.com/awsenv/awsenv/internal/creds"
	"github.com/awsenv/awsenv/internal/stsapi"
)

func consoleCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:      "console",
		Usage:     "print (or --open) an AWS console sign-in link for an account or one of its roles",
		ArgsUsage: "[NAME]",
		Description: "With --role, assumes the role with the long-lived keys (and an MFA code), so the console\n" +
			"session may last up to 12h; without, signs in as a federated user from GetFederationToken\n" +
			"with the IAM user's own permissions. MFA sessions and chained roles are never sent to the\n" +
			"sign-in endpoint: it refuses them. Endpoint: $AWSENV_SIGNIN_URL, else the partition's.\n" +
			"Example:  awsenv console work --role admin --open",
		Flags: []cli.Flag{
			roleFlag,
			&cli.StringFlag{Name: "destination", Usage: "console page to land on (default: the console home of the account's region)"},
			&cli.StringFlag{Name: "duration", Aliases: []string{"d"}, Value: "1h", Usage: "console session length, 15m to 12h"},
			&cli.StringFlag{Name: "issuer", Value: "awsenv", Usage: "issuer shown by the console (where to go when the session ends)"},
			&cli.BoolFlag{Name: "open", Usage: "open the link in the default browser instead of printing it"},
			sessionNameFlag, externalIDFlag, codeFlag, noMFAFlag, tmoFlag, dirFlag, cfgFlag,
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usagef("console takes at most one account NAME")
			}
			s, err := newSession(c, io)
			if err != nil {
				return err
			}
			name := c.Args().First()
			if name == "" {
				if name, err = s.current(c); err != nil {
					return err
				}
			}
			return s.runConsole(c, name)
		},
	}
}

func (s *session) runConsole(c *cli.Context, name string) error {
	acc, err := s.account(name, false)
	if err != nil {
		return err
	}
	dur, err := config.ParseDuration(c.String("duration"))
	if err != nil {
		return usagef("--duration: %v", err)
	}
	if dur < creds.MinRoleDuration || dur > creds.MaxRoleDuration {
		return fmt.Errorf("console session duration %s is out of bounds: the console allows 15m to 12h", dur)
	}
	dest := c.String("destination")
	if dest == "" {
		dest = console.DefaultDestination(acc.Partition, s.region(acc))
	} else if !strings.HasPrefix(dest, "https://") && !strings.HasPrefix(dest, "http://") {
		return usagef("--destination %q must be an https:// URL", dest)
	}
	endpoint, err := console.Endpoint(acc.Partition, s.getenv)
	if err != nil {
		return err
	}
	user, err := s.user(name)
	if err != nil {
		return err
	}
	ep, err := s.endpoint(c, s.region(acc))
	if err != nil {
		return err
	}
	// Always fresh credentials from the long-lived keys: the sign-in
	// endpoint refuses MFA sessions and chained roles, and only role
	// credentials made this way may ask for a SessionDuration.
	req := console.Request{Endpoint: endpoint, Issuer: c.String("issuer"), Destination: dest}
	var principal string
	if role := flagString(c, "role"); role != "" {
		roleARN, _, err := resolveRole(acc, role)
		if err != nil {
			return err
		}
		sessName := flagString(c, "session-name")
		if sessName == "" {
			sessName = user
		}
		if err := creds.CheckSessionName(sessName); err != nil {
			return err
		}
		p := &creds.AssumeRole{
			Source:   lazyKeys{s, name},
			Endpoint: ep,
			Input: stsapi.AssumeRoleInput{RoleARN: roleARN, SessionName: sessName, Duration: dur,
				ExternalID: flagString(c, "external-id")},
			Code: s.codeSource(c, acc, user).Get,
		}
		if !c.Bool("no-mfa") {
			p.MFASerial = acc.MFASerial(user)
		}
		cr, err := p.Retrieve(c.Context)
		if err != nil {
			return err
		}
		req.AccessKeyID, req.SecretAccessKey, req.SessionToken = cr.AccessKeyID, cr.SecretAccessKey, cr.SessionToken
		req.SessionDuration = dur
		principal = p.ARN()
	} else {
		fedName := user
		if len(fedName) > 32 {
			fedName = fedName[:32]
		}
		if err := creds.CheckSessionName(fedName); err != nil {
			return fmt.Errorf("the IAM user name %q cannot name a federated user: use --role", user)
		}
		p := &creds.Federation{Source: lazyKeys{s, name}, Endpoint: ep, Name: fedName, Duration: dur, Policy: creds.AllowAll}
		if _, err := (lazyKeys{s, name}).Retrieve(c.Context); err != nil {
			return err
		}
		cr, err := p.Retrieve(c.Context)
		if err != nil {
			return err
		}
		req.AccessKeyID, req.SecretAccessKey, req.SessionToken = cr.AccessKeyID, cr.SecretAccessKey, cr.SessionToken
		principal = p.ARN()
	}
	hc, err := ep.HTTPClient()
	if err != nil {
		return err
	}
	req.HTTP = hc
	ctx, cancel := context.WithTimeout(c.Context, ep.Timeout)
	defer cancel()
	link, err := console.Link(ctx, req)
	if err != nil {
		return err
	}
	if c.Bool("open") {
		if err := console.Open(c.Context, link, s.getenv, 2*time.Minute); err != nil {
			return err
		}
		s.say("Opened the AWS console as %s (session %s) in the browser", principal, left(dur))
		return nil
	}
	fmt.Fprintln(&s.out, link)
	if err := s.flush(); err != nil {
		return err
	}
	s.say("Console sign-in link for %s (session %s); it works once, within 15 minutes", principal, left(time.Duration(dur)))
	return nil
}
