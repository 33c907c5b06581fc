package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/console"
	"github.com/awsenv/awsenv/internal/creds"
	"github.com/awsenv/awsenv/internal/exports"
	"github.com/awsenv/awsenv/internal/prompt"
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

// consoleSource is what a sign-in link is made from: long-lived keys, and
// for a role its ARN and MFA device.
type consoleSource struct {
	keys      aws.CredentialsProvider
	roleARN   string
	serial    string
	sessName  string
	fedName   string
	region    string
	partition string
	code      prompt.Source
	external  string
}

// consoleFor works out the source for an account (with --role) or a profile.
func (s *session) consoleFor(c *cli.Context, name string) (*consoleSource, error) {
	if p, err := s.profile(name); err != nil {
		return nil, err
	} else if p != nil {
		return s.consoleForProfile(c, p)
	}
	acc, err := s.account(name, false)
	if err != nil {
		return nil, err
	}
	if acc.WebIdentity != nil {
		return nil, errNotForWebIdentity(name)
	}
	user, err := s.user(name)
	if err != nil {
		return nil, err
	}
	cs := &consoleSource{keys: lazyKeys{s, name}, fedName: user, region: s.region(acc), partition: acc.Partition,
		code: s.codeSource(c, acc, user)}
	if role := flagString(c, "role"); role != "" {
		if cs.roleARN, _, err = resolveRole(acc, role); err != nil {
			return nil, err
		}
		if !c.Bool("no-mfa") {
			cs.serial = acc.MFASerial(user)
		}
		cs.sessName = user
	}
	return cs, nil
}

// consoleForProfile: a keys profile signs in as a federated user; a role
// profile must be assumed straight from keys (one hop), since the sign-in
// endpoint refuses chained role credentials with a session duration.
func (s *session) consoleForProfile(c *cli.Context, p *config.Profile) (*consoleSource, error) {
	if flagString(c, "role") != "" {
		return nil, usagef("console --role works on accounts; for profile %s, name a role profile instead", p.Name)
	}
	ch, err := s.resolveChain(p.Name)
	if err != nil {
		return nil, err
	}
	if !ch.baseKeys || ch.base.SessionToken != "" || len(ch.roles) > 1 {
		return nil, fmt.Errorf("profile %q: a console link needs long-lived keys, or a role assumed straight from them; this profile's credentials are temporary or chained", p.Name)
	}
	b := ch.base
	cs := &consoleSource{
		keys:    creds.Static{Keys: config.Keys{AccessKeyID: b.AccessKeyID, SecretAccessKey: b.SecretAccessKey}},
		fedName: defaultSessionName(s.getenv), region: exports.ResolveRegion(p.Region, s.getenv), partition: "aws",
	}
	if len(ch.roles) == 1 {
		r := ch.roles[0]
		cs.roleARN, cs.serial, cs.sessName, cs.external = r.RoleARN, r.MFASerial, r.RoleSessionName, r.ExternalID
		if cs.sessName == "" {
			cs.sessName = defaultSessionName(s.getenv)
		}
		if part, _, ok := strings.Cut(strings.TrimPrefix(r.RoleARN, "arn:"), ":"); ok {
			cs.partition = part
		}
		if cs.serial != "" {
			cs.code = s.profileCode(c, r, cs.serial)
		}
	}
	return cs, nil
}

func (s *session) runConsole(c *cli.Context, name string) error {
	dur, err := config.ParseDuration(c.String("duration"))
	if err != nil {
		return usagef("--duration: %v", err)
	}
	if dur < creds.MinRoleDuration || dur > creds.MaxRoleDuration {
		return fmt.Errorf("console session duration %s is out of bounds: the console allows 15m to 12h", dur)
	}
	dest := c.String("destination")
	if dest != "" && !strings.HasPrefix(dest, "https://") && !strings.HasPrefix(dest, "http://") {
		return usagef("--destination %q must be an https:// URL", dest)
	}
	cs, err := s.consoleFor(c, name)
	if err != nil {
		return err
	}
	if x := flagString(c, "external-id"); x != "" {
		cs.external = x
	}
	if dest == "" {
		dest = console.DefaultDestination(cs.partition, cs.region)
	}
	endpoint, err := console.Endpoint(cs.partition, s.getenv)
	if err != nil {
		return err
	}
	ep, err := s.endpoint(c, cs.region)
	if err != nil {
		return err
	}
	if _, err := cs.keys.Retrieve(c.Context); err != nil {
		return err
	}
	// Always fresh credentials from the long-lived keys: the sign-in
	// endpoint refuses MFA sessions and chained roles, and only role
	// credentials made this way may ask for a SessionDuration.
	req := console.Request{Endpoint: endpoint, Issuer: c.String("issuer"), Destination: dest}
	var principal string
	var cr aws.Credentials
	if cs.roleARN != "" {
		if n := flagString(c, "session-name"); n != "" {
			cs.sessName = n
		}
		if err := creds.CheckSessionName(cs.sessName); err != nil {
			return err
		}
		p := &creds.AssumeRole{
			Source: cs.keys, Endpoint: ep, MFASerial: cs.serial, Code: cs.code.Get,
			Input: stsapi.AssumeRoleInput{RoleARN: cs.roleARN, SessionName: cs.sessName, Duration: dur,
				ExternalID: cs.external},
		}
		if cr, err = p.Retrieve(c.Context); err != nil {
			return err
		}
		req.SessionDuration = dur
		principal = p.ARN()
	} else {
		fedName := cs.fedName
		if len(fedName) > 32 {
			fedName = fedName[:32]
		}
		if err := creds.CheckSessionName(fedName); err != nil {
			return fmt.Errorf("the IAM user name %q cannot name a federated user: use --role", cs.fedName)
		}
		p := &creds.Federation{Source: cs.keys, Endpoint: ep, Name: fedName, Duration: dur, Policy: creds.AllowAll}
		if cr, err = p.Retrieve(c.Context); err != nil {
			return err
		}
		principal = p.ARN()
	}
	req.AccessKeyID, req.SecretAccessKey, req.SessionToken = cr.AccessKeyID, cr.SecretAccessKey, cr.SessionToken
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
	s.say("Console sign-in link for %s (session %s); it works once, within 15 minutes", principal, left(dur))
	return nil
}
