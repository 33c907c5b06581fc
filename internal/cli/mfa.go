package cli

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/resolve"
)

// mfaOptions are mfa's command line.
type mfaOptions struct {
	common
	Account string
	Request resolve.Request
}

func mfaCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:  "mfa",
		Usage: "start an MFA session for the current account and print its statements",
		Description: "Reuses a valid cached session without asking for a code. Otherwise takes the code from\n" +
			"--code, from the account's mfa_process or $AWSENV_MFA_PROCESS, or asks on the terminal,\n" +
			"calls STS GetSessionToken once and caches the session for every shell.",
		Flags: []cli.Flag{accountFlag(), codeFlag(), sessionDurationFlag(), forceFlag(), shellFlag(), printFlag(), minTTLFlag(), timeoutFlag(), dirFlag(), configFlag()},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("mfa takes no arguments (got %q): use --account NAME", c.Args().First())
			}
			o, req, err := chainOptionsFrom(c, io, resolve.MFA)
			if err != nil {
				return err
			}
			return runMFA(c.Context, newRun(io), mfaOptions{common: o, Account: c.String("account"), Request: req})
		},
	}
}

func runMFA(ctx context.Context, r *run, o mfaOptions) error {
	got, err := r.resolveName(ctx, o.common, "", o.Account, "pass --account NAME", o.Request)
	if err != nil {
		return err
	}
	if got.Hit {
		r.say("Cache is valid for account %s", got.Plan.Name)
	}
	if shown, err := r.print("env", got, o.common, "ec2mfa", "mfa --account "+got.Plan.Name); err != nil || !shown || r.served {
		return err
	}
	exp := got.Creds.Expires
	r.say("Set keys for %s AWS account (session valid for %s, until %s)", got.Label, left(exp.Sub(r.now())), exp.Local().Format("15:04 MST"))
	return nil
}
