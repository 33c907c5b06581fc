package stsapi

import (
	"context"
	"net/url"
	"time"
)

// AssumeRoleInput are AssumeRole's parameters; empty fields are not sent.
type AssumeRoleInput struct {
	RoleARN      string
	SessionName  string
	Duration     time.Duration
	ExternalID   string
	SerialNumber string
	TokenCode    string
}

// Assumed are temporary credentials with the principal STS made for them.
type Assumed struct {
	Credentials Credentials
	ARN         string // assumed-role or federated-user ARN
}

// AssumeRole assumes a role.
func (c *Client) AssumeRole(ctx context.Context, in AssumeRoleInput) (*Assumed, error) {
	p := url.Values{"RoleArn": {in.RoleARN}, "RoleSessionName": {in.SessionName}}
	if in.Duration > 0 {
		p.Set("DurationSeconds", seconds(in.Duration))
	}
	if in.ExternalID != "" {
		p.Set("ExternalId", in.ExternalID)
	}
	if in.SerialNumber != "" {
		p.Set("SerialNumber", in.SerialNumber)
		p.Set("TokenCode", in.TokenCode)
	}
	var out struct {
		Credentials Credentials `xml:"Credentials"`
		ARN         string      `xml:"AssumedRoleUser>Arn"`
	}
	if err := c.Call(ctx, "AssumeRole", p, &out); err != nil {
		return nil, err
	}
	if err := c.checkCreds("AssumeRole", &out.Credentials); err != nil {
		return nil, err
	}
	return &Assumed{Credentials: out.Credentials, ARN: out.ARN}, nil
}

// GetFederationToken gets credentials for a federated user named name,
// limited by the session policy (and always by the IAM user's own policies).
func (c *Client) GetFederationToken(ctx context.Context, name string, duration time.Duration, policy string) (*Assumed, error) {
	p := url.Values{"Name": {name}}
	if duration > 0 {
		p.Set("DurationSeconds", seconds(duration))
	}
	if policy != "" {
		p.Set("Policy", policy)
	}
	var out struct {
		Credentials Credentials `xml:"Credentials"`
		ARN         string      `xml:"FederatedUser>Arn"`
	}
	if err := c.Call(ctx, "GetFederationToken", p, &out); err != nil {
		return nil, err
	}
	if err := c.checkCreds("GetFederationToken", &out.Credentials); err != nil {
		return nil, err
	}
	return &Assumed{Credentials: out.Credentials, ARN: out.ARN}, nil
}
