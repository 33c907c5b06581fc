package signin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/fsutil"
	"github.com/awsenv/awsenv/internal/xerr"
)

// Session is a profile's `aws login` session.
type Session struct {
	Profile      string // the profile with login_session, for messages
	LoginSession string // its value: the principal's ARN
	Region       string // the profile's region: where refreshes go unless the cache says signInRegion
}

func (s Session) loginCommand() string { return "awsenv login " + s.Profile }

// needsLogin is the error of a session that only a new sign-in can renew.
func (s Session) needsLogin(format string, a ...any) error {
	return xerr.New(xerr.NeedsPerson, fmt.Errorf(format, a...), "run '"+s.loginCommand()+"'")
}

// lock takes the lock of a cache file (".NAME.lock" beside it).
func (c *Client) lock(ctx context.Context, path string, s Session, wait time.Duration) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the aws login cache folder: %w", err)
	}
	lctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	unlock, err := fsutil.LockFor(lctx, path, func() {
		if c.Waiting != nil {
			c.Waiting(fmt.Sprintf("waiting for another process to finish the sign-in or refresh of profile %s", s.Profile))
		}
	})
	if errors.Is(err, fsutil.ErrLockTimeout) {
		if ctx.Err() != nil {
			return nil, errors.New("interrupted")
		}
		return nil, fmt.Errorf("another process kept the lock of the login of profile %s for over %s: let it finish, or remove %s if none runs",
			s.Profile, wait, fsutil.LockPath(path))
	}
	return unlock, err
}

// Credentials returns the session's credentials with more than window left
// when it can: the cached ones, else ones refreshed with the refresh token
// and a DPoP proof of the session's key, written back to the cache before
// they are returned (the refresh token is rotated). Between processes one
// refreshes at a time; the others wait and take its result. Credentials
// whose refresh failed for a reason other than the session's end are still
// returned while they last a minute.
func (c *Client) Credentials(ctx context.Context, s Session, window time.Duration) (aws.Credentials, error) {
	path, err := c.Path(s.LoginSession)
	if err != nil {
		return aws.Credentials{}, err
	}
	t, err := c.load(path, s)
	if err != nil {
		return aws.Credentials{}, err
	}
	if t.ExpiresAt.Sub(c.now()) > window {
		return t.credentials(), nil
	}
	unlock, err := c.lock(ctx, path, s, 2*c.timeout()+time.Minute)
	if err != nil {
		return aws.Credentials{}, err
	}
	defer unlock()
	fsutil.SweepTemps(path)
	if t, err = c.load(path, s); err != nil { // another process may have refreshed it meanwhile
		return aws.Credentials{}, err
	}
	if t.ExpiresAt.Sub(c.now()) > window {
		return t.credentials(), nil
	}
	nt, err := c.refresh(ctx, s, t, path)
	if err == nil {
		if err := writeToken(path, nt); err != nil {
			return aws.Credentials{}, err
		}
		return nt.credentials(), nil
	}
	if xerr.KindOf(err) == xerr.NeedsPerson || t.ExpiresAt.Sub(c.now()) < time.Minute {
		return aws.Credentials{}, err
	}
	c.warn("could not renew the login of profile %s (%s); using its credentials until %s", s.Profile, xerr.Root(err),
		t.ExpiresAt.Local().Format("15:04:05"))
	return t.credentials(), nil
}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return 30 * time.Second
}

// load reads the session's cache file; none is an error that says to sign
// in, a bad one an error that names the file.
func (c *Client) load(path string, s Session) (*token, error) {
	t, err := readToken(path)
	var torn *FileError
	if errors.As(err, &torn) && torn.Problem == problemNotObject {
		// The SDKs rewrite the file in place (truncate, then write), with
		// no lock: what looks torn is read once more a moment later.
		time.Sleep(100 * time.Millisecond)
		t, err = readToken(path)
	}
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			return nil, xerr.New(xerr.Failed, err, "remove it and run '"+s.loginCommand()+"'")
		}
		return nil, fmt.Errorf("cannot read the aws login cache file: %w", err)
	}
	if t == nil {
		return nil, s.needsLogin("profile %s has no aws login session cached (no %s)", s.Profile, path)
	}
	if _, _, err := readDPoPKey(t.DPoPKey); err != nil {
		return nil, xerr.New(xerr.Failed, &FileError{path, err.Error()}, "remove it and run '"+s.loginCommand()+"'")
	}
	return t, nil
}

// refresh renews t with its refresh token.
func (c *Client) refresh(ctx context.Context, s Session, t *token, path string) (*token, error) {
	key, err := c.dpopKey(t, s, path)
	if err != nil {
		return nil, err
	}
	region := t.SignInRegion
	if region == "" {
		region = s.Region
	}
	endpoint, err := Endpoint(region, c.getenv)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	a, err := c.createToken(ctx, endpoint, key, map[string]string{
		"clientId": t.ClientID, "grantType": "refresh_token", "refreshToken": t.RefreshToken,
	})
	if err != nil {
		return nil, s.explain(err)
	}
	nt := *t
	nt.AccessKeyID, nt.SecretAccessKey, nt.SessionToken = a.AccessToken.AccessKeyID, a.AccessToken.SecretAccessKey, a.AccessToken.SessionToken
	nt.ExpiresAt = c.now().Add(time.Duration(*a.ExpiresIn) * time.Second).UTC().Truncate(time.Second)
	nt.RefreshToken = a.RefreshToken
	if a.TokenType != "" {
		nt.TokenType = a.TokenType
	}
	if a.IDToken != "" {
		nt.IDToken = a.IDToken
	}
	return &nt, nil
}

// explain turns the service's refusals into what the person can do.
func (s Session) explain(err error) error {
	var ae *APIError
	if !errors.As(err, &ae) {
		return err
	}
	switch {
	case ae.Code == "TOKEN_EXPIRED":
		return s.needsLogin("the aws login session of profile %s has expired", s.Profile)
	case ae.Code == "USER_CREDENTIALS_CHANGED":
		return s.needsLogin("the aws login session of profile %s ended: the user's password was changed", s.Profile)
	case ae.Code == "INSUFFICIENT_PERMISSIONS":
		return xerr.New(xerr.Failed, fmt.Errorf("the aws sign-in service refused to renew the login of profile %s: the user may not use aws login", s.Profile),
			"ask for the AWS managed policy SignInLocalDevelopmentAccess (or signin:AuthorizeOAuth2Access and signin:CreateOAuth2Token), see AWS's documentation of aws login")
	case ae.Exception == "InvalidGrantException" || ae.Code == "invalid_grant":
		return s.needsLogin("the aws sign-in service no longer accepts the login of profile %s (its refresh token was refused)", s.Profile)
	}
	return err
}

// MaxSession is how long an aws login session lasts at most: its refresh
// token renews the credentials for up to 12 hours from the sign-in.
const MaxSession = 12 * time.Hour

// Logout deletes the session's cache file; false when there was none.
func (c *Client) Logout(ctx context.Context, s Session) (bool, error) {
	path, err := c.Path(s.LoginSession)
	if err != nil {
		return false, err
	}
	unlock, err := c.lock(ctx, path, s, time.Minute)
	if err != nil {
		return false, err
	}
	defer unlock()
	old, _ := readToken(path)
	err = os.Remove(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cannot delete the aws login cache file: %w", err)
	}
	if old != nil {
		c.dropKey(old.DPoPKey, "")
	}
	return true, nil
}

// Status is what the cache says of a session (a file that can be used
// always has a refresh token), for doctor, ec2now and renewal messages.
type Status struct {
	Path              string
	LoginSession      string
	Expires           time.Time // of the cached credentials
	FileMode, DirMode os.FileMode
	// Keyring is where the DPoP key is when not in the file (login
	// --keyring): "keyring:BACKEND"; "" for the file.
	Keyring string
	// SignedIn is when the person signed in, and RenewsUntil MaxSession
	// later: zero when the cache does not say (an idToken without iat).
	SignedIn, RenewsUntil time.Time
}

// Status reads a session's cache file (no lock, no call): an error wrapping
// os.ErrNotExist when there is none, a *FileError when it cannot be used.
func (c *Client) Status(loginSession string) (Status, error) {
	path, err := c.Path(loginSession)
	if err != nil {
		return Status{}, err
	}
	st := Status{Path: path, LoginSession: loginSession}
	t, err := readToken(path)
	if err != nil {
		return st, err
	}
	if t == nil {
		return st, fmt.Errorf("no aws login session cached for %s (no %s): %w", loginSession, path, os.ErrNotExist)
	}
	st.Expires = t.ExpiresAt
	_, ref, err := readDPoPKey(t.DPoPKey)
	if err != nil {
		return st, &FileError{path, err.Error()}
	}
	if ref != nil {
		st.Keyring = ref.Keyring
	}
	if st.SignedIn = signedIn(t.IDToken); !st.SignedIn.IsZero() {
		st.RenewsUntil = st.SignedIn.Add(MaxSession)
	}
	if fi, err := os.Stat(path); err == nil {
		st.FileMode = fi.Mode().Perm()
	}
	if fi, err := os.Stat(filepath.Dir(path)); err == nil {
		st.DirMode = fi.Mode().Perm()
	}
	return st, nil
}
