package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/render"
	"github.com/awsenv/awsenv/internal/resolve"
)

// consoleOptions are console's command line.
type consoleOptions struct {
	common
	Name     string
	Format   string // "link" or "json"
	Services bool   // --services: list the shortcuts
	Request  resolve.Request
	Console  resolve.ConsoleRequest
}

func consoleCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:      "console",
		Usage:     "print (or --open) an AWS console sign-in link for an account or one of its roles",
		ArgsUsage: "[NAME] [SERVICE]",
		Description: "SERVICE is a shortcut for a console page (s3, ec2, iam, lambda, logs, ...: awsenv console --services\n" +
			"lists them), opened in the account's region or --region; --destination gives any console URL.\n" +
			"A lone SERVICE is for the current account, unless an account or profile has that name.\n" +
			"--open hands the browser a one-time local page, never the link itself. --browser (else the\n" +
			"account's or profile's console_browser, else $AWSENV_CONSOLE_BROWSER) picks the browser:\n" +
			"firefox opens a container per account and role (ext+container:, through the \"Open external\n" +
			"links in a container\" extension); chrome, chromium, edge and brave open a profile of awsenv's\n" +
			"own per account and role under the credential directory's browsers/ folder, or the existing\n" +
			"profile console_browser_profile names; default is the system's browser ($BROWSER).\n" +
			"With --role, assumes the role with the long-lived keys (and an MFA code), so the console\n" +
			"session may last up to 12h; without, signs in as a federated user from GetFederationToken\n" +
			"with the IAM user's own permissions. MFA sessions and chained roles are never sent to the\n" +
			"sign-in endpoint: it refuses them. Endpoint: $AWSENV_SIGNIN_URL, else the partition's.\n" +
			"--format json prints the credentials with the link as console_access, like generate_keys.py.\n" +
			"Examples: awsenv console work s3 --region eu-west-1\n" +
			"          awsenv console work --role admin --open --browser firefox",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "role", Aliases: []string{"r"}, Usage: "a role: a name from the account's roles, a role name in the account, or a role ARN"},
			&cli.StringFlag{Name: "destination", Usage: "console URL to land on (default: SERVICE's page, else the console home)"},
			&cli.StringFlag{Name: "region", Usage: "region the console opens in (default: the account's or profile's region)"},
			&cli.StringFlag{Name: "browser", Usage: "with --open: firefox, chrome, chromium, edge, brave or default (default: console_browser, else $AWSENV_CONSOLE_BROWSER, else default)"},
			&cli.BoolFlag{Name: "services", Usage: "list the SERVICE shortcuts: name, aliases, regional or global, the page"},
			&cli.StringFlag{Name: "duration", Aliases: []string{"d"}, Value: "1h", Usage: "console session length, 15m to 12h"},
			&cli.StringFlag{Name: "issuer", Value: "awsenv", Usage: "issuer shown by the console (where to go when the session ends)"},
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "link", Usage: "link (the sign-in link alone) or json (access_key, secret_key, session_token, expiration, console_access)"},
			&cli.BoolFlag{Name: "open", Usage: "open the link in a browser (see --browser) instead of printing it"},
			&cli.StringFlag{Name: "session-name", Usage: "role session name (default: the IAM user name, else $USER)"},
			&cli.StringFlag{Name: "external-id", Usage: "external id the role's trust policy asks for"},
			codeFlag(),
			&cli.BoolFlag{Name: "no-mfa", Usage: "send no MFA code with the long-lived keys (for roles that don't ask for MFA)"},
			timeoutFlag(), dirFlag(), configFlag(),
		},
		Action: func(c *cli.Context) error {
			opts, err := consoleOptionsFrom(c, io)
			if err != nil {
				return err
			}
			return runConsole(c.Context, newRun(io), opts)
		},
	}
}

// consoleOptionsFrom reads console's command line; every usage error is
// found here.
func consoleOptionsFrom(c *cli.Context, io *IO) (consoleOptions, error) {
	if c.NArg() > 2 {
		return consoleOptions{}, usagef("console takes an account NAME and a SERVICE, no more: awsenv console work s3")
	}
	o, req, err := chainOptionsFrom(c, io, resolve.Console)
	if err != nil {
		return consoleOptions{}, err
	}
	opts := consoleOptions{common: o, Name: c.Args().Get(0), Format: c.String("format"), Services: c.Bool("services"), Request: req,
		Console: resolve.ConsoleRequest{Issuer: c.String("issuer"), Destination: c.String("destination"), Service: c.Args().Get(1),
			Region: c.String("region"), Browser: c.String("browser"), Open: o.Open}}
	return opts, opts.check()
}

func (opts consoleOptions) check() error {
	switch {
	case opts.Services:
		if opts.Name != "" || opts.Open {
			return usagef("--services lists the shortcuts; it takes no NAME and no --open")
		}
		return nil
	case opts.Console.Service != "" && opts.Console.Destination != "":
		return usagef("give a SERVICE or --destination, not both")
	case opts.Console.Region != "" && !config.ValidRegion(opts.Console.Region):
		return usagef("--region %q is not a region name like eu-west-1", opts.Console.Region)
	case opts.Console.Browser != "" && !slices.Contains(resolve.ConsoleBrowsers(), opts.Console.Browser):
		return usagef("unknown --browser %q: use one of %s", opts.Console.Browser, strings.Join(resolve.ConsoleBrowsers(), ", "))
	case opts.Console.Browser != "" && !opts.Open:
		return usagef("--browser says where --open opens the link: add --open")
	case opts.Format != "link" && opts.Format != "json":
		return usagef("unknown --format %q: use link or json", opts.Format)
	case opts.Format == "json" && opts.Open:
		return usagef("--format json prints the link; it does not go with --open")
	}
	if d := opts.Console.Destination; d != "" && !strings.HasPrefix(d, "https://") && !strings.HasPrefix(d, "http://") {
		return usagef("--destination %q must be an https:// URL", d)
	}
	return nil
}

func runConsole(ctx context.Context, r *run, o consoleOptions) error {
	if o.Services {
		tw := tabwriter.NewWriter(&r.out, 0, 4, 2, ' ', 0)
		for _, s := range resolve.ConsoleServices() {
			where := "regional"
			if s.Global {
				where = "global"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Name, strings.Join(s.Aliases, ","), where, s.Title)
		}
		tw.Flush()
		return r.flush()
	}
	res, err := r.resolver(o.common)
	if err != nil {
		return err
	}
	name := o.Name
	if o.Console.Service == "" && o.Console.Destination == "" && name != "" {
		name, o.Console.Service = res.ConsoleTarget(name)
	}
	if name == "" {
		if name, err = current(res, "", "give the account: awsenv console NAME"); err != nil {
			return err
		}
	}
	got, err := res.Console(ctx, name, o.Request, o.Console)
	if err != nil {
		return err
	}
	dur := got.Duration
	switch {
	case o.Open:
		where := "the browser"
		switch got.Browser {
		case "default":
		case "firefox":
			where = fmt.Sprintf("Firefox, container %q", got.Identity)
		default:
			where = fmt.Sprintf("%s, profile for %q", got.Browser, got.Identity)
		}
		r.say("Opened the AWS console as %s (session %s) in %s", got.ARN, left(dur), where)
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
