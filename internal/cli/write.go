package cli

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/credfile"
	"github.com/awsenv/awsenv/internal/resolve"
)

// writeOptions are write's command line.
type writeOptions struct {
	common
	Profile string // the credentials-file profile to write
	Name    string // the account or profile whose credentials
	Request resolve.Request
}

func writeCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:      "write",
		Usage:     "write temporary credentials into a profile of ~/.aws/credentials",
		ArgsUsage: "PROFILE [NAME]",
		Description: "Writes the MFA session of account NAME (default: the current account), or with --role\n" +
			"the role's credentials, into PROFILE of $AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials.\n" +
			"Every other profile and comment stays as it was; the file is replaced atomically, mode 600.\n" +
			"Example:  awsenv write work-admin work --role admin    then    aws --profile work-admin ...",
		Flags: chainFlags(),
		Action: func(c *cli.Context) error {
			if c.NArg() < 1 || c.NArg() > 2 {
				return usagef("write needs a PROFILE and optionally an account NAME")
			}
			profile := c.Args().Get(0)
			if err := credfile.CheckProfile(profile); err != nil {
				return usagef("%v", err)
			}
			o, req, err := chainOptionsFrom(c, io, resolve.Use)
			if err != nil {
				return err
			}
			return runWrite(c.Context, newRun(io), writeOptions{common: o, Profile: profile, Name: c.Args().Get(1), Request: req})
		},
	}
}

func runWrite(ctx context.Context, r *run, o writeOptions) error {
	res, err := r.resolver(o.common)
	if err != nil {
		return err
	}
	name := o.Name
	if name == "" {
		if name, err = current(res, "", "give the account: awsenv write PROFILE NAME"); err != nil {
			return err
		}
	}
	got, err := res.WriteProfile(ctx, o.Profile, name, o.Request)
	if err != nil {
		return err
	}
	r.say("Wrote %s credentials to profile %s of %s (valid for %s)", got.Label, o.Profile, got.Path, left(got.Creds.Expires.Sub(r.now())))
	return nil
}
