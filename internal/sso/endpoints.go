package sso

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/awsenv/awsenv/internal/httpx"
)

// Endpoints are the base URLs of the two services a session uses.
type Endpoints struct {
	// OIDC is sso-oidc: RegisterClient, StartDeviceAuthorization,
	// CreateToken, and the /authorize page of the authorization code flow.
	OIDC string
	// Portal is the AWS access portal API: GetRoleCredentials,
	// ListAccounts, ListAccountRoles, Logout.
	Portal string
	// OIDCFrom and PortalFrom name the setting each came from ("" for the
	// region's own), for error messages.
	OIDCFrom, PortalFrom string
}

// ResolveEndpoints chooses the endpoints of region as the AWS SDKs do:
// AWS_ENDPOINT_URL_SSO_OIDC (sso-oidc) and AWS_ENDPOINT_URL_SSO (the
// portal), then AWS_ENDPOINT_URL, none of them when
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true; else the region's hosts,
// oidc.REGION.DOMAIN and portal.sso.REGION.DOMAIN, with the domain of the
// region's partition (amazonaws.com.cn for cn-, amazonaws.com for
// us-gov-, ...).
func ResolveEndpoints(region string, getenv func(string) string) (Endpoints, error) {
	if err := checkRegion(region); err != nil {
		return Endpoints{}, err
	}
	domain := partitionDomain(region)
	ep := Endpoints{
		OIDC:   "https://oidc." + region + "." + domain,
		Portal: "https://portal.sso." + region + "." + domain,
	}
	if strings.EqualFold(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		return ep, nil
	}
	for _, v := range []struct {
		dst, from *string
		names     []string
	}{
		{&ep.OIDC, &ep.OIDCFrom, []string{"AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL"}},
		{&ep.Portal, &ep.PortalFrom, []string{"AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL"}},
	} {
		for _, name := range v.names {
			if raw := getenv(name); raw != "" {
				u, err := checkEndpoint(raw)
				if err != nil {
					return Endpoints{}, fmt.Errorf("%s=%q is not an http(s) URL: fix or unset it", name, raw)
				}
				if err := httpx.CheckPlainHTTP(raw, name, httpx.HTTPAllowed(getenv)); err != nil {
					return Endpoints{}, err
				}
				*v.dst, *v.from = u, name
				break
			}
		}
	}
	return ep, nil
}

// checkEndpoint accepts an http(s) URL without query or fragment and
// returns it without a trailing slash.
func checkEndpoint(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q is not an http(s) URL", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// checkRegion refuses what cannot be a region name, so that it cannot
// change the host it is put into.
func checkRegion(region string) error {
	if region == "" {
		return fmt.Errorf("no sso region: set sso_region to the region of the IAM Identity Center instance, e.g. us-east-1")
	}
	if len(region) > 40 || strings.Trim(region, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" ||
		strings.HasPrefix(region, "-") || strings.HasSuffix(region, "-") {
		return fmt.Errorf("sso region %q is not a region name: set sso_region to one like us-east-1", region)
	}
	return nil
}

// partitionDomain is the DNS suffix of region's partition, from the
// partitions the SDKs ship.
func partitionDomain(region string) string {
	for _, p := range []struct{ prefix, domain string }{
		{"cn-", "amazonaws.com.cn"},
		{"us-isob-", "sc2s.sgov.gov"},
		{"us-isof-", "csp.hci.ic.gov"},
		{"us-iso-", "c2s.ic.gov"},
		{"eu-isoe-", "cloud.adc-e.uk"},
		{"eusc-", "amazonaws.eu"},
	} {
		if strings.HasPrefix(region, p.prefix) {
			return p.domain
		}
	}
	return "amazonaws.com" // aws and aws-us-gov
}

// host is what messages call an endpoint.
func host(base string) string {
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		return u.Host
	}
	return base
}
