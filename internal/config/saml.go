package config

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
)

// samlProviderARN is IAM's form of a SAML provider ARN.
// (compiled on first use: most runs read no SAML profile).
var samlProviderARN = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::[0-9]{12}:saml-provider/[A-Za-z0-9_.-]{1,128}$`)
})

// samlConflicts are the settings that say where credentials come from in
// another way than a SAML sign-in: with saml_url they are a mistake.
var samlConflicts = []string{"source_profile", "credential_source", "web_identity_token_file", "aws_access_key_id",
	"aws_secret_access_key", "aws_session_token", "credential_process", "sso_session", "sso_start_url",
	"sso_account_id", "sso_role_name", "mfa_serial", "external_id", "role_session_name"}

// interpretSAML reads a SAML profile's settings: saml_url (the identity
// provider's sign-in page for its AWS application), saml_provider_arn and
// the settings shared with other profiles (role_arn, duration_seconds,
// region). A saml_* setting awsenv does not know is refused (a typo would
// otherwise be silently ignored), and so is a setting that gets
// credentials another way.
func interpretSAML(p *Profile, fail func(key string, err error)) {
	for k := range p.props {
		if strings.HasPrefix(k, "saml_") && k != "saml_url" && k != "saml_provider_arn" {
			fail(k, fmt.Errorf("%s is not a setting awsenv knows: a SAML profile has saml_url, and optionally role_arn, saml_provider_arn, duration_seconds and region", k))
		}
	}
	u, ok := p.props["saml_url"]
	if pa, has := p.props["saml_provider_arn"]; has {
		p.SAMLProviderARN = pa.value
		switch {
		case !ok:
			fail("saml_provider_arn", fmt.Errorf("saml_provider_arn without saml_url: add the identity provider's sign-in URL as saml_url"))
		case !samlProviderARN().MatchString(pa.value):
			fail("saml_provider_arn", fmt.Errorf("saml_provider_arn %q is not a SAML provider ARN like arn:aws:iam::123456789012:saml-provider/NAME", pa.value))
		}
	}
	if !ok {
		return
	}
	p.SAMLURL = u.value
	if err := checkURL("saml_url", u.value); err != nil {
		fail("saml_url", err)
	}
	for _, k := range samlConflicts {
		if _, set := p.props[k]; set {
			fail(k, fmt.Errorf("%s cannot be used with saml_url: the credentials of a SAML profile come from its identity provider; remove one of them", k))
		}
	}
}

// SAMLAccount is an accounts-file entry's SAML sign-in (the old layout's
// form of a SAML profile): "saml": {"url": ..., "role_arn": ...,
// "provider_arn": ..., "duration": ...}.
type SAMLAccount struct {
	URL         string          `json:"url"`
	RoleARN     string          `json:"role_arn"`
	ProviderARN string          `json:"provider_arn"`
	RawDuration json.RawMessage `json:"duration"`
	// Duration is DurationSeconds, 0 for the default.
	Duration time.Duration `json:"-"`
}

// parseSAMLAccount checks an entry's "saml" object; the account's ARN
// prefix defaults to the role's account.
func parseSAMLAccount(name string, obj *accountObject, acc *Account) error {
	sa := obj.SAML
	if sa == nil {
		return nil
	}
	if obj.WebIdentity != nil {
		return fmt.Errorf("account %q: has both web_identity and saml: keep one", name)
	}
	if err := checkURL("url", sa.URL); err != nil {
		return fmt.Errorf("account %q: saml needs \"url\", the identity provider's sign-in page for AWS: %w", name, err)
	}
	if sa.RoleARN != "" && (!strings.HasPrefix(sa.RoleARN, "arn:") || !strings.Contains(sa.RoleARN, ":role/") || strings.ContainsAny(sa.RoleARN, " \t\n")) {
		return fmt.Errorf("account %q: saml role_arn %q is not a role ARN like arn:aws:iam::123456789012:role/NAME", name, sa.RoleARN)
	}
	if sa.ProviderARN != "" && !samlProviderARN().MatchString(sa.ProviderARN) {
		return fmt.Errorf("account %q: saml provider_arn %q is not a SAML provider ARN like arn:aws:iam::123456789012:saml-provider/NAME", name, sa.ProviderARN)
	}
	if len(sa.RawDuration) > 0 {
		d, err := parseJSONDuration(sa.RawDuration, false)
		if err != nil {
			return fmt.Errorf("account %q: saml duration: %w", name, err)
		}
		sa.Duration = d
	}
	acc.SAML = sa
	if obj.ARN == "" && sa.RoleARN != "" {
		obj.ARN = sa.RoleARN[:strings.Index(sa.RoleARN, ":role/")+1]
	}
	return nil
}
