package cli

import (
	"context"

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
	got, err := r.resolveName(ctx, o.common, o.Name, "", "", o.Request)
	if err != nil {
		return err
	}
	_, err = r.print("process", got, o.common, "", "")
	return err
}
