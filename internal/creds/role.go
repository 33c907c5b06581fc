package creds

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/stsapi"
)

// STS's bounds for AssumeRole and GetFederationToken.
const (
	MinRoleDuration     = 900 * time.Second
	MaxRoleDuration     = 43200 * time.Second
	DefaultRoleDuration = time.Hour
	// MaxChainedDuration is STS's cap for a role assumed with temporary
	// credentials (role chaining), GetSessionToken sessions included.
	MaxChainedDuration = time.Hour
)

// CheckRoleDuration checks d against AssumeRole's bounds; chained says the
// source credentials are temporary.
func CheckRoleDuration(d time.Duration, chained bool) error {
	if d < MinRoleDuration || d > MaxRoleDuration || d%time.Second != 0 {
		return fmt.Errorf("role duration %s is out of bounds: sts allows 15m to 12h (900-43200 seconds), and no more than the role's maximum session duration", d)
	}
	if chained && d > MaxChainedDuration {
		return fmt.Errorf("role duration %s is too long for a role assumed from the cached mfa session: sts limits role chaining to 1h; use --duration 1h, or --no-session to assume it with the long-lived keys and an mfa code (up to 12h)", d)
	}
	return nil
}

// CheckSessionName applies STS's rule for RoleSessionName: 2-64 characters
// of letters, digits and _+=,.@-.
func CheckSessionName(name string) error {
	ok := len(name) >= 2 && len(name) <= 64
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_+=,.@-", c) >= 0
	}
	if !ok {
		return fmt.Errorf("session name %q is not allowed: sts wants 2-64 letters, digits or _+=,.@- (set --session-name)", name)
	}
	return nil
}

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
	client, err := p.Endpoint.Client(p.Source, attempts)
	if err != nil {
		return aws.Credentials{}, err
	}
	var out *stsapi.Assumed
	err = p.Endpoint.call(ctx, func(ctx context.Context) (err error) {
		out, err = client.AssumeRole(ctx, in)
		return err
	})
	if err != nil {
		return aws.Credentials{}, roleError(err, in.RoleARN)
	}
	p.arn = out.ARN
	return fromSTS(&out.Credentials, "awsenv-role"), nil
}

// ARN is the assumed-role ARN of the last Retrieve.
func (p *AssumeRole) ARN() string { return p.arn }

func roleError(err error, role string) error {
	if api, ok := err.(*APIError); ok && api.Code == "AccessDenied" && !strings.Contains(api.msg, "mfa code") {
		return &APIError{Code: api.Code, msg: fmt.Sprintf("sts refused to assume %s (AccessDenied): the role does not exist, its trust policy does not allow you, or it needs mfa or an external id", role)}
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
	client, err := p.Endpoint.Client(p.Source, 3)
	if err != nil {
		return aws.Credentials{}, err
	}
	var out *stsapi.Assumed
	err = p.Endpoint.call(ctx, func(ctx context.Context) (err error) {
		out, err = client.GetFederationToken(ctx, p.Name, p.Duration, p.Policy)
		return err
	})
	if err != nil {
		return aws.Credentials{}, err
	}
	p.arn = out.ARN
	return fromSTS(&out.Credentials, "awsenv-federation"), nil
}

// ARN is the federated-user ARN of the last Retrieve.
func (p *Federation) ARN() string { return p.arn }
