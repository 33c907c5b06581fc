package cli

import (
	"context"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/render"
	"github.com/awsenv/awsenv/internal/resolve"
)

// switchOptions are switch's command line.
type switchOptions struct {
	common
	Name string
}

func switchCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:      "switch",
		Usage:     "print the statements that switch the shell to an account (no network call)",
		ArgsUsage: "[NAME]",
		Description: "Uses the account's cached MFA session while it is valid, else its long-lived keys.\n" +
			"NAME may also be a profile of ~/.aws/config: a role profile is assumed (and cached),\n" +
			"asking for an MFA code when it needs one. Without NAME, lists the possible accounts.\n" +
			"Normally run through the ec2switch wrapper.",
		Flags: []cli.Flag{shellFlag(), printFlag(), minTTLFlag(), codeFlag(), timeoutFlag(),
			&cli.BoolFlag{Name: "open", Usage: "identity-provider logins: open the login page in the browser"}, dirFlag(), configFlag()},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usagef("switch takes one account name, got %d arguments", c.NArg())
			}
			o, err := commonFrom(c, io)
			if err != nil {
				return err
			}
			return runSwitch(c.Context, newRun(io), switchOptions{common: o, Name: c.Args().First()})
		},
	}
}

func runSwitch(ctx context.Context, r *run, o switchOptions) error {
	res, err := r.resolver(o.common)
	if err != nil {
		return err
	}
	if o.Name == "" {
		names := res.Env.AccountNames()
		if len(names) == 0 {
			r.say("No accounts are set up yet: run 'awsenv add NAME' with an IAM user's access key, or try 'awsenv sandbox'")
			return nil
		}
		r.say("Possible accounts: %s", strings.Join(names, " "))
		return nil
	}
	got, err := res.Resolve(ctx, o.Name, resolve.Request{Purpose: resolve.Switch})
	if err != nil {
		return err
	}
	if err := render.Write(&r.out, "env", output(got, o.common)); err != nil {
		return err
	}
	// Messages wait until the statements are ready: a failed run says one
	// line, the error.
	p := got.Plan
	what, tail := "account", ""
	if p.Scope == cache.ScopeProfile {
		what = "profile"
	}
	if p.Scope == cache.ScopeProfile || p.Steps[0].Kind == resolve.WebIdentity {
		tail = validFor(got, r.now())
	}
	switch {
	case got.Hit:
		r.say("Cache is valid for %s %s", what, o.Name)
	case p.Scope == cache.ScopeAccount && p.Steps[0].Kind == resolve.KeyFiles:
		r.say("Cache invalid or not present for account %s", o.Name)
	}
	if shown, err := r.statements(o.common, "ec2switch "+o.Name, "switch "+o.Name); err != nil || !shown {
		return err
	}
	r.say("Set keys for %s AWS %s%s", got.Label, what, tail)
	return nil
}
