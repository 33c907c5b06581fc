package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/console"
	"github.com/awsenv/awsenv/internal/creds"
	"github.com/awsenv/awsenv/internal/exports"
	"github.com/awsenv/awsenv/internal/oidclogin"
)

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
			formatFlag, durationFlag, sessionNameFlag, forceFlag, shFlag, ttlFlag, tmoFlag, dirFlag, cfgFlag,
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("web-identity takes no arguments")
			}
			spec := wiSpec{
				roleARN: c.String("role-arn"), tokenFile: c.String("token-file"),
				issuer: c.String("issuer"), clientID: c.String("client-id"),
				region: c.String("region"), sessionName: flagString(c, "session-name"),
			}
			if !strings.HasPrefix(spec.roleARN, "arn:") || !strings.Contains(spec.roleARN, ":role/") {
				return usagef("web-identity needs --role-arn arn:aws:iam::ACCOUNT:role/NAME")
			}
			if (spec.tokenFile == "") == (spec.issuer == "" && spec.clientID == "") {
				return usagef("web-identity needs either --token-file, or --issuer and --client-id")
			}
			if spec.tokenFile == "" && (spec.issuer == "" || spec.clientID == "") {
				return usagef("a browser login needs both --issuer and --client-id")
			}
			format := c.String("format")
			if err := checkFormat(format, "env", "json", "credentials", "process"); err != nil {
				return err
			}
			s, err := newSession(c, io)
			if err != nil {
				return err
			}
			sh, err := s.shell(c)
			if err != nil {
				return err
			}
			short := spec.roleARN[strings.LastIndexByte(spec.roleARN, '/')+1:]
			acc := &config.Account{Name: short, Region: spec.region}
			key := cache.Key("@web-identity", spec.roleARN)
			g, err := s.webIdentity(c, acc, short+"-WEB-IDENTITY", key, spec)
			if err != nil {
				return err
			}
			if err := s.print(format, sh, g); err != nil {
				return err
			}
			s.say("Set keys for %s (%s)%s", g.label, g.arn, validFor(g, s.now()))
			return nil
		},
	}
}

// wiSpec says how to get web identity credentials.
type wiSpec struct {
	roleARN, sessionName, tokenFile string
	issuer, clientID, clientSecret  string
	region                          string
	open                            bool
	duration                        time.Duration // 0: --duration, else 1h
	fp                              string        // fingerprint the cache entry must carry
}

func accountSpec(acc *config.Account) wiSpec {
	w := acc.WebIdentity
	return wiSpec{roleARN: w.RoleARN, sessionName: w.SessionName, issuer: w.Issuer, clientID: w.ClientID,
		clientSecret: w.ClientSecret, region: acc.Region}
}

// webIdentity returns cached web identity credentials while valid, else
// gets a token (file or login) and calls AssumeRoleWithWebIdentity.
func (s *session) webIdentity(c *cli.Context, acc *config.Account, label, key string, spec wiSpec) (*got, error) {
	ttl, err := s.minTTL(c)
	if err != nil {
		return nil, err
	}
	dur := spec.duration
	if v := flagString(c, "duration"); v != "" {
		if dur, err = config.ParseDuration(v); err != nil {
			return nil, usagef("--duration: %v", err)
		}
	}
	if dur == 0 {
		dur = creds.DefaultRoleDuration
	}
	if err := creds.CheckRoleDuration(dur, false); err != nil {
		return nil, err
	}
	if n := flagString(c, "session-name"); n != "" {
		spec.sessionName = n
	}
	if spec.sessionName == "" {
		spec.sessionName = defaultSessionName(s.getenv)
	}
	if spec.tokenFile != "" {
		spec.tokenFile = absPath(spec.tokenFile)
	}
	if spec.fp == "" {
		spec.fp = fingerprint("web-identity", spec.roleARN, spec.tokenFile, spec.issuer, spec.clientID, spec.sessionName, dur.String())
	}
	if err := creds.CheckSessionName(spec.sessionName); err != nil {
		return nil, err
	}
	region := exports.ResolveRegion(spec.region, s.getenv)
	ep, err := s.endpoint(c, region)
	if err != nil {
		return nil, err
	}
	tok := creds.TokenFile(spec.tokenFile)
	if spec.clientSecret == "" {
		spec.clientSecret = s.getenv("AWSENV_OIDC_CLIENT_SECRET")
	}
	if spec.tokenFile == "" {
		spec.open = c.Bool("open")
		tok = s.oidcLogin(ep, spec)
	}
	p := &creds.WebIdentity{Endpoint: ep, RoleARN: spec.roleARN, SessionName: spec.sessionName, Duration: dur, Token: tok}
	tmpl := cache.Entry{Account: acc.Name, Kind: "web-identity", Role: spec.roleARN, Source: "web-identity", Config: spec.fp}
	fp := spec.fp
	return s.cachedGet(c, acc, label, key, tmpl, p, ttl, "the web identity login", func(e *cache.Entry) bool { return e.Config == fp })
}

// oidcLogin logs the user in at the identity provider and returns the
// verified ID token.
func (s *session) oidcLogin(ep creds.Endpoint, spec wiSpec) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		hc, err := ep.HTTPClient()
		if err != nil {
			return "", err
		}
		hc.Timeout = 0 // the login bounds itself; each request has the dial/header timeouts
		tok, err := oidclogin.Login(ctx, oidclogin.Config{
			Issuer: spec.issuer, ClientID: spec.clientID, ClientSecret: spec.clientSecret,
			Scopes: []string{"openid", "email"}, HTTP: hc, Timeout: 5 * time.Minute,
			Show: func(u string) error {
				s.say("Log in at %s to continue: %s", spec.issuer, u)
				if spec.open {
					return console.Browse(u, s.getenv)
				}
				return nil
			},
		})
		if err != nil {
			return "", err
		}
		who := tok.Email
		if who == "" {
			who = tok.Subject
		}
		s.say("Logged in as %s", who)
		return tok.IDToken, nil
	}
}

// webIdentityProfile assumes a web_identity_token_file profile's role.
func (s *session) webIdentityProfile(c *cli.Context, p *config.Profile, fp string) (*got, error) {
	spec := wiSpec{roleARN: p.RoleARN, sessionName: p.RoleSessionName, tokenFile: absPath(p.WebIdentityTokenFile),
		region: p.Region, duration: p.Duration, fp: fp}
	return s.webIdentity(c, profileAccount(p), p.Name, profileKey(p.Name), spec)
}

// errNotForWebIdentity is what commands that need key files say of a web
// identity account.
func errNotForWebIdentity(name string) error {
	return fmt.Errorf("account %q logs in through its identity provider and has no keys or mfa: use ec2switch %s", name, name)
}

// webIdentityAccount returns the credentials of an account with a
// web_identity section: cached, or from a new login.
func (s *session) webIdentityAccount(c *cli.Context, acc *config.Account) (*got, error) {
	return s.webIdentity(c, acc, acc.Name+"-WEB-IDENTITY", cache.Key(acc.Name, "web-identity"), accountSpec(acc))
}
