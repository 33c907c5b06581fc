package resolve

import (
	"context"
	"runtime"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/console"
	"github.com/awsenv/awsenv/internal/sso"
)

// ssoClient is the run's IAM Identity Center client, made on first use.
func (b *Builder) ssoClient() *sso.Client {
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
func (b *Builder) LoginOptions() sso.LoginOptions {
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
func (b *Builder) SSOClient() *sso.Client { return b.ssoClient() }

func (b *Builder) ssoStep(st *Step) aws.CredentialsProvider {
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
