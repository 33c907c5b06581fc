package sso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/awsenv/awsenv/internal/loopback"
	"github.com/awsenv/awsenv/internal/xerr"
)

// login logs the person in by the flow opts asks for.
func (c *Client) login(ctx context.Context, sess Session, opts LoginOptions, old *cachedToken) (*cachedToken, error) {
	o, err := c.oidc(sess)
	if err != nil {
		return nil, err
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, opts.timeout())
	defer cancel()
	var t *cachedToken
	if opts.DeviceCode {
		t, err = o.deviceLogin(ctx, opts, old)
	} else {
		t, err = o.pkceLogin(ctx, opts, old)
	}
	if err != nil && ctx.Err() != nil {
		if parent.Err() != nil {
			return nil, errors.New("interrupted")
		}
		return nil, xerr.New(xerr.NeedsPerson, fmt.Errorf("the login to %s timed out after %s", sess.label(), opts.timeout()),
			"finish it in the browser within that time, or try again")
	}
	return t, err
}

// show hands the address (and code) to the person and opens a browser.
func (o *oidc) show(opts LoginOptions, addr, code string) error {
	if err := opts.Show(addr, code); err != nil {
		return fmt.Errorf("cannot show the login address: %w", err)
	}
	if opts.Open != nil {
		if err := opts.Open(addr); err != nil {
			o.c.warn("cannot open a browser (%s): open the address yourself", xerr.Root(err))
		}
	}
	return nil
}

// pkceLogin is the authorization code flow with PKCE (RFC 7636) on a
// one-time redirect to 127.0.0.1, as the AWS CLI does since 2.22.
func (o *oidc) pkceLogin(ctx context.Context, opts LoginOptions, old *cachedToken) (*cachedToken, error) {
	reg, err := o.registration(ctx, true)
	if err != nil {
		return nil, err
	}
	if err := loopback.Check(); err != nil {
		return nil, fmt.Errorf("cannot check which user's browser comes back to the login redirect (%w): use --device-code", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("cannot listen on 127.0.0.1 for the login redirect: %w", err)
	}
	redirect := "http://" + ln.Addr().String() + redirectPath
	verifier := randomVerifier()
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	state := base64.RawURLEncoding.EncodeToString(randomBytes(32))
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {reg.ClientID},
		"redirect_uri":          {redirect},
		"state":                 {state},
		"code_challenge_method": {"S256"},
		"code_challenge":        {challenge},
		"scopes":                {strings.Join(o.sess.scopes(), " ")},
	}
	authURL := o.base + "/authorize?" + q.Encode()

	cb := loopback.Serve(ctx, ln, redirectPath, "the login's redirect", func(_ context.Context, q url.Values) (string, error) {
		return finish(q, state)
	})
	defer cb.Close()
	if err := o.show(opts, authURL, ""); err != nil {
		return nil, err
	}
	var code string
	select {
	case r := <-cb.Results:
		if r.Err != nil {
			return nil, r.Err
		}
		code = r.Value
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	a, err := o.createToken(ctx, reg, map[string]any{
		"grantType": grantAuthCode, "code": code, "redirectUri": redirect, "codeVerifier": verifier,
	}, code, verifier)
	if err != nil {
		return nil, o.explain(err)
	}
	return o.newToken(a, reg, old), nil
}

// deviceLogin is the device authorization flow (RFC 8628): the person
// opens the address, checks the code and approves; meanwhile CreateToken
// is polled at the interval the service asks for.
func (o *oidc) deviceLogin(ctx context.Context, opts LoginOptions, old *cachedToken) (*cachedToken, error) {
	reg, err := o.registration(ctx, false)
	if err != nil {
		return nil, err
	}
	var da struct {
		DeviceCode              string `json:"deviceCode"`
		UserCode                string `json:"userCode"`
		VerificationURI         string `json:"verificationUri"`
		VerificationURIComplete string `json:"verificationUriComplete"`
		ExpiresIn               int64  `json:"expiresIn"`
		Interval                int64  `json:"interval"`
	}
	err = o.call(ctx, "StartDeviceAuthorization", "/device_authorization", map[string]any{
		"clientId": reg.ClientID, "clientSecret": reg.ClientSecret, "startUrl": o.sess.StartURL,
	}, &da, reg.ClientSecret)
	if err != nil {
		return nil, o.explain(err)
	}
	addr := da.VerificationURIComplete
	if addr == "" {
		addr = da.VerificationURI
	}
	if da.DeviceCode == "" || addr == "" {
		return nil, fmt.Errorf("%s at %s answered StartDeviceAuthorization without a device code", serviceOIDC, host(o.base))
	}
	if err := o.show(opts, addr, da.UserCode); err != nil {
		return nil, err
	}
	interval := time.Duration(da.Interval) * time.Second
	if interval <= 0 {
		interval = 5 * time.Second // RFC 8628 3.2
	}
	expires := time.Duration(da.ExpiresIn) * time.Second
	for {
		if err := o.c.sleep(ctx, interval); err != nil {
			return nil, err
		}
		a, err := o.createToken(ctx, reg, map[string]any{"grantType": grantDeviceCode, "deviceCode": da.DeviceCode}, da.DeviceCode)
		var ae *APIError
		switch {
		case err == nil:
			return o.newToken(a, reg, old), nil
		case !errors.As(err, &ae):
			return nil, err
		case ae.Code == "AuthorizationPendingException":
			continue
		case ae.Code == "SlowDownException":
			interval += 5 * time.Second // RFC 8628 3.5, for this and every later poll
			continue
		case ae.Code == "ExpiredTokenException":
			return nil, xerr.New(xerr.NeedsPerson,
				fmt.Errorf("the device code of %s expired before the login was approved", o.sess.label()),
				fmt.Sprintf("run the login again and approve it within %s", expires))
		case ae.Code == "AccessDeniedException":
			return nil, xerr.New(xerr.Failed, fmt.Errorf("the login to %s was refused in the browser", o.sess.label()),
				"log in again and approve it, or ask your administrator for access")
		}
		return nil, o.explain(err)
	}
}

// randomVerifier is a PKCE code verifier: 64 characters of the unreserved
// set, as the AWS CLI makes them.
func randomVerifier() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
	const limit = 256 - 256%len(alphabet) // drawing below it keeps every character equally likely
	out := make([]byte, 0, 64)
	for len(out) < cap(out) {
		for _, b := range randomBytes(64) {
			if int(b) < limit && len(out) < cap(out) {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return b
}

// finish checks what the browser brought back.
func finish(q url.Values, state string) (string, error) {
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
		return "", xerr.New(xerr.Failed,
			errors.New("login state mismatch: the browser came back with an answer that does not belong to this login"),
			"start the login again")
	}
	if e := q.Get("error"); e != "" {
		msg := clean(e, nil)
		if d := q.Get("error_description"); d != "" {
			msg += ": " + clean(d, nil)
		}
		return "", xerr.New(xerr.Failed, fmt.Errorf("the login was refused in the browser (%s)", msg),
			"log in again and approve it, or ask your administrator for access")
	}
	code := q.Get("code")
	if code == "" {
		return "", errors.New("the browser came back without an authorization code: log in again")
	}
	return code, nil
}
