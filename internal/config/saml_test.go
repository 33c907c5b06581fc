package config

import (
	"strings"
	"testing"
)

func TestSAMLProfiles(t *testing.T) {
	const base = "[profile corp]\nsaml_url = https://idp.example.com/app/aws/sso\nrole_arn = arn:aws:iam::123456789012:role/Admin\n" +
		"saml_provider_arn = arn:aws:iam::123456789012:saml-provider/Corp\nduration_seconds = 7200\nregion = eu-west-1\n"
	ps, err := parseProfiles("config", []byte(base), "credentials", nil)
	if err != nil {
		t.Fatal(err)
	}
	p := ps.Get("corp")
	if p.Err != nil || p.SAMLURL != "https://idp.example.com/app/aws/sso" || p.SAMLProviderARN != "arn:aws:iam::123456789012:saml-provider/Corp" ||
		p.RoleARN != "arn:aws:iam::123456789012:role/Admin" || p.Kind() != "saml" || p.Duration.Seconds() != 7200 {
		t.Fatalf("profile %+v", p)
	}
	for _, c := range []struct{ extra, says string }{
		{"saml_role = x\n", "config line 7: saml_role is not a setting awsenv knows"},
		{"source_profile = other\n", "config line 7: source_profile cannot be used with saml_url"},
		{"aws_access_key_id = AKIAEXAMPLE\n", "config line 7: aws_access_key_id cannot be used with saml_url"},
		{"mfa_serial = arn:aws:iam::123456789012:mfa/me\n", "mfa_serial cannot be used"},
		{"role_session_name = me\n", "role_session_name cannot be used"},
	} {
		ps, err := parseProfiles("config", []byte(base+c.extra), "credentials", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := ps.Get("corp").Err; err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%q: got %v, want %q", c.extra, err, c.says)
		}
	}
	for _, c := range []struct{ config, says string }{
		{"[profile x]\nsaml_url = not a url\n", "config line 2: saml_url \"not a url\" is not a URL"},
		{"[profile x]\nsaml_url = https://idp.example\nsaml_provider_arn = arn:aws:iam::1:role/x\n", "config line 3: saml_provider_arn \"arn:aws:iam::1:role/x\" is not a SAML provider ARN"},
		{"[profile x]\nsaml_provider_arn = arn:aws:iam::123456789012:saml-provider/Corp\nrole_arn = arn:aws:iam::123456789012:role/A\nsource_profile = y\n", "config line 2: saml_provider_arn without saml_url"},
	} {
		ps, err := parseProfiles("config", []byte(c.config), "credentials", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := ps.Get("x").Err; err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%q: got %v, want %q", c.config, err, c.says)
		}
	}
}
