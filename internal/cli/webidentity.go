package cli

import (
	"context"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/render"
	"github.com/awsenv/awsenv/internal/resolve"
)

// webIdentityOptions are web-identity's command line.
type webIdentityOptions struct {
	common
	RoleARN, TokenFile string
	Login              *config.WebIdentity // a browser login, when no token file
	Region             string
	Format             string
	Request            resolve.Request
}

func webIdentityCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:  "web-identity",
		Usage: "assume a role with an OIDC ID token (AssumeRoleWithWebIdentity): from a file or a browser login",
		Description: "With --token-file, the token is read from the file (Kubernetes, CI). With --issuer and\n" +
			"--client-id, awsenv logs you in: authorization code flow with PKCE on a one-time\n" +
			"127.0.0.1 redirect; the login address goes to stderr (or the browser with --open); the ID\n" +
			"token's signature, audience, expiry and nonce are checked before it is sent to STS.\n" +
			"The credentials are cached like any session.\n" +
			"Example:  awsenv web-identity --role-arn arn:aws:iam::123456789012:role/team \\\n" +
			"              --issuer https://example.eu.auth0.com/ --client-id abc123 --open",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "role-arn", Usage: "the role to assume (required)"},
			&cli.StringFlag{Name: "token-file", Usage: "file holding the OIDC ID token"},
			&cli.StringFlag{Name: "issuer", Usage: "OIDC issuer URL, for a browser login"},
			&cli.StringFlag{Name: "client-id", Usage: "OAuth client id registered with the issuer"},
			&cli.BoolFlag{Name: "open", Usage: "open the login page in the browser"},
			&cli.StringFlag{Name: "region", Usage: "region for STS and the exported AWS_REGION"},
			formatFlag("env", credentialFormats...),
			&cli.StringFlag{Name: "duration", Aliases: []string{"d"}, Usage: "role session length, 15m to 12h (default 1h; the role's maximum applies)"},
			&cli.StringFlag{Name: "session-name", Usage: "role session name (default: $USER)"},
			forceFlag(), shellFlag(), printFlag(), minTTLFlag(), timeoutFlag(), dirFlag(), configFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("web-identity takes no arguments")
			}
			o := webIdentityOptions{RoleARN: c.String("role-arn"), TokenFile: c.String("token-file"), Region: c.String("region"), Format: c.String("format")}
			issuer, client := c.String("issuer"), c.String("client-id")
			if !strings.HasPrefix(o.RoleARN, "arn:") || !strings.Contains(o.RoleARN, ":role/") {
				return usagef("web-identity needs --role-arn arn:aws:iam::ACCOUNT:role/NAME")
			}
			if (o.TokenFile == "") == (issuer == "" && client == "") {
				return usagef("web-identity needs either --token-file, or --issuer and --client-id")
			}
			if o.TokenFile == "" {
				if issuer == "" || client == "" {
					return usagef("a browser login needs both --issuer and --client-id")
				}
				o.Login = &config.WebIdentity{Issuer: issuer, ClientID: client}
			}
			if err := render.Check(o.Format, credentialFormats...); err != nil {
				return usagef("%v", err)
			}
			var err error
			if o.common, err = commonFrom(c, io); err != nil {
				return err
			}
			if o.Request, err = requestFrom(c, resolve.Use); err != nil {
				return err
			}
			return runWebIdentity(c.Context, newRun(io), o)
		},
	}
}

func runWebIdentity(ctx context.Context, r *run, o webIdentityOptions) error {
	res, err := r.resolver(o.common)
	if err != nil {
		return err
	}
	got, err := res.ResolveWebIdentity(ctx, resolve.WebIdentityRequest{RoleARN: o.RoleARN, TokenFile: o.TokenFile, Login: o.Login, Region: o.Region}, o.Request)
	if err != nil {
		return err
	}
	if shown, err := r.print(o.Format, got, o.common, "", "web-identity --role-arn "+o.RoleARN+" ..."); err != nil || !shown || r.served {
		return err
	}
	r.say("Set keys for %s (%s)%s", got.Label, got.ARN, validFor(got, r.now()))
	return nil
}
