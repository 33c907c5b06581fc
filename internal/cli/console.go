package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/render"
	"github.com/awsenv/awsenv/internal/resolve"
)

// consoleOptions are console's command line.
type consoleOptions struct {
	common
	Name        string
	Destination string
	Issuer      string
	Format      string // "link" or "json"
	Request     resolve.Request
}

func consoleCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:      "console",
		Usage:     "print (or --open) an AWS console sign-in link for an account or one of its roles",
		ArgsUsage: "[NAME]",
		Description: "With --role, assumes the role with the long-lived keys (and an MFA code), so the console\n" +
			"session may last up to 12h; without, signs in as a federated user from GetFederationToken\n" +
			"with the IAM user's own permissions. MFA sessions and chained roles are never sent to the\n" +
			"sign-in endpoint: it refuses them. Endpoint: $AWSENV_SIGNIN_URL, else the partition's.\n" +
			"--format json prints the credentials with the link as console_access, like generate_keys.py.\n" +
			"Example:  awsenv console work --role admin --open",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "role", Aliases: []string{"r"}, Usage: "a role: a name from the account's roles, a role name in the account, or a role ARN"},
			&cli.StringFlag{Name: "destination", Usage: "console page to land on (default: the console home of the account's region)"},
			&cli.StringFlag{Name: "duration", Aliases: []string{"d"}, Value: "1h", Usage: "console session length, 15m to 12h"},
			&cli.StringFlag{Name: "issuer", Value: "awsenv", Usage: "issuer shown by the console (where to go when the session ends)"},
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "link", Usage: "link (the sign-in link alone) or json (access_key, secret_key, session_token, expiration, console_access)"},
			&cli.BoolFlag{Name: "open", Usage: "open the link in the default browser instead of printing it"},
			&cli.StringFlag{Name: "session-name", Usage: "role session name (default: the IAM user name, else $USER)"},
			&cli.StringFlag{Name: "external-id", Usage: "external id the role's trust policy asks for"},
			codeFlag(),
			&cli.BoolFlag{Name: "no-mfa", Usage: "send no MFA code with the long-lived keys (for roles that don't ask for MFA)"},
			timeoutFlag(), dirFlag(), configFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usagef("console takes at most one account NAME")
			}
			o, req, err := chainOptionsFrom(c, io, resolve.Console)
			if err != nil {
				return err
			}
			opts := consoleOptions{common: o, Name: c.Args().First(), Destination: c.String("destination"),
				Issuer: c.String("issuer"), Format: c.String("format"), Request: req}
			if opts.Format != "link" && opts.Format != "json" {
				return usagef("unknown --format %q: use link or json", opts.Format)
			}
			if opts.Format == "json" && o.Open {
				return usagef("--format json prints the link; it does not go with --open")
			}
			if d := opts.Destination; d != "" && !strings.HasPrefix(d, "https://") && !strings.HasPrefix(d, "http://") {
				return usagef("--destination %q must be an https:// URL", d)
			}
			return runConsole(c.Context, newRun(io), opts)
		},
	}
}

func runConsole(ctx context.Context, r *run, o consoleOptions) error {
	res, err := r.resolver(o.common)
	if err != nil {
		return err
	}
	name := o.Name
	if name == "" {
		if name, err = current(res, "", "give the account: awsenv console NAME"); err != nil {
			return err
		}
	}
	got, err := res.Console(ctx, name, o.Request, resolve.ConsoleRequest{Issuer: o.Issuer, Destination: o.Destination, Open: o.Open})
	if err != nil {
		return err
	}
	dur := got.Duration
	switch {
	case o.Open:
		r.say("Opened the AWS console as %s (session %s) in the browser", got.ARN, left(dur))
		return nil
	case o.Format == "json":
		out := output(got.Resolved, o.common)
		out.ConsoleLink = got.URL
		if err := render.Write(&r.out, "json", out); err != nil {
			return err
		}
	default:
		fmt.Fprintln(&r.out, got.URL)
	}
	if err := r.flush(); err != nil {
		return err
	}
	r.say("Console sign-in link for %s (session %s); it works once, within 15 minutes", got.ARN, left(dur))
	return nil
}
