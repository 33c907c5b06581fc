package creds

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/stsapi"
)

// Static is fixed credentials: a profile's keys (with its session token,
// if any).
type Static struct{ AccessKeyID, SecretAccessKey, SessionToken string }

// Retrieve returns the keys.
func (s Static) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: s.AccessKeyID, SecretAccessKey: s.SecretAccessKey, SessionToken: s.SessionToken,
		Source: "awsenv-static"}, nil
}

// CodeFunc returns a six-digit MFA code; it is called only when STS must be
// asked, never on a cache hit.
type CodeFunc func(ctx context.Context) (string, error)

// SessionToken is an MFA session from GetSessionToken, signed with Source.
type SessionToken struct {
	Source    aws.CredentialsProvider
	Endpoint  Endpoint
	Duration  time.Duration
	MFASerial string // "" for a session without MFA
	Code      CodeFunc
}

// Retrieve asks for the code (if MFA is used) and calls GetSessionToken once.
func (p *SessionToken) Retrieve(ctx context.Context) (aws.Credentials, error) {
	// Read the keys first: a broken key file must fail before the user is
	// asked for a code.
	if _, err := p.Source.Retrieve(ctx); err != nil {
		return aws.Credentials{}, err
	}
	var code string
	attempts := 3
	if p.MFASerial != "" {
		var err error
		if code, err = p.Code(ctx); err != nil {
			return aws.Credentials{}, err
		}
		attempts = 1
	}
	client, err := stsClient(p.Endpoint, p.Source, attempts)
	if err != nil {
		return aws.Credentials{}, err
	}
	var out *stsapi.Credentials
	err = call(ctx, p.Endpoint, "GetSessionToken", func(ctx context.Context) (err error) {
		out, err = client.GetSessionToken(ctx, p.Duration, p.MFASerial, code)
		return err
	})
	if err != nil {
		return aws.Credentials{}, err
	}
	return fromSTS(out, "awsenv-session"), nil
}

// expiredAtReceipt refuses credentials from what that had expired by now,
// when they arrived: exported they fail at once, and cached they would
// replace a session that still works.
func expiredAtReceipt(what string, expires, now time.Time) error {
	if expires.After(now) {
		return nil
	}
	return fmt.Errorf("%s returned credentials that expired at %s, %s before they arrived: check the system clock (date -u)",
		what, expires.UTC().Format(time.RFC3339), left(now.Sub(expires)))
}

func fromSTS(c *stsapi.Credentials, source string) aws.Credentials {
	return aws.Credentials{
		AccessKeyID:     c.AccessKeyID,
		SecretAccessKey: c.SecretAccessKey,
		SessionToken:    c.SessionToken,
		CanExpire:       true,
		Expires:         c.Expiration.UTC(),
		Source:          source,
	}
}

// FromEntry turns a cache entry into SDK credentials. Their account is
// the principal's STS returned (an assumed role's, not the caller's), else
// the role's; "" for a session, whose account the plan knows.
func FromEntry(e *cache.Entry) aws.Credentials {
	return aws.Credentials{
		AccountID:       accountOfFirst(e.ARN, e.Role),
		AccessKeyID:     e.Credentials.AccessKeyID,
		SecretAccessKey: e.Credentials.SecretAccessKey,
		SessionToken:    e.Credentials.SessionToken,
		CanExpire:       true,
		Expires:         e.Credentials.Expiration,
		Source:          "awsenv-cache",
	}
}
