package resolve

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/creds"
	"github.com/awsenv/awsenv/internal/prompt"
	"github.com/awsenv/awsenv/internal/saml"
	"github.com/awsenv/awsenv/internal/xerr"
)

// SAMLSignIn is a SAML profile's sign-in: the identity provider's page for
// its AWS application, and the provider the role is assumed through ("":
// the one the assertion pairs with the role).
type SAMLSignIn struct {
	URL, ProviderARN string
}

// SAMLRole is a role a SAML assertion offers, and the IAM SAML provider it
// is assumed through.
type SAMLRole = saml.Role

// samlStep plans a SAML profile: AssumeRoleWithSAML for its role_arn (or
// the role chosen from the assertion) for duration_seconds, default one
// hour. The assertion's SessionDuration is the console's, not this call's:
// sent as DurationSeconds it fails for roles whose maximum is lower.
func samlStep(b *config.Profile) (Step, error) {
	dur := orDefault(b.Duration, DefaultRoleDuration)
	if err := checkRoleDuration(dur, false); err != nil {
		return Step{}, profileErr(b, "duration_seconds", err)
	}
	return Step{Kind: SAML, Name: b.Name, RoleARN: b.RoleARN, Duration: dur, EntrySource: "saml",
		Key:         cache.Key{Scope: cache.ScopeProfile, Name: b.Name, Kind: cache.KindOwn},
		Fingerprint: fingerprint("saml", b.SAMLURL, b.RoleARN, b.SAMLProviderARN, dur.String()),
		SAML:        &SAMLSignIn{URL: b.SAMLURL, ProviderARN: b.SAMLProviderARN}}, nil
}

// samlStep is the provider of a SAML step: a sign-in in the person's
// browser, never unattended.
func (b *builder) samlStep(st *Step, ep creds.Endpoint) aws.CredentialsProvider {
	name, signIn := st.Name, st.SAML
	return &creds.SAML{Endpoint: ep, RoleARN: st.RoleARN, ProviderARN: signIn.ProviderARN, Duration: st.Duration,
		Assertion: func(ctx context.Context) (*saml.Assertion, error) {
			if b.NoPrompt {
				return nil, xerr.New(xerr.NeedsPerson, fmt.Errorf("the SAML role of %s needs a sign-in at its identity provider in the browser, which the credential server cannot do", name),
					"run ec2switch "+name+" in your shell")
			}
			return b.samlAssertion(ctx, name, signIn.URL)
		},
		Choose: b.chooseSAMLRole(name)}
}

// samlAssertion signs the person in at url in awsenv's own browser
// profile and returns the assertion the identity provider posts.
func (b *builder) samlAssertion(ctx context.Context, name, signInURL string) (*saml.Assertion, error) {
	dir, err := saml.ProfileDir(b.Getenv)
	if err != nil {
		return nil, err
	}
	// ^C ends the sign-in, and the browser with it, rather than awsenv
	// alone.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	host := signInURL
	if u, err := url.Parse(signInURL); err == nil && u.Host != "" {
		host = u.Host
	}
	headless := b.Headless || b.Getenv("AWSENV_SAML_HEADLESS") == "1"
	if !headless {
		b.Say("Sign in at %s in the browser window to continue (profile %s)", host, name)
	}
	a, err := saml.GetAssertion(ctx, saml.Options{URL: signInURL, ProfileDir: dir, Headless: headless, Getenv: b.Getenv,
		Waiting: func() { b.Say("Waiting for another awsenv to finish its SAML sign-in ...") }})
	switch {
	case errors.Is(err, saml.ErrNoBrowser):
		return nil, xerr.New(xerr.Failed, fmt.Errorf("profile %s: %w", name, err), "install Chromium or Chrome, or set AWSENV_SAML_BROWSER to one")
	case errors.Is(err, saml.ErrNoDisplay):
		return nil, xerr.New(xerr.Failed, fmt.Errorf("profile %s: %w", name, err), "sign in on a desktop, or use --headless (AWSENV_SAML_HEADLESS=1) where the identity provider needs no person")
	case errors.Is(err, saml.ErrAbandoned):
		return nil, xerr.New(xerr.Failed, fmt.Errorf("profile %s: %w", name, err), "run it again and finish the sign-in")
	case err != nil:
		return nil, xerr.New(xerr.Failed, fmt.Errorf("profile %s: %w", name, err), "")
	}
	return a, nil
}

// chooseSAMLRole picks one of several roles: a numbered prompt on the
// terminal, else one line listing them and how to choose.
func (b *builder) chooseSAMLRole(name string) func([]saml.Role) (saml.Role, error) {
	return func(roles []saml.Role) (saml.Role, error) {
		cannot := xerr.New(xerr.Failed, fmt.Errorf("the identity provider of %s offers %d roles: %s", name, len(roles), creds.RoleList(roles)),
			"set role_arn in profile "+name+" to one of them, or run 'awsenv saml populate "+name+"' for a profile per role")
		if b.NoPrompt {
			return saml.Role{}, cannot
		}
		var q strings.Builder
		q.WriteString("Roles offered by the identity provider:\n")
		for i, r := range roles {
			fmt.Fprintf(&q, "  %d) %s (account %s)\n", i+1, r.Name(), r.AccountID())
		}
		fmt.Fprintf(&q, "Role [1-%d]: ", len(roles))
		answer, err := prompt.Ask(nil, q.String(), false)
		if errors.Is(err, prompt.ErrNoTerminal) {
			return saml.Role{}, cannot
		}
		if err != nil {
			return saml.Role{}, err
		}
		if n, err := strconv.Atoi(answer); err == nil && n >= 1 && n <= len(roles) {
			return roles[n-1], nil
		}
		for _, r := range roles {
			if answer == r.RoleARN || answer == r.Name() {
				return r, nil
			}
		}
		return saml.Role{}, xerr.New(xerr.Failed, fmt.Errorf("%q is not one of the %d roles", answer, len(roles)), "")
	}
}

// samlProfile is the SAML profile name names.
func (r *Resolver) samlProfile(name string) (*config.Profile, error) {
	src, err := r.env.Lookup(name)
	if err != nil {
		return nil, err
	}
	p := src.Profile
	if src.Scope != cache.ScopeProfile || p == nil || p.SAMLURL == "" {
		return nil, xerr.New(xerr.Failed, fmt.Errorf("%s is not a SAML profile", name), "give the name of a profile with saml_url in "+src.ConfigFiles[0])
	}
	if p.Err != nil {
		return nil, xerr.New(xerr.Failed, fmt.Errorf("profile %q: %w", p.Name, p.Err), "")
	}
	return p, nil
}

// SAMLRoles signs in at the SAML profile's identity provider and returns
// the roles of the fresh assertion (which is then dropped).
func (r *Resolver) SAMLRoles(ctx context.Context, name string) ([]SAMLRole, error) {
	p, err := r.samlProfile(name)
	if err != nil {
		return nil, err
	}
	a, err := r.b.samlAssertion(ctx, p.Name, p.SAMLURL)
	if err != nil {
		return nil, err
	}
	if a.Encrypted && len(a.Roles) == 0 {
		return nil, xerr.New(xerr.Failed, fmt.Errorf("the SAML assertion of %s is encrypted, so awsenv cannot read its roles", name), "")
	}
	return a.Roles, nil
}

// SAMLPopulate signs in at the SAML profile's identity provider and writes
// a profile for every role of the assertion into the config file
// (saml.Populate).
func (r *Resolver) SAMLPopulate(ctx context.Context, name string, o SAMLPopulateOptions) (*SAMLPopulated, error) {
	p, err := r.samlProfile(name)
	if err != nil {
		return nil, err
	}
	roles, err := r.SAMLRoles(ctx, name)
	if err != nil {
		return nil, err
	}
	o.ConfigFile, _ = r.env.ProfileFiles()
	o.Source, o.URL = p.Name, p.SAMLURL
	if o.Region == "" {
		o.Region = p.Region
	}
	if o.Duration == 0 {
		o.Duration = p.Duration
	}
	return saml.Write(ctx, roles, o)
}

// SAMLPopulateOptions are what saml populate writes (saml.Populate).
type SAMLPopulateOptions = saml.Populate

// SAMLPopulated says what saml populate did.
type SAMLPopulated = saml.Populated

// planSAMLAccount: an accounts-file entry that signs in through its SAML
// identity provider; like a SAML profile, cached under the account.
func planSAMLAccount(src *Source, req Request) (*Plan, error) {
	name, sa := src.Name, src.Account.SAML
	if req.Purpose == MFA || req.Role != "" {
		return nil, xerr.New(xerr.Failed, fmt.Errorf("account %q signs in through its SAML identity provider and has no keys or mfa", name),
			"use ec2switch "+name+"; for a role on top of it, a profile with source_profile and a SAML profile")
	}
	dur := orDefault(sa.Duration, DefaultRoleDuration)
	if req.Purpose == Console {
		var err error
		if dur, err = consoleDuration(req.Duration); err != nil {
			return nil, err
		}
	}
	if err := checkRoleDuration(dur, false); err != nil {
		return nil, xerr.New(xerr.Failed, fmt.Errorf("account %q: saml duration: %w", name, err), "")
	}
	step := Step{Kind: SAML, Name: name, RoleARN: sa.RoleARN, Duration: dur, EntrySource: "saml",
		Key:         cache.Key{Scope: cache.ScopeAccount, Name: name, Kind: cache.KindOwn},
		Fingerprint: fingerprint("saml", sa.URL, sa.RoleARN, sa.ProviderARN, dur.String()),
		SAML:        &SAMLSignIn{URL: sa.URL, ProviderARN: sa.ProviderARN}}
	return &Plan{Label: name, AccountID: accountOf(sa.RoleARN), Steps: []Step{step}}, nil
}
