package sso

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"time"

	"github.com/awsenv/awsenv/internal/xerr"
)

// The grant types of CreateToken.
const (
	grantDeviceCode   = "urn:ietf:params:oauth:grant-type:device_code"
	grantAuthCode     = "authorization_code"
	grantRefreshToken = "refresh_token"
)

// redirectPath is the path of the loopback redirect, the AWS CLI's.
const redirectPath = "/oauth/callback"

// registeredRedirect is the redirect URI the client registers: without a
// port, as the AWS CLI registers it, so that the registration serves
// logins on any port (RFC 8252 7.3: the service ignores a loopback port).
const registeredRedirect = "http://127.0.0.1" + redirectPath

// oidc is the sso-oidc endpoint of a session, ready for calls.
type oidc struct {
	c    *Client
	base string
	from string
	sess Session
}

func (c *Client) oidc(sess Session) (*oidc, error) {
	ep, err := c.endpoints(sess.Region)
	if err != nil {
		return nil, err
	}
	return &oidc{c: c, base: ep.OIDC, from: ep.OIDCFrom, sess: sess}, nil
}

func (o *oidc) call(ctx context.Context, op, path string, body map[string]any, out any, secrets ...string) error {
	return o.c.call(ctx, request{
		service: serviceOIDC, op: op, base: o.base, from: o.from, method: http.MethodPost, path: path,
		body: body, secrets: secrets,
	}, out)
}

// tokenAnswer is CreateToken's answer.
type tokenAnswer struct {
	AccessToken  string `json:"accessToken"`
	TokenType    string `json:"tokenType"`
	ExpiresIn    int64  `json:"expiresIn"`
	RefreshToken string `json:"refreshToken"`
}

// createToken calls CreateToken; the request's secrets never reach an error.
func (o *oidc) createToken(ctx context.Context, reg *registration, fields map[string]any, secrets ...string) (*tokenAnswer, error) {
	body := map[string]any{"clientId": reg.ClientID, "clientSecret": reg.ClientSecret}
	for k, v := range fields {
		body[k] = v
	}
	var out tokenAnswer
	if err := o.call(ctx, "CreateToken", "/token", body, &out, append(secrets, reg.ClientSecret)...); err != nil {
		return nil, err
	}
	if out.AccessToken == "" || out.ExpiresIn <= 0 {
		return nil, fmt.Errorf("%s at %s answered CreateToken without an access token: check %s",
			serviceOIDC, host(o.base), request{service: serviceOIDC, from: o.from}.fromHint())
	}
	return &out, nil
}

// newToken is the token file for a CreateToken answer; old's fields that
// awsenv does not know are kept.
func (o *oidc) newToken(a *tokenAnswer, reg *registration, old *cachedToken) *cachedToken {
	t := &cachedToken{
		StartURL: o.sess.StartURL, Region: o.sess.Region,
		AccessToken:  a.AccessToken,
		ExpiresAt:    o.c.now().Add(time.Duration(a.ExpiresIn) * time.Second).UTC().Truncate(time.Second),
		ClientID:     reg.ClientID,
		ClientSecret: reg.ClientSecret, RegistrationExpiresAt: reg.ExpiresAt,
		RefreshToken: a.RefreshToken,
	}
	if old != nil {
		t.file = old.file
	}
	return t
}

// refresh trades t's refresh token for a new access token.
func (c *Client) refresh(ctx context.Context, sess Session, t *cachedToken) (*cachedToken, error) {
	o, err := c.oidc(sess)
	if err != nil {
		return nil, err
	}
	reg := &registration{ClientID: t.ClientID, ClientSecret: t.ClientSecret, ExpiresAt: t.RegistrationExpiresAt}
	a, err := o.createToken(ctx, reg, map[string]any{"grantType": grantRefreshToken, "refreshToken": t.RefreshToken}, t.RefreshToken, t.AccessToken)
	if err != nil {
		return nil, err
	}
	nt := o.newToken(a, reg, t)
	if nt.RefreshToken == "" {
		nt.RefreshToken = t.RefreshToken // the service did not rotate it
	}
	return nt, nil
}

// registration returns a client registration for a new login by one flow:
// awsenv's cached one when it is for this flow and has more than
// RefreshWindow left; else a new one, which is cached for the next login.
// The AWS CLI's registration file is neither read nor written (see
// RegistrationFile).
func (o *oidc) registration(ctx context.Context, authCode bool) (*registration, error) {
	dir, err := o.c.cacheDir()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, RegistrationFile(o.sess, authCode))
	if r := readRegistration(path); r != nil && r.ExpiresAt.Sub(o.c.now()) > RefreshWindow && r.forAuthCode() == authCode {
		return r, nil
	}
	body := map[string]any{
		"clientName": o.c.clientName(o.sess),
		"clientType": "public",
		"scopes":     o.sess.scopes(),
	}
	if authCode {
		body["grantTypes"] = []string{grantAuthCode, grantRefreshToken}
		body["redirectUris"] = []string{registeredRedirect}
		body["issuerUrl"] = o.sess.StartURL
	}
	var out struct {
		ClientID              string `json:"clientId"`
		ClientSecret          string `json:"clientSecret"`
		ClientSecretExpiresAt int64  `json:"clientSecretExpiresAt"`
	}
	if err := o.call(ctx, "RegisterClient", "/client/register", body, &out); err != nil {
		return nil, o.explain(err)
	}
	if out.ClientID == "" || out.ClientSecret == "" || out.ClientSecretExpiresAt == 0 {
		return nil, fmt.Errorf("%s at %s answered RegisterClient without a client: check %s",
			serviceOIDC, host(o.base), request{service: serviceOIDC, from: o.from}.fromHint())
	}
	r := &registration{
		ClientID: out.ClientID, ClientSecret: out.ClientSecret,
		ExpiresAt: time.Unix(out.ClientSecretExpiresAt, 0).UTC(),
		Scopes:    slices.Clone(o.sess.scopes()),
	}
	if authCode {
		r.GrantTypes = []string{grantAuthCode, grantRefreshToken}
	}
	if err := writeCacheFile(path, r.encode()); err != nil {
		o.c.warn("%s", err) // the login works without it
	}
	return r, nil
}

// explain adds what to do to sso-oidc's refusals of a login.
func (o *oidc) explain(err error) error {
	var ae *APIError
	if !errors.As(err, &ae) {
		return err
	}
	switch ae.Code {
	case "InvalidClientException", "UnauthorizedClientException":
		return xerr.New(xerr.Failed, err, "log in again: '"+o.sess.LoginCommand()+"'")
	case "InvalidScopeException":
		return xerr.New(xerr.Failed, err, "check sso_registration_scopes of "+o.sess.label())
	case "InvalidRequestException":
		return xerr.New(xerr.Failed, err, "check sso_start_url and sso_region of "+o.sess.label())
	case "AccessDeniedException":
		return xerr.New(xerr.Failed, err, "the login was refused: ask your administrator for access, then log in again")
	}
	return err
}
