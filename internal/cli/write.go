package cli

import (
	"context"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/credfile"
	"github.com/awsenv/awsenv/internal/render"
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
	path, err := credfile.Path(r.io.Getenv)
	if err != nil {
		return err
	}
	// A profile that cannot be written is refused before any code is asked.
	if err := credfile.Check(path, o.Profile); err != nil {
		return err
	}
	got, err := r.resolveName(ctx, o.common, o.Name, "", "give the account: awsenv write PROFILE NAME", o.Request)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	v := render.Values(got.Creds)
	v.Region = got.Plan.Region
	if err := credfile.Update(wctx, path, o.Profile, v); err != nil {
		return err
	}
	r.say("Wrote %s credentials to profile %s of %s (valid for %s)", got.Label, o.Profile, path, left(got.Creds.Expires.Sub(r.now())))
	return nil
}
