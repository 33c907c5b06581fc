package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/resolve"
)

// processOptions are process's command line.
type processOptions struct {
	common
	Name    string
	Request resolve.Request
}

func processCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:      "process",
		Usage:     "print credential_process JSON for an account (its MFA session) or one of its roles",
		ArgsUsage: "NAME",
		Description: "For ~/.aws/config:\n" +
			"    [profile work]\n" +
			"    credential_process = awsenv process work\n" +
			"    [profile work-admin]\n" +
			"    credential_process = awsenv process work --role admin\n" +
			"Reuses and refreshes the cache; asks for the MFA code on the terminal when one is needed.",
		Flags: chainFlags(),
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("process needs one account NAME")
			}
			o, req, err := chainOptionsFrom(c, io, resolve.Use)
			if err != nil {
				return err
			}
			return runProcess(c.Context, newRun(io), processOptions{common: o, Name: c.Args().First(), Request: req})
		},
	}
}

func runProcess(ctx context.Context, r *run, o processOptions) error {
	res, err := r.resolver(o.common)
	if err != nil {
		return err
	}
	plan, err := res.Plan(o.Name, o.Request)
	if err != nil {
		return err
	}
	if d := plan.Last().Duration; d > 0 && o.MinTTL >= d {
		return usagef("--min-ttl %s is not shorter than the credentials live (%s): every run would call sts; use a smaller --min-ttl", o.MinTTL, d)
	}
	// No code can be had here (the SDKs run credential_process without a
	// terminal): the resolver uses the cached credentials until they end,
	// and warns inside --min-ttl.
	got, err := res.Run(ctx, plan)
	if err != nil {
		return err
	}
	if until := got.Creds.Expires.Sub(r.now()); got.Creds.CanExpire && until < 15*time.Minute && until > o.MinTTL {
		// botocore refreshes a credential_process 15 minutes early.
		r.warn(fmt.Sprintf("warning: the credentials of %s expire in %s: run ec2mfa (or ec2switch %s) for new ones", o.Name, left(until), o.Name))
	}
	_, err = r.print("process", got, o.common, "", "")
	return err
}
