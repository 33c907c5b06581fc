package resolve

import (
	"context"
	"runtime"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/console"
	"github.com/awsenv/awsenv/internal/sso"
)

// ssoClient is the run's IAM Identity Center client, made on first use.
func (b *builder) ssoClient() *sso.Client {
	if b.sso == nil {
		b.sso = &sso.Client{Getenv: b.Getenv, Now: b.Now, Timeout: b.Timeout, ClientName: "awsenv",
			Warn:    b.Warn,
			Waiting: func(msg string) { b.Say("%s", msg) }}
	}
	return b.sso
}

// SSOSession is an SSO role's session, for the sso client.
func (r *SSORole) SSOSession() sso.Session {
	return sso.Session{Name: r.Session, StartURL: r.StartURL, Region: r.Region, Scopes: r.Scopes}
}

// LoginOptions says how a login runs in this build: in the browser (PKCE)
// where one can open, else by device code; never unattended.
func (b *builder) LoginOptions() sso.LoginOptions {
	open := CanOpenBrowser(b.Getenv, b.Open)
	o := sso.LoginOptions{DeviceCode: b.DeviceCode || !open, NoLogin: b.NoPrompt,
		Show: func(url, code string) error {
			if code == "" {
				b.Say("Log in to IAM Identity Center in your browser: %s", url)
			} else {
				b.Say("To log in to IAM Identity Center, open %s and check that it shows the code %s", url, code)
			}
			return nil
		}}
	if open {
		o.Open = func(url string) error { return console.Browse(url, b.Getenv) }
	}
	return o
}

// SSOClient is the run's IAM Identity Center client.
func (b *builder) SSOClient() *sso.Client { return b.ssoClient() }

func (b *builder) ssoStep(st *Step) aws.CredentialsProvider {
	role := st.SSO
	return aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
		return b.ssoClient().RoleCredentialsFor(ctx, role.SSOSession(), role.AccountID, role.RoleName, b.LoginOptions())
	})
}

// CanOpenBrowser says whether a login may open a browser: always with
// $BROWSER or --open; never in an SSH session; else where there is a
// desktop (a display on Linux and the BSDs; always on macOS and Windows).
func CanOpenBrowser(getenv func(string) string, open bool) bool {
	switch {
	case open || getenv("BROWSER") != "":
		return true
	case getenv("SSH_CONNECTION") != "" || getenv("SSH_CLIENT") != "" || getenv("SSH_TTY") != "":
		return false
	case runtime.GOOS == "darwin" || runtime.GOOS == "windows":
		return true
	}
	return getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != ""
}

// The IAM Identity Center types a command handles: a session, and what
// sso populate writes.
type (
	SSOSessionInfo = sso.Session
	SSOPopulate    = sso.Populate
)

// SSOSession is the IAM Identity Center session name names: an
// [sso-session], or the session of a profile ("" for the only one, or the
// current profile's).
func (r *Resolver) SSOSession(name string) (sso.Session, error) { return r.env.SSOSession(name) }

// SSOLogin logs in to sess (a valid login is kept unless force) in this
// resolver's mode: browser or device code.
func (r *Resolver) SSOLogin(ctx context.Context, sess sso.Session, force bool) (sso.Token, error) {
	opts := r.b.LoginOptions()
	opts.Force = force
	return r.b.ssoClient().Token(ctx, sess, opts)
}

// SSOLogout ends sess and deletes its cached login.
// awsenv's own cached IAM Identity Center role credentials go with it, as
// the AWS CLI's go with aws sso logout: all of them, since an entry does not
// record its session (the others are got again with their own login).
func (r *Resolver) SSOLogout(ctx context.Context, sess sso.Session) error {
	if err := r.b.ssoClient().Logout(ctx, sess); err != nil {
		return err
	}
	store := r.b.Store
	for _, k := range store.Keys() {
		if k.Scope != cache.ScopeProfile {
			continue
		}
		if e := store.Get(k); e != nil && e.Kind == "sso" {
			store.Delete(k)
		}
	}
	return nil
}

// SSOPopulate logs in to sess if it needs to and writes a profile for every
// role it reaches into the config file (sso.Client.Populate).
func (r *Resolver) SSOPopulate(ctx context.Context, sess sso.Session, p sso.Populate) (*sso.Populated, error) {
	client := r.b.ssoClient()
	tok, err := client.Token(ctx, sess, r.b.LoginOptions())
	if err != nil {
		return nil, err
	}
	p.ConfigFile, _ = r.env.ProfileFiles()
	return client.Populate(ctx, sess, tok, p)
}
