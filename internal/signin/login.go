package signin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/awsenv/awsenv/internal/keystore"
	"github.com/awsenv/awsenv/internal/loopback"
	"github.com/awsenv/awsenv/internal/xerr"
)

// DefaultLoginTimeout bounds a sign-in, the person's time in the browser
// included.
const DefaultLoginTimeout = 10 * time.Minute

const callbackPath = "/oauth/callback"

// LoginOptions say how a sign-in runs.
type LoginOptions struct {
	// Profile names the profile in messages.
	Profile string
	// Region is where the sign-in service is asked (the profile's region).
	Region string
	// Remote is the cross-device flow: the address goes to the person, who
	// signs in on any device and pastes back the code the page shows.
	Remote bool
	// Show hands the sign-in address to the person (on stderr). Required.
	Show func(url string) error
	// Open opens a browser on the address (nil: the person opens it); its
	// failure is not the login's: the address was shown. Not used with
	// Remote.
	Open func(url string) error
	// ReadCode reads the pasted code from the terminal (Remote only).
	ReadCode func(prompt string) (string, error)
	// Timeout bounds the sign-in; default DefaultLoginTimeout.
	Timeout time.Duration
	// Keyring, when set ("keyring", "keyring:BACKEND"), keeps the
	// session's DPoP key in that keyring (Client.Vault) and only a
	// reference to it in the cache file, which the AWS CLI and the SDKs
	// cannot refresh with. "": in the cache file, as the CLI keeps it.
	Keyring string
}

// Login is a new sign-in.
type Login struct {
	LoginSession string // the principal's ARN: the profile's login_session
	AccountID    string
	Expires      time.Time // of the credentials; the refresh token renews them
	Path         string    // the cache file
	Keyring      string    // where its key is kept (LoginOptions.Keyring): "keyring:BACKEND"; "" for the file
}

// Login signs the person in and writes the session into the cache
// (replacing what it held for the same principal).
func (c *Client) Login(ctx context.Context, opts LoginOptions) (*Login, error) {
	if opts.Show == nil {
		return nil, errors.New("signin: LoginOptions.Show is nil")
	}
	endpoint, err := Endpoint(opts.Region, c.getenv)
	if err != nil {
		return nil, err
	}
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	pemKey, err := keyPEM(key)
	if err != nil {
		return nil, err
	}
	var vault keystore.Secrets
	if opts.Keyring != "" {
		// Opened (and unlocked) before the person signs in, so that a
		// keyring that cannot be used costs no sign-in.
		if vault, err = c.vault(opts.Keyring); err == nil {
			err = vault.Unlock()
		}
		if err != nil {
			return nil, err
		}
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultLoginTimeout
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	verifier := base64.RawURLEncoding.EncodeToString(randomBytes(48))
	state := base64.RawURLEncoding.EncodeToString(randomBytes(24))
	var code, redirect, client string
	if opts.Remote {
		client, redirect = ClientCrossDevice, endpoint+"/v1/sessions/confirmation"
		code, err = c.remote(opts, endpoint, authorizeURL(endpoint, client, redirect, verifier, state), state)
	} else {
		client = ClientSameDevice
		code, redirect, err = c.sameDevice(ctx, opts, endpoint, verifier, state)
	}
	if err != nil {
		if ctx.Err() != nil {
			if parent.Err() != nil {
				return nil, errors.New("interrupted")
			}
			return nil, xerr.New(xerr.NeedsPerson, fmt.Errorf("the sign-in timed out after %s", timeout), "finish it in the browser within that time, or try again")
		}
		return nil, err
	}
	t := &token{ClientID: client, DPoPKey: pemKey}
	cctx, ccancel := context.WithTimeout(ctx, c.timeout())
	defer ccancel()
	a, err := c.createToken(cctx, endpoint, key, map[string]string{
		"clientId": client, "grantType": "authorization_code", "code": code, "codeVerifier": verifier, "redirectUri": redirect,
	})
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) && ae.Code == "INSUFFICIENT_PERMISSIONS" {
			return nil, xerr.New(xerr.Failed, errors.New("the aws sign-in service refused the sign-in: the user may not use aws login"),
				"ask for the AWS managed policy SignInLocalDevelopmentAccess (or signin:AuthorizeOAuth2Access and signin:CreateOAuth2Token), see AWS's documentation of aws login")
		}
		return nil, err
	}
	arn, err := subject(a.IDToken)
	if err != nil {
		return nil, fmt.Errorf("the aws sign-in service at %s gave an idToken awsenv cannot read: %v", endpoint, err)
	}
	account := accountOf(arn)
	if account == "" {
		return nil, fmt.Errorf("the aws sign-in service at %s signed in %q, which is not an IAM principal's ARN", endpoint, arn)
	}
	t.AccessKeyID, t.SecretAccessKey, t.SessionToken = a.AccessToken.AccessKeyID, a.AccessToken.SecretAccessKey, a.AccessToken.SessionToken
	t.AccountID = account
	t.ExpiresAt = c.now().Add(time.Duration(*a.ExpiresIn) * time.Second).UTC().Truncate(time.Second)
	t.TokenType = a.TokenType
	if t.TokenType == "" {
		t.TokenType = TokenType
	}
	t.RefreshToken, t.IDToken = a.RefreshToken, a.IDToken
	path, err := c.Path(arn)
	if err != nil {
		return nil, err
	}
	s := Session{Profile: opts.Profile, LoginSession: arn, Region: opts.Region}
	unlock, err := c.lock(parent, path, s, time.Minute+c.timeout())
	if err != nil {
		return nil, err
	}
	defer unlock()
	var item string
	if vault != nil {
		item = newItemName(arn)
		if err := vault.Set(item, "awsenv: the aws login key of "+arn, []byte(pemKey)); err != nil {
			return nil, fmt.Errorf("signed in, but cannot keep the session's key in %s: %w", vault.Where(), err)
		}
		t.DPoPKey = keyRef{Keyring: vault.Setting(), Item: item}.encode()
	}
	old, _ := readToken(path)
	if old != nil {
		t.file, t.access = old.file, old.access // keep what other tools put there
	}
	if err := writeToken(path, t); err != nil {
		if vault != nil {
			_ = vault.Delete(item)
		}
		return nil, err
	}
	if old != nil {
		c.dropKey(old.DPoPKey, item)
	}
	l := &Login{LoginSession: arn, AccountID: account, Expires: t.ExpiresAt, Path: path}
	if vault != nil {
		l.Keyring = vault.Setting()
	}
	return l, nil
}

func authorizeURL(endpoint, client, redirect, verifier, state string) string {
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {client},
		"redirect_uri":          {redirect},
		"state":                 {state},
		"code_challenge_method": {"SHA-256"}, // as the AWS CLI sends it, not RFC 7636's S256
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"scope":                 {"openid"},
	}
	return endpoint + "/v1/authorize?" + q.Encode()
}

// sameDevice is the authorization code flow with PKCE on a one-time
// redirect to 127.0.0.1, which only the person's own browser can answer.
func (c *Client) sameDevice(ctx context.Context, opts LoginOptions, endpoint, verifier, state string) (code, redirect string, err error) {
	if err := loopback.Check(); err != nil {
		return "", "", fmt.Errorf("cannot check which user's browser comes back to the sign-in redirect (%v): use --remote", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", "", fmt.Errorf("cannot listen on 127.0.0.1 for the sign-in redirect: %w", err)
	}
	redirect = "http://" + ln.Addr().String() + callbackPath
	cb := loopback.Serve(ctx, ln, callbackPath, "the sign-in's redirect", func(_ context.Context, q url.Values) (string, error) {
		return checkAnswer(q, state)
	})
	defer cb.Close()
	addr := authorizeURL(endpoint, ClientSameDevice, redirect, verifier, state)
	if err := opts.Show(addr); err != nil {
		return "", "", fmt.Errorf("cannot show the sign-in address: %w", err)
	}
	if opts.Open != nil {
		if err := opts.Open(addr); err != nil {
			c.warn("cannot open a browser (%s): open the address yourself", xerr.Root(err))
		}
	}
	select {
	case r := <-cb.Results:
		return r.Value, redirect, r.Err
	case <-ctx.Done():
		return "", "", ctx.Err()
	}
}

// remote is the cross-device flow: the page the person ends on shows a
// code, base64 of "code=...&state=...", to paste into the terminal.
func (c *Client) remote(opts LoginOptions, endpoint, addr, state string) (string, error) {
	if opts.ReadCode == nil {
		return "", errors.New("signin: LoginOptions.ReadCode is nil")
	}
	if err := opts.Show(addr); err != nil {
		return "", fmt.Errorf("cannot show the sign-in address: %w", err)
	}
	pasted, err := opts.ReadCode("Paste the code the sign-in page shows: ")
	if err != nil {
		return "", fmt.Errorf("cannot read the sign-in code: %w", err)
	}
	q, err := decodePasted(pasted)
	if err != nil {
		return "", err
	}
	return checkAnswer(q, state)
}

// decodePasted reads the pasted code: base64 (standard or URL-safe,
// padded or not, with any spaces or line breaks a terminal added) of a
// query string.
func decodePasted(s string) (url.Values, error) {
	s = strings.Join(strings.Fields(s), "")
	bad := xerr.New(xerr.Failed, errors.New("the pasted code is not the one the sign-in page shows"), "copy the whole code and try again")
	raw := strings.TrimRight(s, "=")
	var data []byte
	var err error
	if strings.ContainsAny(raw, "-_") {
		data, err = base64.RawURLEncoding.DecodeString(raw)
	} else {
		data, err = base64.RawStdEncoding.DecodeString(raw)
	}
	if err != nil || s == "" {
		return nil, bad
	}
	q, err := url.ParseQuery(string(data))
	if err != nil {
		return nil, bad
	}
	return q, nil
}

// checkAnswer checks what came back from the sign-in page.
func checkAnswer(q url.Values, state string) (string, error) {
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
		return "", xerr.New(xerr.Failed,
			errors.New("sign-in state mismatch: the answer does not belong to this sign-in"), "start the sign-in again")
	}
	if e := q.Get("error"); e != "" {
		msg := clean(e, 64)
		if d := q.Get("error_description"); d != "" {
			msg += ": " + clean(d, 200)
		}
		return "", xerr.New(xerr.Failed, fmt.Errorf("the sign-in was refused (%s)", msg), "sign in again, or ask your administrator for access")
	}
	code := q.Get("code")
	if code == "" {
		return "", errors.New("the sign-in came back without an authorization code: sign in again")
	}
	return code, nil
}

// subject is the sub claim of a JWT. The token came straight from the
// sign-in service over the connection awsenv opened, so its signature is
// not checked again (the AWS CLI does not either).
func subject(jwt string) (string, error) {
	c, err := readClaims(jwt)
	if err != nil {
		return "", err
	}
	if c.Sub == "" {
		return "", errors.New("it has no sub")
	}
	return c.Sub, nil
}

// claims are what awsenv reads of an idToken. Its signature is not checked:
// it came over TLS from the service awsenv asked, and it only names whom
// the session is for and when they signed in.
type claims struct {
	Sub      string   `json:"sub"`
	IAT      *float64 `json:"iat"`
	AuthTime *float64 `json:"auth_time"`
}

func readClaims(jwt string) (claims, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return claims{}, errors.New("it is not a JWT")
	}
	data, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return claims{}, errors.New("its payload is not base64url")
	}
	var c claims
	if json.Unmarshal(data, &c) != nil {
		return claims{}, errors.New("its payload is not a JSON object")
	}
	return c, nil
}

// signedIn is when the person signed in, from the login's idToken: its
// auth_time, else its iat (the service gives an idToken only at the
// sign-in, and the refreshes keep it); zero when it does not say.
func signedIn(jwt string) time.Time {
	c, err := readClaims(jwt)
	if err != nil {
		return time.Time{}
	}
	for _, v := range []*float64{c.AuthTime, c.IAT} {
		if v != nil && *v > 0 && *v < 1<<40 {
			return time.Unix(int64(*v), 0).UTC()
		}
	}
	return time.Time{}
}

// accountOf is the account of an IAM or STS ARN ("" if it is none).
func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || (parts[2] != "iam" && parts[2] != "sts") || len(parts[4]) != 12 ||
		strings.Trim(parts[4], "0123456789") != "" || strings.ContainsAny(arn, " \t\r\n") {
		return ""
	}
	return parts[4]
}
