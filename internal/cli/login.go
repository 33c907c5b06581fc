package cli

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/resolve"
)

// loginOptions are the command lines of login and logout.
type loginOptions struct {
	common
	Name   string
	Region string
	Remote bool
	// Keyring is login's --keyring: where the session's key is kept.
	Keyring string
}

func loginOptionsFrom(c *cli.Context, io *IO) (loginOptions, error) {
	if c.NArg() > 1 {
		return loginOptions{}, usagef("%s takes at most one profile NAME", c.Command.Name)
	}
	o, err := commonFrom(c, io)
	if err != nil {
		return loginOptions{}, err
	}
	return loginOptions{common: o, Name: c.Args().First(), Region: str(c, "region"), Remote: has(c, "remote") && c.Bool("remote"), Keyring: str(c, "keyring")}, nil
}

// loginCommand is login's command line; runF runs it (runLogin, or a
// test's recorder).
func loginCommand(io *IO, runF func(context.Context, *run, loginOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "login",
		Usage:     "sign in as aws login does (the console's sign-in, passkeys included) into a profile with login_session",
		ArgsUsage: "[NAME]",
		Description: "Signs in in the browser (on a one-time 127.0.0.1 redirect), or with --remote on any device,\n" +
			"pasting back the code the page shows. The session lives in the AWS CLI's cache\n" +
			"(~/.aws/login/cache, its format), so awsenv, the AWS CLI and the SDKs share it: 15-minute\n" +
			"credentials renewed for up to 12 hours. NAME (default: the current profile, else default)\n" +
			"is a profile of ~/.aws/config; it is made, with its region, when absent.\n\n" +
			"The cache file holds the session's DPoP private key in clear, as the AWS CLI keeps it.\n" +
			"--keyring keeps that key in a keyring instead, and only a reference to it in the file.\n" +
			"Then only awsenv can renew the session: the AWS CLI and the SDKs use its credentials\n" +
			"while they last (15 minutes) and then fail; give them credentials through awsenv\n" +
			"(ec2switch, exec, exec --server, a served shell). A served shell or credential server\n" +
			"opens the keyring without a terminal: the file keyring then needs AWSENV_KEYRING_PASSWORD.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "region", Usage: "the profile's region, where the sign-in service is asked (default: the profile's, else AWS_REGION, else us-east-1)"},
			&cli.BoolFlag{Name: "remote", Usage: "sign in on another device and paste the code it shows (SSH, no browser here)"},
			&cli.BoolFlag{Name: "open", Usage: "open the browser even where awsenv would not"},
			&cli.StringFlag{Name: "keyring", Usage: "keep the session's DPoP key in a keyring (secret-service, pass, keyctl, file, keychain, wincred or auto), not in the cache file: then the AWS CLI and SDKs cannot renew the session (see above)"},
			timeoutFlag(), dirFlag(), configFlag()},
		Action: func(c *cli.Context) error {
			o, err := loginOptionsFrom(c, io)
			if err != nil {
				return err
			}
			return runF(c.Context, newRun(io), o)
		},
	}
}

func runLogin(ctx context.Context, r *run, o loginOptions) error {
	res, err := r.resolver(o.common)
	if err != nil {
		return err
	}
	out, err := res.Login(ctx, resolve.LoginRequest{Name: o.Name, Region: o.Region, Remote: o.Remote, Keyring: o.Keyring})
	if err != nil {
		return err
	}
	what := "Updated"
	if out.Created {
		what = "Created"
	}
	r.say("Signed in as %s (account %s); credentials valid until %s, renewed without a person for up to 12 hours",
		out.LoginSession, out.AccountID, out.Expires.Local().Format("15:04 MST"))
	if out.Keyring != "" {
		r.say("Its key is in %s: only awsenv renews this session (the AWS CLI and SDKs use its credentials while they last)", out.Keyring)
	}
	r.say("%s profile %s in %s (login_session); next: ec2switch %s", what, out.Profile, out.ConfigFile, out.Profile)
	return nil
}

func logoutCommand(io *IO, runF func(context.Context, *run, loginOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "logout",
		Usage:     "delete the cached aws login session of a profile (and awsenv's credentials made from it)",
		ArgsUsage: "[NAME]",
		Flags:     []cli.Flag{timeoutFlag(), dirFlag(), configFlag()},
		Action: func(c *cli.Context) error {
			o, err := loginOptionsFrom(c, io)
			if err != nil {
				return err
			}
			return runF(c.Context, newRun(io), o)
		},
	}
}

func runLogout(ctx context.Context, r *run, o loginOptions) error {
	res, err := r.resolver(o.common)
	if err != nil {
		return err
	}
	out, err := res.Logout(ctx, o.Name)
	if err != nil {
		return err
	}
	if !out.Deleted {
		r.say("Profile %s had no cached aws login session (%d cached credentials dropped)", out.Profile, out.Forgotten)
		return nil
	}
	r.say("Logged out of %s: deleted its cached session (%d cached credentials dropped)", out.LoginSession, out.Forgotten)
	return nil
}
