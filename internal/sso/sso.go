// Package sso logs a person in to AWS IAM Identity Center and gets role
// credentials with the login: the sso-oidc API (client registration,
// authorization code with PKCE on a one-time 127.0.0.1 redirect, device
// authorization, refresh tokens) and the portal API (GetRoleCredentials,
// ListAccounts, ListAccountRoles, Logout).
//
// Tokens live in the AWS CLI's shared cache (~/.aws/sso/cache), in its
// exact format, so one login serves the AWS CLI, the SDKs and awsenv. Every
// change to a token file happens under a lock beside it, after reading it
// again, so any number of processes that want a token at once make one
// refresh or one login between them.
package sso

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/fsutil"
	"github.com/awsenv/awsenv/internal/xerr"
)

// Timing rules, the AWS CLI's.
const (
	// RefreshWindow: an access token with less left is refreshed (the AWS
	// CLI's and botocore's 15 minutes); a client registration with less
	// left is not used for a new login.
	RefreshWindow = 15 * time.Minute
	// minUsable: a token whose refresh failed is still used while it has
	// this much left, as botocore does, rather than sending the person to
	// the browser.
	minUsable = time.Minute
	// DefaultLoginTimeout bounds a login, the person's time in the browser
	// included (the AWS CLI waits 10 minutes).
	DefaultLoginTimeout = 10 * time.Minute
	// DefaultTimeout bounds each call to the services.
	DefaultTimeout = 30 * time.Second
)

// DefaultScope is what a session without sso_registration_scopes asks for:
// access to the accounts, which is also what earns a refresh token.
const DefaultScope = "sso:account:access"

// Session is an IAM Identity Center login: an [sso-session NAME] section,
// or the sso_start_url and sso_region of a legacy profile.
type Session struct {
	// Name is the sso-session's name; "" for a legacy profile, whose
	// token is cached under its start URL instead.
	Name     string
	StartURL string
	Region   string
	// Scopes are the sso_registration_scopes as configured, nil when not
	// set (then DefaultScope is asked for, as the AWS CLI does). They are
	// part of the name of the CLI's registration cache file.
	Scopes []string
}

func (s Session) cacheKey() string {
	if s.Name != "" {
		return s.Name
	}
	return s.StartURL
}

// label is how messages name the session.
func (s Session) label() string {
	if s.Name != "" {
		return fmt.Sprintf("sso session %q", s.Name)
	}
	return fmt.Sprintf("sso start url %q", s.StartURL)
}

// LoginCommand is what to run to log in again.
func (s Session) LoginCommand() string {
	if s.Name != "" {
		return "awsenv sso login " + s.Name
	}
	return "awsenv sso login"
}

func (s Session) scopes() []string {
	if len(s.Scopes) == 0 {
		return []string{DefaultScope}
	}
	return s.Scopes
}

func (s Session) check() error {
	if s.StartURL == "" {
		return xerr.New(xerr.Failed, fmt.Errorf("%s has no sso_start_url", s.label()), "set it to the AWS access portal URL")
	}
	if _, err := checkEndpoint(s.StartURL); err != nil {
		return xerr.New(xerr.Failed, fmt.Errorf("sso_start_url %q is not a URL", s.StartURL), "set it to the AWS access portal URL, https://...")
	}
	if err := checkRegion(s.Region); err != nil {
		return xerr.New(xerr.Failed, fmt.Errorf("%s: %w", s.label(), err), "")
	}
	return nil
}

// Token is an access token of a session. It is a credential: String never
// shows it.
type Token struct {
	AccessToken string
	ExpiresAt   time.Time
	Session     Session
}

func (t Token) String() string {
	return fmt.Sprintf("access token of %s (expires %s)", t.Session.label(), t.ExpiresAt.UTC().Format(time.RFC3339))
}

// GoString keeps %#v from printing the token.
func (t Token) GoString() string { return "sso.Token{" + t.String() + "}" }

// LoginOptions say whether and how a login may happen.
type LoginOptions struct {
	// DeviceCode logs in by device authorization instead of the
	// authorization code flow with PKCE.
	DeviceCode bool
	// NoLogin never starts a login (a credential server, no person):
	// Token refreshes what it can, else returns an error of kind
	// xerr.NeedsPerson.
	NoLogin bool
	// Force logs in even when the cache has a good token (sso login).
	Force bool
	// Show is called once a login needs the person: with the address to
	// open and, for a device authorization, the code the page shows. The
	// caller prints them to the terminal (never stdout). Required unless
	// NoLogin.
	Show func(url, code string) error
	// Open opens a browser on the address (nil: the person opens it). Its
	// failure is not the login's: the address was shown.
	Open func(url string) error
	// Timeout bounds a login, the person's time in the browser included;
	// default DefaultLoginTimeout.
	Timeout time.Duration
}

func (o LoginOptions) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultLoginTimeout
}

// Client talks to IAM Identity Center and keeps the token cache. Its zero
// value works, with the process's environment.
type Client struct {
	// Getenv reads the environment: HOME, AWS_ENDPOINT_URL_SSO_OIDC,
	// AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL. nil is os.Getenv.
	Getenv func(string) string
	// Endpoints, when set, chooses the endpoints of a region instead of
	// ResolveEndpoints (e.g. from a profile's [services] section).
	Endpoints func(region string) (Endpoints, error)
	// HTTP sends the requests; nil is a client with the dial and header
	// timeouts of Timeout. Redirects are never followed either way.
	HTTP *http.Client
	// Timeout bounds each call; default DefaultTimeout.
	Timeout time.Duration
	// CacheDir is the token cache; "" is DefaultCacheDir.
	CacheDir string
	// ClientName is the start of the names of the clients it registers
	// ("awsenv" gives awsenv-client-SESSION, as the CLI's botocore-client-SESSION).
	ClientName string
	// Now and Sleep are the clock; nil for the real one.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Warn tells the person about something that does not stop the work:
	// a corrupt cache file, a refresh that failed. nil drops it.
	Warn func(msg string)
	// Waiting is called when another process holds the session's lock (it
	// is logging in or refreshing). nil says nothing.
	Waiting func(msg string)
}

func (c *Client) getenv(k string) string {
	if c.Getenv == nil {
		return os.Getenv(k)
	}
	return c.Getenv(k)
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c *Client) warn(format string, args ...any) {
	if c.Warn != nil {
		c.Warn(fmt.Sprintf(format, args...))
	}
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		hc := *c.HTTP
		hc.CheckRedirect = noRedirects
		return &hc
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: c.timeout(), KeepAlive: 30 * time.Second}).DialContext
	tr.ResponseHeaderTimeout = c.timeout()
	return &http.Client{Transport: tr, CheckRedirect: noRedirects}
}

func (c *Client) endpoints(region string) (Endpoints, error) {
	if c.Endpoints != nil {
		return c.Endpoints(region)
	}
	return ResolveEndpoints(region, c.getenv)
}

func (c *Client) cacheDir() (string, error) {
	dir := c.CacheDir
	if dir == "" {
		dir = DefaultCacheDir(c.getenv)
	}
	if dir == "" {
		return "", errors.New("cannot find the sso token cache: HOME is not set")
	}
	return dir, nil
}

// TokenPath is the path of sess's token file.
func (c *Client) TokenPath(sess Session) (string, error) {
	dir, err := c.cacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, TokenFile(sess)), nil
}

// lockPath is the lock beside a token file, named as every lock of a file
// awsenv edits (fsutil.LockPath).
func lockPath(tokenPath string) string { return fsutil.LockPath(tokenPath) }

// load reads sess's token file; a corrupt one, or one of another start URL
// or region, counts as none (with a warning when warn).
func (c *Client) load(path string, sess Session, warn bool) *cachedToken {
	t, err := readToken(path)
	if err != nil {
		if warn {
			c.warn("%s", err)
		}
		return nil
	}
	if t == nil {
		return nil
	}
	if t.StartURL != "" && t.StartURL != sess.StartURL || t.Region != "" && t.Region != sess.Region {
		if !warn {
			return nil
		}
		c.warn("ignoring the cached token of %s: it is for start url %q in %s, the config says %q in %s; the next login replaces it",
			sess.label(), t.StartURL, t.Region, sess.StartURL, sess.Region)
		return nil
	}
	return t
}

func (t *cachedToken) token(sess Session) Token {
	return Token{AccessToken: t.AccessToken, ExpiresAt: t.ExpiresAt, Session: sess}
}

func (t *cachedToken) left(now time.Time) time.Duration { return t.ExpiresAt.Sub(now) }

// Renewal says, from the cached token of sess alone (no lock, no refresh,
// no network call), until when its access token is good (zero: there is
// none) and whether a refresh token can renew it after that, which works
// for as long as the IAM Identity Center session lasts: a time no client
// is told.
func (c *Client) Renewal(sess Session) (expires time.Time, refreshable bool) {
	if sess.check() != nil {
		return time.Time{}, false
	}
	path, err := c.TokenPath(sess)
	if err != nil {
		return time.Time{}, false
	}
	t := c.load(path, sess, false)
	if t == nil {
		return time.Time{}, false
	}
	return t.ExpiresAt, t.refreshable(c.now())
}

// refreshable says whether a refresh can be tried: there is a refresh
// token and a client registration that has not expired.
func (t *cachedToken) refreshable(now time.Time) bool {
	return t.RefreshToken != "" && t.ClientID != "" && t.ClientSecret != "" &&
		(t.RegistrationExpiresAt.IsZero() || now.Before(t.RegistrationExpiresAt))
}

// Token returns an access token of sess with more than RefreshWindow left
// when it can: the cached one; else one refreshed with the refresh token
// (no person needed); else, unless opts.NoLogin, one from a new login. A
// token whose refresh failed is still returned while it has a minute left.
// Between processes, only one refreshes or logs in at a time; the others
// wait for it and take its token.
func (c *Client) Token(ctx context.Context, sess Session, opts LoginOptions) (Token, error) {
	if err := sess.check(); err != nil {
		return Token{}, err
	}
	if !opts.NoLogin && opts.Show == nil {
		return Token{}, errors.New("sso: LoginOptions.Show is nil")
	}
	path, err := c.TokenPath(sess)
	if err != nil {
		return Token{}, err
	}
	if !opts.Force {
		if t := c.load(path, sess, false); t != nil && t.left(c.now()) > RefreshWindow {
			return t.token(sess), nil
		}
	}

	unlock, err := c.lock(ctx, path, sess, opts)
	if err != nil {
		return Token{}, err
	}
	defer unlock()
	fsutil.SweepTemps(path)
	t := c.load(path, sess, true) // another process may have refreshed it meanwhile
	if t != nil && !opts.Force {
		now := c.now()
		if t.left(now) > RefreshWindow {
			return t.token(sess), nil
		}
		if t.refreshable(now) {
			nt, err := c.refresh(ctx, sess, t)
			if err == nil {
				if err := writeCacheFile(path, nt.encode()); err != nil {
					return Token{}, err
				}
				return nt.token(sess), nil
			}
			c.warn("could not refresh the access token of %s: %s", sess.label(), xerr.Root(err))
		}
		if t.left(c.now()) > minUsable {
			return t.token(sess), nil
		}
	}
	if opts.NoLogin {
		return Token{}, xerr.New(xerr.NeedsPerson, fmt.Errorf("%s needs a login in the browser", sess.label()),
			"run '"+sess.LoginCommand()+"'")
	}
	nt, err := c.login(ctx, sess, opts, t)
	if err != nil {
		return Token{}, err
	}
	if err := writeCacheFile(path, nt.encode()); err != nil {
		return Token{}, err
	}
	return nt.token(sess), nil
}

// lock takes the lock of a token file, long enough for another process's
// login to finish.
func (c *Client) lock(ctx context.Context, path string, sess Session, opts LoginOptions) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the sso cache folder: %w", err)
	}
	lctx, cancel := context.WithTimeout(ctx, opts.timeout()+c.timeout())
	defer cancel()
	unlock, err := fsutil.Lock(lctx, lockPath(path), func() {
		if c.Waiting != nil {
			c.Waiting(fmt.Sprintf("waiting for another process to finish the login or refresh of %s", sess.label()))
		}
	})
	if errors.Is(err, fsutil.ErrLockTimeout) {
		if ctx.Err() != nil {
			return nil, errors.New("interrupted")
		}
		return nil, fmt.Errorf("another process kept the lock of %s for over %s: let it finish, or remove %s if none runs",
			sess.label(), opts.timeout()+c.timeout(), lockPath(path))
	}
	return unlock, err
}

// Login logs in to sess anew, whatever the cache holds (sso login).
func (c *Client) Login(ctx context.Context, sess Session, opts LoginOptions) (Token, error) {
	opts.Force, opts.NoLogin = true, false
	return c.Token(ctx, sess, opts)
}

// Invalidate marks tok as expired in the cache, after the portal refused it
// (ErrTokenRejected), so that the next Token refreshes or logs in. The
// refresh token and the fields of other tools are kept; a newer token
// another process wrote meanwhile is left alone.
func (c *Client) Invalidate(ctx context.Context, tok Token) error {
	path, err := c.TokenPath(tok.Session)
	if err != nil {
		return err
	}
	unlock, err := c.lock(ctx, path, tok.Session, LoginOptions{Timeout: time.Minute})
	if err != nil {
		return err
	}
	defer unlock()
	t, _ := readToken(path)
	if t == nil || t.AccessToken != tok.AccessToken {
		return nil
	}
	t.ExpiresAt = c.now().Add(-time.Second).Truncate(time.Second)
	return writeCacheFile(path, t.encode())
}

// RoleCredentialsFor returns the credentials of a role through sess: it
// gets a token (Token, with opts) and calls GetRoleCredentials; when the
// portal refuses the token (401), it invalidates it and tries once more
// with a new one.
func (c *Client) RoleCredentialsFor(ctx context.Context, sess Session, accountID, roleName string, opts LoginOptions) (aws.Credentials, error) {
	tok, err := c.Token(ctx, sess, opts)
	if err != nil {
		return aws.Credentials{}, err
	}
	cr, err := c.RoleCredentials(ctx, tok, accountID, roleName)
	if !errors.Is(err, ErrTokenRejected) {
		return cr, err
	}
	if err := c.Invalidate(ctx, tok); err != nil {
		return aws.Credentials{}, err
	}
	opts.Force = false
	tok, err = c.Token(ctx, sess, opts)
	if err != nil {
		return aws.Credentials{}, err
	}
	return c.RoleCredentials(ctx, tok, accountID, roleName)
}

// clientName is the name RegisterClient gets: PREFIX-client-SESSION, or
// PREFIX-client-UNIXTIME for a legacy profile, as the AWS CLI names its own.
func (c *Client) clientName(sess Session) string {
	prefix := c.ClientName
	if prefix == "" {
		prefix = "awsenv"
	}
	name := sess.Name
	if name == "" {
		name = fmt.Sprint(c.now().Unix())
	}
	return prefix + "-client-" + name
}
