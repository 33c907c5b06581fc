package cli

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/resolve"
)

// samlOptions are the saml subcommands' command line.
type samlOptions struct {
	common
	Name string
	// populate
	Template, Region string
	Prune            bool
}

func headlessFlag() cli.Flag {
	return &cli.BoolFlag{Name: "headless", Usage: "SAML: sign in with a browser that shows no window (also $AWSENV_SAML_HEADLESS=1)"}
}

func samlOptionsFrom(c *cli.Context, io *IO) (samlOptions, error) {
	if c.NArg() != 1 {
		return samlOptions{}, usagef("saml %s needs one NAME: a profile with saml_url", c.Command.Name)
	}
	o, err := commonFrom(c, io)
	if err != nil {
		return samlOptions{}, err
	}
	so := samlOptions{common: o, Name: c.Args().First(), Template: str(c, "template"), Region: str(c, "region")}
	so.Prune = has(c, "prune") && c.Bool("prune")
	return so, nil
}

func samlCommand(io *IO) *cli.Command {
	common := func() []cli.Flag { return []cli.Flag{headlessFlag(), timeoutFlag(), dirFlag(), configFlag()} }
	action := func(runSub func(context.Context, *run, samlOptions, *resolve.Resolver) error) cli.ActionFunc {
		return func(c *cli.Context) error {
			o, err := samlOptionsFrom(c, io)
			if err != nil {
				return err
			}
			r := newRun(io)
			res, err := r.resolver(o.common)
			if err != nil {
				return err
			}
			return runSub(c.Context, r, o, res)
		}
	}
	return &cli.Command{
		Name:  "saml",
		Usage: "SAML federation: list the roles your identity provider grants, write a profile for each",
		Description: "A profile with saml_url (the identity provider's sign-in page for its AWS application) gets its\n" +
			"credentials from AssumeRoleWithSAML, with an assertion taken from your own Chrome-family browser\n" +
			"(its own profile folder, so the provider's session is kept). 'ec2switch PROFILE' signs in by\n" +
			"itself when the cached credentials have ended.",
		Subcommands: []*cli.Command{{
			Name:      "roles",
			Usage:     "sign in and list the roles of a fresh assertion (role ARN and SAML provider ARN)",
			ArgsUsage: "PROFILE",
			Flags:     common(),
			Action:    action(runSAMLRoles),
		}, {
			Name:      "populate",
			Usage:     "sign in and write a profile into ~/.aws/config for every role of the assertion",
			ArgsUsage: "PROFILE",
			Description: "The profiles go into a block of their own in $AWS_CONFIG_FILE or ~/.aws/config; every other\n" +
				"byte stays, and running it again replaces only the block. --template names them from\n" +
				"{profile}, {account_id}, {role_name} and {provider_name} (default {profile}-{account_id}-{role_name}).",
			Flags: append([]cli.Flag{
				&cli.StringFlag{Name: "template", Value: "{profile}-{account_id}-{role_name}", Usage: "how the profiles are named"},
				&cli.StringFlag{Name: "region", Usage: "region for the profiles (default: the SAML profile's)"},
				&cli.BoolFlag{Name: "prune", Usage: "remove the profiles an earlier populate wrote that no longer exist"},
			}, common()...),
			Action: action(runSAMLPopulate),
		}},
	}
}

func runSAMLRoles(ctx context.Context, r *run, o samlOptions, res *resolve.Resolver) error {
	roles, err := res.SAMLRoles(ctx, o.Name)
	if err != nil {
		return err
	}
	for _, role := range roles {
		fmt.Fprintf(&r.out, "%s\t%s\n", role.RoleARN, role.ProviderARN)
	}
	return r.flush()
}

func runSAMLPopulate(ctx context.Context, r *run, o samlOptions, res *resolve.Resolver) error {
	out, err := res.SAMLPopulate(ctx, o.Name, resolve.SAMLPopulateOptions{Template: o.Template, Region: o.Region, Prune: o.Prune})
	if err != nil {
		return err
	}
	for _, n := range out.Skipped {
		r.warn("warning: skipped profile " + n + ": a profile of that name is already in " + out.ConfigFile)
	}
	r.say("Wrote %d profiles into %s (%d kept from before, %d removed)", out.Written, out.ConfigFile, out.Kept, out.Removed)
	return nil
}
