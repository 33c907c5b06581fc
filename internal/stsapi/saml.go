package stsapi

import (
	"context"
	"net/url"
	"time"
)

// SAMLInput are AssumeRoleWithSAML's parameters; a zero Duration is not
// sent (STS then gives one hour).
type SAMLInput struct {
	RoleARN, ProviderARN string
	Assertion            string // the SAMLResponse, base64, as the identity provider posted it
	Duration             time.Duration
}

// SAMLRole are the credentials of a role assumed with a SAML assertion,
// with what STS read from the assertion.
type SAMLRole struct {
	Assumed
	Subject, Issuer string
}

// AssumeRoleWithSAML assumes a role with a SAML assertion. The assertion
// is the only proof of identity: the request is sent unsigned, whatever
// c's Credentials are.
func (c *Client) AssumeRoleWithSAML(ctx context.Context, in SAMLInput) (*SAMLRole, error) {
	anon := *c
	anon.Credentials = nil
	p := url.Values{
		"RoleArn":       {in.RoleARN},
		"PrincipalArn":  {in.ProviderARN},
		"SAMLAssertion": {in.Assertion},
	}
	if in.Duration > 0 {
		p.Set("DurationSeconds", seconds(in.Duration))
	}
	var out struct {
		Credentials Credentials `xml:"Credentials"`
		ARN         string      `xml:"AssumedRoleUser>Arn"`
		Subject     string      `xml:"Subject"`
		Issuer      string      `xml:"Issuer"`
	}
	if err := anon.Call(ctx, "AssumeRoleWithSAML", p, &out); err != nil {
		return nil, err
	}
	return &SAMLRole{Assumed: Assumed{Credentials: out.Credentials, ARN: out.ARN}, Subject: out.Subject, Issuer: out.Issuer},
		c.checkCreds("AssumeRoleWithSAML", &out.Credentials)
}
