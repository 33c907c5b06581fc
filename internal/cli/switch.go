package cli

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/pick"
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
			"asking for an MFA code when it needs one. Without NAME, at a terminal, a picker of the\n" +
			"accounts and profiles (type to filter, arrows and Enter, Esc to leave); otherwise the names.\n" +
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
		const none = "No accounts are set up yet: run 'awsenv add NAME' with an IAM user's access key, or try 'awsenv sandbox'"
		screen, closeScreen, err := r.picker()
		if err != nil {
			names := res.AccountNames()
			if len(names) == 0 {
				r.say(none)
				return nil
			}
			r.say("Possible accounts: %s", strings.Join(names, " "))
			return nil
		}
		// The picker offers the profiles of ~/.aws/config too.
		o.Name, err = pickName(screen, res, o, r.now())
		closeScreen()
		if err != nil {
			return err
		}
		if o.Name == "" {
			r.say(none)
			return nil
		}
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
	if err := render.Statements(&r.out, o.Shell, render.Changes(render.Target{Account: out.Account, Label: out.Label, Region: out.Region, Unserve: served, Login: out.Login}, out.Creds)); err != nil {
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

// pickName lets the person choose an account or profile on the terminal:
// what list shows of each, filtered as they type. It is "" when there is
// nothing to choose from.
func pickName(screen pick.Screen, res *resolve.Resolver, o switchOptions, now time.Time) (string, error) {
	l, err := res.List()
	if err != nil {
		return "", err
	}
	state := func(c resolve.Cached) string {
		if !c.Found || c.Warning != "" {
			return "-"
		}
		return entryState(c.Expires.Sub(now), o.MinTTL)
	}
	rows := make([]pick.Row, 0, len(l.Accounts)+len(l.Profiles))
	for _, a := range l.Accounts {
		rows = append(rows, pick.Row{Value: a.Name, Cells: []string{a.Name, dash(a.AccountID), dash(a.Region), state(a.Cached)},
			Match: a.Name + " " + a.AccountID})
	}
	for _, p := range l.Profiles {
		rows = append(rows, pick.Row{Value: p.Name, Cells: []string{p.Name, "profile (" + p.Kind + ")", dash(p.Region), state(p.Cached)},
			Match: p.Name})
	}
	if len(rows) == 0 {
		return "", nil
	}
	name, err := pick.Choose(screen, "switch to> ", []string{"NAME", "ACCOUNT", "REGION", "SESSION"}, rows)
	if errors.Is(err, pick.ErrCancelled) {
		return "", errors.New("nothing chosen: the shell keeps its credentials")
	}
	return name, err
}
