package stsapi

import (
	"context"
	"net/url"
	"time"
)

// WebIdentityInput are AssumeRoleWithWebIdentity's parameters; a zero
// Duration is not sent (STS then gives one hour).
type WebIdentityInput struct {
	RoleARN     string
	SessionName string
	Token       string // the OIDC ID token
	Duration    time.Duration
}

// WebIdentity are the credentials of a role assumed with a web identity
// token, with what STS read from the token.
type WebIdentity struct {
	Assumed
	Subject  string // the token's sub
	Audience string // the token's aud that the role trusts
	Provider string // the issuer, as host and path
}

// AssumeRoleWithWebIdentity assumes a role with an OIDC ID token. The token
// is the only proof of identity: the request is sent unsigned, whatever c's
// Credentials are.
func (c *Client) AssumeRoleWithWebIdentity(ctx context.Context, in WebIdentityInput) (*WebIdentity, error) {
	anon := *c
	anon.Credentials = nil
	p := url.Values{
		"RoleArn":          {in.RoleARN},
		"RoleSessionName":  {in.SessionName},
		"WebIdentityToken": {in.Token},
	}
	if in.Duration > 0 {
		p.Set("DurationSeconds", seconds(in.Duration))
	}
	var out struct {
		Credentials Credentials `xml:"Credentials"`
		ARN         string      `xml:"AssumedRoleUser>Arn"`
		Subject     string      `xml:"SubjectFromWebIdentityToken"`
		Audience    string      `xml:"Audience"`
		Provider    string      `xml:"Provider"`
	}
	if err := anon.Call(ctx, "AssumeRoleWithWebIdentity", p, &out); err != nil {
		return nil, err
	}
	return &WebIdentity{
		Assumed:  Assumed{Credentials: out.Credentials, ARN: out.ARN},
		Subject:  out.Subject,
		Audience: out.Audience,
		Provider: out.Provider,
	}, c.checkCreds("AssumeRoleWithWebIdentity", &out.Credentials)
}
