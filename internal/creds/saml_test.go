package creds

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/awsenv/awsenv/internal/saml"
	"github.com/awsenv/awsenv/internal/ststest"
)

func TestChooseSAMLRole(t *testing.T) {
	const p1, p2 = "arn:aws:iam::1:saml-provider/A", "arn:aws:iam::1:saml-provider/B"
	admin, ro, other := saml.Role{RoleARN: "arn:aws:iam::1:role/Admin", ProviderARN: p1}, saml.Role{RoleARN: "arn:aws:iam::1:role/RO", ProviderARN: p1},
		saml.Role{RoleARN: "arn:aws:iam::1:role/Admin", ProviderARN: p2}
	pickSecond := func(rs []saml.Role) (saml.Role, error) { return rs[1], nil }
	cannot := func([]saml.Role) (saml.Role, error) { return saml.Role{}, errors.New("no terminal") }
	for _, c := range []struct {
		name           string
		a              saml.Assertion
		role, provider string
		choose         func([]saml.Role) (saml.Role, error)
		want           saml.Role
		err            string
	}{
		{name: "role_arn", a: saml.Assertion{Roles: []saml.Role{admin, ro}}, role: admin.RoleARN, choose: cannot, want: admin},
		{name: "role_arn and provider", a: saml.Assertion{Roles: []saml.Role{admin, other}}, role: admin.RoleARN, provider: p2, choose: cannot, want: other},
		{name: "role_arn not offered", a: saml.Assertion{Roles: []saml.Role{ro}}, role: admin.RoleARN, choose: cannot, err: "does not offer the role arn:aws:iam::1:role/Admin: it offers arn:aws:iam::1:role/RO"},
		{name: "the only role", a: saml.Assertion{Roles: []saml.Role{ro}}, choose: cannot, want: ro},
		{name: "the only role of the provider", a: saml.Assertion{Roles: []saml.Role{admin, other}}, provider: p2, choose: cannot, want: other},
		{name: "several: the picker", a: saml.Assertion{Roles: []saml.Role{admin, ro}}, choose: pickSecond, want: ro},
		{name: "several, no picker", a: saml.Assertion{Roles: []saml.Role{admin, ro}}, choose: cannot, err: "no terminal"},
		{name: "encrypted with both set", a: saml.Assertion{Encrypted: true}, role: admin.RoleARN, provider: p1, choose: cannot, want: admin},
		{name: "encrypted without a provider", a: saml.Assertion{Encrypted: true}, role: admin.RoleARN, choose: cannot, err: "set saml_provider_arn"},
		{name: "encrypted without a role", a: saml.Assertion{Encrypted: true}, choose: cannot, err: "set role_arn and saml_provider_arn"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ChooseRole(&c.a, c.role, c.provider, c.choose)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got %v, want %q", err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %v %v, want %v", got, err, c.want)
			}
		})
	}
}

func samlEndpoint(t *testing.T) (*ststest.Server, Endpoint) {
	t.Helper()
	srv := ststest.New()
	srv.AddRole(ststest.Role{ARN: "arn:aws:iam::123456789012:role/Admin", MaxSessionDuration: 4 * time.Hour})
	srv.AddRole(ststest.Role{ARN: "arn:aws:iam::123456789012:role/AWSReservedSSO_Admin_0123"})
	srv.AddSAMLProvider("arn:aws:iam::123456789012:saml-provider/Corp", "arn:aws:iam::123456789012:role/Admin")
	u, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ep, err := NewEndpoint(u, "AWS_ENDPOINT_URL_STS", "us-east-1", 30*time.Second, "", false)
	if err != nil {
		t.Fatal(err)
	}
	return srv, ep
}

// One AssumeRoleWithSAML with the fresh assertion; STS's refusals in one
// line that says what to check, never quoting the assertion.
func TestSAMLRetrieve(t *testing.T) {
	const admin, provider = "arn:aws:iam::123456789012:role/Admin", "arn:aws:iam::123456789012:saml-provider/Corp"
	for _, c := range []struct {
		name  string
		idp   ststest.SAMLIdP
		role  string
		dur   time.Duration
		err   string
		calls int
	}{
		{name: "works", idp: ststest.SAMLIdP{}, dur: 2 * time.Hour, calls: 1},
		{name: "capped by SessionDuration", idp: ststest.SAMLIdP{SessionDuration: 7200}, dur: 4 * time.Hour, calls: 1},
		{name: "tampered", idp: ststest.SAMLIdP{Fault: ststest.SAMLTampered}, err: "sts refused the SAML assertion (InvalidIdentityToken: Response signature invalid): check that the IAM SAML provider " + provider, calls: 1},
		{name: "wrong audience", idp: ststest.SAMLIdP{Fault: ststest.SAMLWrongAudience}, err: "InvalidIdentityToken: Invalid audience", calls: 1},
		{name: "over the role's maximum", idp: ststest.SAMLIdP{}, dur: 5 * time.Hour, err: "lower duration_seconds", calls: 1},
		{name: "expired before the call", idp: ststest.SAMLIdP{Fault: ststest.SAMLExpired}, err: "already expired", calls: 0},
		{name: "Identity Center roles", idp: ststest.SAMLIdP{Roles: []ststest.SAMLRole{{RoleARN: "arn:aws:iam::123456789012:role/AWSReservedSSO_Admin_0123", ProviderARN: provider}}},
			role: "arn:aws:iam::123456789012:role/AWSReservedSSO_Admin_0123", err: "IAM Identity Center role", calls: 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, ep := samlEndpoint(t)
			if c.idp.Roles == nil {
				c.idp.Roles = []ststest.SAMLRole{{RoleARN: admin, ProviderARN: provider}}
			}
			srv.SetSAMLIdP(c.idp)
			var enc string
			p := &SAML{Endpoint: ep, RoleARN: c.role, Duration: c.dur,
				Assertion: func(context.Context) (*saml.Assertion, error) {
					v, err := srv.SAMLResponse()
					if err != nil {
						return nil, err
					}
					enc = v
					return saml.Parse(v)
				},
				Choose: func([]saml.Role) (saml.Role, error) { return saml.Role{}, errors.New("no picker") }}
			cr, err := p.Retrieve(context.Background())
			if got := srv.Count("AssumeRoleWithSAML"); got != c.calls {
				t.Errorf("%d calls, want %d", got, c.calls)
			}
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got %v, want %q", err, c.err)
				}
				if strings.Contains(err.Error(), enc[10:40]) || strings.Contains(err.Error(), "\n") {
					t.Errorf("error quotes the assertion or spans lines: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.ARN() != "arn:aws:sts::123456789012:assumed-role/Admin/alice@example.com" || !cr.CanExpire || time.Until(cr.Expires) < 110*time.Minute || time.Until(cr.Expires) > 2*time.Hour {
				t.Errorf("arn %q creds %+v", p.ARN(), cr.Expires)
			}
		})
	}
}
