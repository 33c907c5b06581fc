package cli

import (
	"context"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/render"
	"github.com/awsenv/awsenv/internal/resolve"
)

// switchOptions are switch's command line.
type switchOptions struct {
	common
	Name  string
	Serve bool // serve the credentials from a shell-tied local server
}

// switchCommand is switch's command line; runF runs it (runSwitch, or a
// test's recorder: option parsing is tested alone).
func switchCommand(io *IO, runF func(context.Context, *run, switchOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "switch",
		Usage:     "print the statements that switch the shell to an account (no network call)",
		ArgsUsage: "[NAME]",
		Description: "Uses the account's cached MFA session while it is valid, else its long-lived keys.\n" +
			"NAME may also be a profile of ~/.aws/config: a role profile is assumed (and cached),\n" +
			"asking for an MFA code when it needs one. Without NAME, lists the possible accounts.\n" +
			"Normally run through the ec2switch wrapper.",
		Flags: []cli.Flag{shellFlag(), printFlag(), minTTLFlag(), codeFlag(), timeoutFlag(),
			&cli.BoolFlag{Name: "open", Usage: "identity-provider logins: open the login page in the browser"},
			deviceCodeFlag(),
			&cli.BoolFlag{Name: "serve", Usage: "export a local credential server's address instead of fixed credentials: it renews them (roles from the MFA session) for the tools of this shell, and ends with it"},
			dirFlag(), configFlag()},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usagef("switch takes one account name, got %d arguments", c.NArg())
			}
			o, err := commonFrom(c, io)
			if err != nil {
				return err
			}
			return runF(c.Context, newRun(io), switchOptions{common: o, Name: c.Args().First(), Serve: c.Bool("serve")})
		},
	}
}

// renewable says until when served credentials renew without a person.
func renewable(rn resolve.Renewal, now time.Time) string {
	switch {
	case rn.While != "":
		return "; it renews them without a person while " + rn.While + ", then run " + rn.Then
	case rn.Until.IsZero():
		return "; it renews them for as long as this shell runs"
	case !rn.Until.After(now):
		return "; it cannot renew them without a person: run " + rn.Then
	}
	return "; it renews them without a person until " + rn.Until.Local().Format("15:04 MST") + " (" + left(rn.Until.Sub(now)) + "), then run " + rn.Then
}

func runSwitch(ctx context.Context, r *run, o switchOptions) error {
	res, err := r.resolver(o.common)
	if err != nil {
		return err
	}
	if o.Name == "" {
		names := res.AccountNames()
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
	p := got.Plan
	if o.Serve {
		_, err := r.serve(got, o.common, "ec2switch "+o.Name+" --serve", "switch "+o.Name+" --serve")
		return err
	}
	served := stopServed(r) // fixed credentials replace the shell's server
	out := output(got, o.common)
	if err := render.Statements(&r.out, o.Shell, render.Changes(render.Target{Account: out.Account, Label: out.Label, Region: out.Region, Unserve: served}, out.Creds)); err != nil {
		return err
	}
	// Messages wait until the statements are ready: a failed run says one
	// line, the error.
	what, tail := p.Noun(), ""
	if p.ShowsLifetime() {
		tail = validFor(got, r.now())
	}
	switch {
	case got.Hit:
		r.say("Cache is valid for %s %s", what, o.Name)
	case p.OnAccountKeys():
		r.say("Cache invalid or not present for account %s", o.Name)
	}
	if shown, err := r.statements(o.common, "ec2switch "+o.Name, "switch "+o.Name); err != nil || !shown {
		return err
	}
	r.say("Set keys for %s AWS %s%s", got.Label, what, tail)
	return nil
}
