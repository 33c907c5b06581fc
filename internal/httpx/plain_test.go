package httpx

import (
	"strings"
	"testing"
)

// Plain http goes only to this computer unless AWSENV_ALLOW_HTTP=1; the
// refusal names the setting, quotes the URL and says both ways out.
func TestCheckPlainHTTP(t *testing.T) {
	none := func(string) string { return "" }
	for _, ok := range []string{
		"https://sts.example.com", "https://10.0.0.1:4566", "HTTPS://sts.example.com",
		"http://127.0.0.1:4566", "http://127.1.2.3", "http://[::1]:4566/base", "http://localhost:4566",
		"http://LOCALHOST", "http://localhost.:80", "http://[::ffff:127.0.0.1]:80",
		"", "ftp://example.com", "not a url", // other checks' business
	} {
		if err := CheckPlainHTTP(ok, "AWS_ENDPOINT_URL_STS", HTTPAllowed(none)); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{
		"http://example.invalid", "HTTP://sts.example.com:80", "http://10.0.0.1:4566", "http://192.168.1.10",
		"http://[fe80::1]:80", "http://0.0.0.0:4566", "http://localhost.example.com", "http://127.0.0.1.nip.io",
		"http://user:pw@example.invalid/", "http://[::2]",
	} {
		for _, setting := range []string{"AWS_ENDPOINT_URL", "endpoint_url of profile dev in /home/x/.aws/config"} {
			err := CheckPlainHTTP(bad, setting, HTTPAllowed(none))
			if err == nil {
				t.Errorf("%q from %s accepted", bad, setting)
				continue
			}
			msg := err.Error()
			if !strings.Contains(msg, setting) || !strings.Contains(msg, bad) || !strings.Contains(msg, "AWSENV_ALLOW_HTTP=1") ||
				!strings.Contains(msg, "https") || strings.Contains(msg, "\n") {
				t.Errorf("%q from %s: the message does not name the setting, the URL and the ways out: %s", bad, setting, msg)
			}
		}
		for _, v := range []string{"1", "true", " 1 "} {
			if err := CheckPlainHTTP(bad, "AWS_ENDPOINT_URL", HTTPAllowed(func(k string) string { return map[string]string{AllowHTTP: v}[k] })); err != nil {
				t.Errorf("%q with %s=%q: %v", bad, AllowHTTP, v, err)
			}
		}
		for _, v := range []string{"0", "no", "false"} {
			if err := CheckPlainHTTP(bad, "AWS_ENDPOINT_URL", HTTPAllowed(func(k string) string { return map[string]string{AllowHTTP: v}[k] })); err == nil {
				t.Errorf("%q with %s=%q accepted", bad, AllowHTTP, v)
			}
		}
	}
	err := CheckPlainHTTP("http://example.invalid", "AWS_ENDPOINT_URL_STS", false)
	if !strings.HasPrefix(err.Error(), `AWS_ENDPOINT_URL_STS="http://example.invalid" is plain http`) {
		t.Errorf("a variable is named as NAME=value: %v", err)
	}
}
