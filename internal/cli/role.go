package cli

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/render"
	"github.com/awsenv/awsenv/internal/resolve"
)

// roleOptions are role's command line.
type roleOptions struct {
	common
	Account string
	Format  string
	Request resolve.Request
}

var credentialFormats = []string{"env", "json", "credentials", "process"}

func formatFlag(def string, allowed ...string) cli.Flag {
	return &cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: def, Usage: render.Usage(allowed...)}
}

func roleCommand(io *IO) *cli.Command {
	flags := append([]cli.Flag{accountFlag(), formatFlag("env", credentialFormats...), shellFlag(), printFlag()}, chainFlags()...)
	return &cli.Command{
		Name:      "role",
		Usage:     "assume a role of the current account and print its credentials",
		ArgsUsage: "ROLE",
		Description: "ROLE is a name from the account's roles, a role name in the account, or a role ARN.\n" +
			"Uses the cached MFA session while it is valid (STS then caps the role at 1h), else the\n" +
			"long-lived keys with an MFA code (up to 12h). Role credentials are cached per account and role.\n" +
			"Examples:  ec2role admin    awsenv role admin --account work --duration 2h --no-session --format json",
		Flags: withoutFlag(flags, "role"),
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("role needs one ROLE: a name from the account's roles, a role name or a role ARN")
			}
			o, req, err := chainOptionsFrom(c, io, resolve.Role)
			if err != nil {
				return err
			}
			req.Role = c.Args().First()
			format := c.String("format")
			if err := render.Check(format, credentialFormats...); err != nil {
				return usagef("%v", err)
			}
			return runRole(c.Context, newRun(io), roleOptions{common: o, Account: c.String("account"), Format: format, Request: req})
		},
	}
}

func runRole(ctx context.Context, r *run, o roleOptions) error {
	got, err := r.resolveName(ctx, o.common, "", o.Account, "pass --account NAME", o.Request)
	if err != nil {
		return err
	}
	if got.Hit {
		r.say("Cache is valid for role %s", got.Label)
	}
	if shown, err := r.print(o.Format, got, o.common, "ec2role "+o.Request.Role, "role "+o.Request.Role); err != nil || !shown || r.served {
		return err
	}
	valid := left(got.Creds.Expires.Sub(r.now()))
	if o.Format == "env" {
		r.say("Set keys for %s AWS account (%s, valid for %s)", got.Label, got.ARN, valid)
	} else {
		r.say("Credentials for %s (%s), valid for %s", got.Label, got.ARN, valid)
	}
	return nil
}

// withoutFlag drops the flag called name from flags.
func withoutFlag(flags []cli.Flag, name string) []cli.Flag {
	out := flags[:0:0]
	for _, f := range flags {
		if f.Names()[0] != name {
			out = append(out, f)
		}
	}
	return out
}
