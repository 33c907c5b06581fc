package cli

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/resolve"
)

// ssoOptions are the sso subcommands' command line.
type ssoOptions struct {
	common
	Name  string
	Force bool
	// populate
	Template, Region string
	Prune            bool
}

func deviceCodeFlag() cli.Flag {
	return &cli.BoolFlag{Name: "device-code", Usage: "IAM Identity Center: log in with a device code instead of the browser (chosen by itself where no browser can open)"}
}

func ssoCommand(io *IO) *cli.Command {
	common := func() []cli.Flag { return []cli.Flag{timeoutFlag(), dirFlag(), configFlag()} }
	parse := func(c *cli.Context) (ssoOptions, error) {
		if c.NArg() > 1 {
			return ssoOptions{}, usagef("sso %s takes at most one NAME (an sso-session or a profile)", c.Command.Name)
		}
		if c.Command.Name == "populate" && c.NArg() == 0 {
			return ssoOptions{}, usagef("sso populate needs the sso-session NAME")
		}
		o, err := commonFrom(c, io)
		if err != nil {
			return ssoOptions{}, err
		}
		so := ssoOptions{common: o, Name: c.Args().First()}
		if has(c, "force") {
			so.Force = c.Bool("force")
		}
		so.Template, so.Region, so.Prune = str(c, "template"), str(c, "region"), has(c, "prune") && c.Bool("prune")
		return so, nil
	}
	// action parses a subcommand's line, finds the session it names and
	// runs it.
	action := func(runSub func(context.Context, *run, ssoOptions, ssoTarget) error) cli.ActionFunc {
		return func(c *cli.Context) error {
			o, err := parse(c)
			if err != nil {
				return err
			}
			r := newRun(io)
			res, err := r.resolver(o.common)
			if err != nil {
				return err
			}
			sess, err := res.SSOSession(o.Name)
			if err != nil {
				return err
			}
			return runSub(c.Context, r, o, ssoTarget{res: res, sess: sess})
		}
	}
	return &cli.Command{
		Name:  "sso",
		Usage: "IAM Identity Center: log in, log out, write a profile for every role you can reach",
		Description: "The login is shared with the AWS CLI and the SDKs (~/.aws/sso/cache, their format), and\n" +
			"renewed with its refresh token before any new login. 'ec2switch PROFILE' logs in by itself\n" +
			"when an SSO profile needs it.",
		Subcommands: []*cli.Command{{
			Name:      "login",
			Usage:     "log in to an IAM Identity Center session (default: the only one, or the current profile's)",
			ArgsUsage: "[SESSION|PROFILE]",
			Flags:     append([]cli.Flag{deviceCodeFlag(), &cli.BoolFlag{Name: "open", Usage: "open the browser even where awsenv would not"}, &cli.BoolFlag{Name: "force", Usage: "log in even with a valid login"}}, common()...),
			Action:    action(runSSOLogin),
		}, {
			Name:      "logout",
			Usage:     "end an IAM Identity Center session and delete its cached login",
			ArgsUsage: "[SESSION|PROFILE]",
			Flags:     common(),
			Action:    action(runSSOLogout),
		}, {
			Name:      "populate",
			Usage:     "write a profile into ~/.aws/config for every account and role the session can reach",
			ArgsUsage: "SESSION",
			Description: "The profiles go into a block of their own in $AWS_CONFIG_FILE or ~/.aws/config; every other\n" +
				"byte stays, and running it again replaces only the block. --template names them from\n" +
				"{account_name}, {account_id}, {role_name} and {session} (default {account_name}-{role_name}).",
			Flags: append([]cli.Flag{
				&cli.StringFlag{Name: "template", Value: "{account_name}-{role_name}", Usage: "how the profiles are named"},
				&cli.StringFlag{Name: "region", Usage: "region for the profiles (default: none, the session's own region is not assumed)"},
				&cli.BoolFlag{Name: "prune", Usage: "remove the profiles an earlier populate wrote that no longer exist"},
				deviceCodeFlag(),
			}, common()...),
			Action: action(runSSOPopulate),
		}},
	}
}

// ssoTarget is the session a subcommand works on, and the resolver that
// found it.
type ssoTarget struct {
	res  *resolve.Resolver
	sess resolve.SSOSessionInfo
}

func runSSOLogin(ctx context.Context, r *run, o ssoOptions, t ssoTarget) error {
	tok, err := t.res.SSOLogin(ctx, t.sess, o.Force)
	if err != nil {
		return err
	}
	r.say("Logged in to %s (valid until %s)", t.sess.StartURL, tok.ExpiresAt.Local().Format("15:04 MST"))
	return nil
}

func runSSOLogout(ctx context.Context, r *run, _ ssoOptions, t ssoTarget) error {
	if err := t.res.SSOLogout(ctx, t.sess); err != nil {
		return err
	}
	r.say("Logged out of %s", t.sess.StartURL)
	return nil
}

func runSSOPopulate(ctx context.Context, r *run, o ssoOptions, t ssoTarget) error {
	if t.sess.Name == "" {
		return usagef("sso populate needs an [sso-session] section: %q is a legacy profile", o.Name)
	}
	out, err := t.res.SSOPopulate(ctx, t.sess, resolve.SSOPopulate{Template: o.Template, Region: o.Region, Prune: o.Prune})
	if err != nil {
		return err
	}
	for _, n := range out.Skipped {
		r.warn("warning: skipped profile " + n + ": a profile of that name is already in " + out.ConfigFile)
	}
	r.say("Wrote %d profiles of %d accounts into %s (%d kept from before, %d removed)", out.Written, out.Accounts, out.ConfigFile, out.Kept, out.Removed)
	return nil
}
