package httpx

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// AllowHTTP is the variable that, set to 1, lets a plain-http endpoint on
// another computer through: a user who means it (a lab, a proxy on the
// local network) says so.
const AllowHTTP = "AWSENV_ALLOW_HTTP"

// CheckPlainHTTP is the rule every configured endpoint (STS, IAM, IAM
// Identity Center, the console's federation endpoint, an OIDC issuer) is
// held to before anything is sent to it: plain http only to this computer
// (127.0.0.0/8, ::1, localhost), where no network sees the signed
// requests, MFA codes, tokens and credentials that travel in clear text;
// anywhere else only with AWSENV_ALLOW_HTTP=1. setting names where rawURL
// came from: a variable (AWS_ENDPOINT_URL_STS) or a file's setting
// ("endpoint_url of profile dev in ~/.aws/config"); allowed is
// HTTPAllowed. A URL that is not http at all is not this rule's business
// (nil).
func CheckPlainHTTP(rawURL, setting string, allowed bool) error {
	u, err := url.Parse(rawURL)
	if err != nil || !strings.EqualFold(u.Scheme, "http") || u.Host == "" || Loopback(u.Hostname()) || allowed {
		return nil
	}
	what := fmt.Sprintf("%s %q", setting, rawURL)
	if strings.ToUpper(setting) == setting { // a variable
		what = fmt.Sprintf("%s=%q", setting, rawURL)
	}
	return fmt.Errorf("%s is plain http to %s, another computer: what awsenv sends there (signatures, MFA codes, tokens, credentials) would cross the network unencrypted; use https, or set %s=1 if you mean it",
		what, u.Hostname(), AllowHTTP)
}

// HTTPAllowed reports whether the user set AWSENV_ALLOW_HTTP=1 (or true).
func HTTPAllowed(getenv func(string) string) bool {
	v := strings.TrimSpace(getenv(AllowHTTP))
	return v == "1" || strings.EqualFold(v, "true")
}

// Loopback reports whether host (a URL's host name, without port or
// brackets) is this computer: localhost, 127.0.0.0/8 or ::1.
func Loopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
