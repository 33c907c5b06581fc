package creds

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/awsquery"
	"github.com/awsenv/awsenv/internal/saml"
	"github.com/awsenv/awsenv/internal/stsapi"
	"github.com/awsenv/awsenv/internal/xerr"
)

// SAML is a role's credentials from AssumeRoleWithSAML, with an assertion
// taken from the person's browser: no key at all, the assertion is the
// proof. The assertion is used at once and not kept.
type SAML struct {
	Endpoint Endpoint
	// RoleARN and ProviderARN choose the role of the assertion; empty
	// RoleARN: the only one, or Choose's pick.
	RoleARN, ProviderARN string
	// Duration is DurationSeconds (duration_seconds), capped by the
	// assertion's SessionDuration.
	Duration time.Duration
	// Assertion signs the person in and returns a fresh assertion.
	Assertion func(ctx context.Context) (*saml.Assertion, error)
	// Choose picks one of several roles (a picker on a terminal); it
	// explains the choice when it cannot ask.
	Choose func(roles []saml.Role) (saml.Role, error)
	arn    string
}

// ChooseRole is the role of the assertion that roleARN and providerARN
// name, the only role, or choose's pick.
func ChooseRole(a *saml.Assertion, roleARN, providerARN string, choose func([]saml.Role) (saml.Role, error)) (saml.Role, error) {
	if roleARN != "" {
		if r, ok := a.Find(roleARN, providerARN); ok {
			return r, nil
		}
		if a.Encrypted && providerARN != "" {
			return saml.Role{RoleARN: roleARN, ProviderARN: providerARN}, nil
		}
		if a.Encrypted {
			return saml.Role{}, errors.New("the SAML assertion is encrypted, so awsenv cannot read its roles: set saml_provider_arn in the profile next to role_arn")
		}
		return saml.Role{}, fmt.Errorf("the SAML assertion does not offer the role %s%s: it offers %s", roleARN, via(providerARN), RoleList(a.Roles))
	}
	roles := a.Roles
	if providerARN != "" {
		roles = nil
		for _, r := range a.Roles {
			if r.ProviderARN == providerARN {
				roles = append(roles, r)
			}
		}
	}
	switch {
	case len(roles) == 0 && a.Encrypted:
		return saml.Role{}, errors.New("the SAML assertion is encrypted, so awsenv cannot read its roles: set role_arn and saml_provider_arn in the profile")
	case len(roles) == 0:
		return saml.Role{}, fmt.Errorf("the SAML assertion offers no role through %s: it offers %s", providerARN, RoleList(a.Roles))
	case len(roles) == 1:
		return roles[0], nil
	}
	return choose(roles)
}

func via(provider string) string {
	if provider == "" {
		return ""
	}
	return " through " + provider
}

// RoleList names roles for a message: their ARNs, comma-separated.
func RoleList(roles []saml.Role) string {
	var names []string
	for _, r := range roles {
		names = append(names, r.RoleARN)
	}
	return strings.Join(names, ", ")
}

// Retrieve signs the person in, chooses the role and calls
// AssumeRoleWithSAML once.
func (p *SAML) Retrieve(ctx context.Context) (aws.Credentials, error) {
	a, err := p.Assertion(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	role, err := ChooseRole(a, p.RoleARN, p.ProviderARN, p.Choose)
	if err != nil {
		return aws.Credentials{}, err
	}
	if strings.HasPrefix(role.Name(), "AWSReservedSSO_") {
		return aws.Credentials{}, fmt.Errorf("%s is an IAM Identity Center role, which cannot be assumed with SAML: use an sso profile for it", role.RoleARN)
	}
	if !a.NotOnOrAfter.IsZero() && !time.Now().Before(a.NotOnOrAfter) {
		return aws.Credentials{}, fmt.Errorf("the identity provider sent a SAML assertion that had already expired (at %s): check the system clock and sign in again", a.NotOnOrAfter.UTC().Format(time.RFC3339))
	}
	client, err := stsClient(p.Endpoint, nil, 3)
	if err != nil {
		return aws.Credentials{}, err
	}
	dur := p.Duration
	if a.SessionDuration > 0 && dur > a.SessionDuration {
		// The identity provider's administrator wants sessions no longer
		// than this (STS's floor is 15 minutes).
		dur = max(a.SessionDuration, 15*time.Minute)
	}
	var out *stsapi.SAMLRole
	err = call(ctx, p.Endpoint, "AssumeRoleWithSAML", func(ctx context.Context) (err error) {
		out, err = client.AssumeRoleWithSAML(ctx, stsapi.SAMLInput{
			RoleARN: role.RoleARN, ProviderARN: role.ProviderARN, Assertion: a.Encoded, Duration: dur,
		})
		return err
	})
	a.Encoded = "" // used: not kept
	if err != nil {
		var api *awsquery.CallError
		var refused *stsapi.Error
		if errors.As(err, &api) && api.Action == "AssumeRoleWithSAML" && errors.As(err, &refused) {
			return aws.Credentials{}, api.Reworded(samlRefusal(api, refused, role))
		}
		return aws.Credentials{}, err
	}
	p.arn = out.ARN
	return fromSTS(&out.Credentials, "awsenv-saml"), nil
}

// samlRefusal says what an STS refusal of an assertion means.
func samlRefusal(api *awsquery.CallError, refused *stsapi.Error, role saml.Role) string {
	msg := xerr.OneLine(refused.Message)
	switch api.Code {
	case "InvalidIdentityToken":
		return fmt.Sprintf("sts refused the SAML assertion (InvalidIdentityToken: %s): check that the IAM SAML provider %s holds the identity provider's current certificate, and that the assertion is for AWS", msg, role.ProviderARN)
	case "ExpiredTokenException":
		return fmt.Sprintf("sts refused the SAML assertion as expired (ExpiredTokenException: %s): check the system clock, then sign in again", msg)
	case "IDPRejectedClaim":
		return fmt.Sprintf("sts refused the SAML assertion for %s (IDPRejectedClaim: %s): the identity provider did not grant this role", role.RoleARN, msg)
	case "AccessDenied":
		return fmt.Sprintf("sts refused to assume %s with SAML (AccessDenied): the role's trust policy does not accept %s", role.RoleARN, role.ProviderARN)
	case "ValidationError":
		return api.Error() + ": lower duration_seconds to the role's maximum session duration"
	}
	return api.Error()
}

// ARN is the assumed-role ARN of the last Retrieve.
func (p *SAML) ARN() string { return p.arn }
