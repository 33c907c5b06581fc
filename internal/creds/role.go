package creds

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/awsquery"
	"github.com/awsenv/awsenv/internal/stsapi"
)

// AssumeRole is a role's credentials, assumed with Source. With MFASerial set
// it sends SerialNumber and a code from Code.
type AssumeRole struct {
	Source    aws.CredentialsProvider
	Endpoint  Endpoint
	Input     stsapi.AssumeRoleInput
	MFASerial string
	Code      CodeFunc
	arn       string
}

// Retrieve calls AssumeRole once.
func (p *AssumeRole) Retrieve(ctx context.Context) (aws.Credentials, error) {
	if _, err := p.Source.Retrieve(ctx); err != nil {
		return aws.Credentials{}, err
	}
	in := p.Input
	attempts := 3
	if p.MFASerial != "" {
		code, err := p.Code(ctx)
		if err != nil {
			return aws.Credentials{}, err
		}
		in.SerialNumber, in.TokenCode, attempts = p.MFASerial, code, 1
	}
	client, err := stsClient(p.Endpoint, p.Source, attempts)
	if err != nil {
		return aws.Credentials{}, err
	}
	var out *stsapi.Assumed
	err = call(ctx, p.Endpoint, "AssumeRole", func(ctx context.Context) (err error) {
		out, err = client.AssumeRole(ctx, in)
		return err
	})
	if err != nil {
		return aws.Credentials{}, roleError(err, in.RoleARN)
	}
	p.arn = out.ARN
	// The role's account, which is not the caller's for a cross-account role.
	cr := fromSTS(&out.Credentials, "awsenv-role")
	cr.AccountID = accountOfFirst(out.ARN, in.RoleARN)
	return cr, nil
}

// ARN is the assumed-role ARN of the last Retrieve.
func (p *AssumeRole) ARN() string { return p.arn }

func roleError(err error, role string) error {
	var api *awsquery.CallError
	if errors.As(err, &api) && api.Action == "AssumeRole" && api.Code == "AccessDenied" && !strings.Contains(api.Error(), "mfa code") {
		return api.Reworded(fmt.Sprintf("sts refused to assume %s (AccessDenied): the role does not exist, its trust policy does not allow you, or it needs mfa or an external id", role))
	}
	return err
}

// AllowAll is the session policy of a console federation token: without
// one the federated user has no permissions; AWS grants the intersection
// of this and the IAM user's own policies.
const AllowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// Federation is a federated user's credentials from GetFederationToken.
type Federation struct {
	Source   aws.CredentialsProvider
	Endpoint Endpoint
	Name     string
	Duration time.Duration
	Policy   string
	arn      string
}

// Retrieve calls GetFederationToken once.
func (p *Federation) Retrieve(ctx context.Context) (aws.Credentials, error) {
	// The keys first: a broken key file is its own error, not an STS one.
	if _, err := p.Source.Retrieve(ctx); err != nil {
		return aws.Credentials{}, err
	}
	client, err := stsClient(p.Endpoint, p.Source, 3)
	if err != nil {
		return aws.Credentials{}, err
	}
	var out *stsapi.Assumed
	err = call(ctx, p.Endpoint, "GetFederationToken", func(ctx context.Context) (err error) {
		out, err = client.GetFederationToken(ctx, p.Name, p.Duration, p.Policy)
		return err
	})
	if err != nil {
		return aws.Credentials{}, err
	}
	p.arn = out.ARN
	cr := fromSTS(&out.Credentials, "awsenv-federation")
	cr.AccountID = AccountOf(out.ARN)
	return cr, nil
}

// ARN is the federated-user ARN of the last Retrieve.
func (p *Federation) ARN() string { return p.arn }
