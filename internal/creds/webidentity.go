package creds

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/stsapi"
)

// WebIdentity is a role's credentials from AssumeRoleWithWebIdentity: no
// long-lived key at all, the OIDC ID token is the proof.
type WebIdentity struct {
	Endpoint    Endpoint
	RoleARN     string
	SessionName string
	Duration    time.Duration
	// Token returns the ID token: read from a file, or from a login.
	Token func(ctx context.Context) (string, error)
	arn   string
}

// TokenFile reads an ID token from a file (web_identity_token_file,
// --token-file), as Kubernetes and CI systems write them.
func TokenFile(path string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) {
		data, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("cannot read the web identity token file: %w", err)
		}
		tok := strings.TrimSpace(string(data))
		if strings.Count(tok, ".") != 2 {
			return "", fmt.Errorf("%s does not hold a JWT (header.payload.signature)", path)
		}
		return tok, nil
	}
}

// Retrieve gets the token and calls AssumeRoleWithWebIdentity once.
func (p *WebIdentity) Retrieve(ctx context.Context) (aws.Credentials, error) {
	tok, err := p.Token(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	client, err := p.Endpoint.Client(nil, 3)
	if err != nil {
		return aws.Credentials{}, err
	}
	var out *stsapi.WebIdentity
	err = p.Endpoint.call(ctx, func(ctx context.Context) (err error) {
		out, err = client.AssumeRoleWithWebIdentity(ctx, stsapi.WebIdentityInput{
			RoleARN: p.RoleARN, SessionName: p.SessionName, Token: tok, Duration: p.Duration,
		})
		return err
	})
	if err != nil {
		if api, ok := err.(*APIError); ok && api.Code == "AccessDenied" {
			return aws.Credentials{}, &APIError{Code: api.Code, msg: fmt.Sprintf("sts refused to assume %s with the web identity (AccessDenied): the role does not exist or its trust policy does not accept this identity provider, audience or subject", p.RoleARN)}
		}
		return aws.Credentials{}, err
	}
	p.arn = out.ARN
	return fromSTS(&out.Credentials, "awsenv-web-identity"), nil
}

// ARN is the assumed-role ARN of the last Retrieve.
func (p *WebIdentity) ARN() string { return p.arn }
