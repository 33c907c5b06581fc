package resolve

import (
	"strings"
	"testing"
	"time"

	"github.com/awsenv/awsenv/internal/creds"
)

// The STS endpoint of an account is AWS_ENDPOINT_URL_STS, else
// AWS_ENDPOINT_URL, else "" (the region's own); a bad URL is an error that
// names the variable it came from, even when the other one is good.
func TestSTSEndpointFromEnv(t *testing.T) {
	const sts, all = "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"
	for _, tc := range []struct {
		name   string
		env    map[string]string
		url    string // wanted Endpoint.URL
		errVar string // the variable the error must name; "" for no error
	}{
		{name: "neither", url: ""},
		{name: "both empty", env: map[string]string{sts: "", all: ""}, url: ""},
		{name: "sts only", env: map[string]string{sts: "http://127.0.0.1:4566"}, url: "http://127.0.0.1:4566"},
		{name: "general only", env: map[string]string{all: "https://localhost:4566/"}, url: "https://localhost:4566/"},
		{name: "sts wins", env: map[string]string{sts: "https://sts.example", all: "https://all.example"}, url: "https://sts.example"},
		{name: "empty sts falls back", env: map[string]string{sts: "", all: "https://all.example"}, url: "https://all.example"},
		{name: "bad general ignored under good sts", env: map[string]string{sts: "https://sts.example", all: "nonsense"}, url: "https://sts.example"},
		{name: "ignored", env: map[string]string{sts: "https://sts.example", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, url: ""},
		{name: "bad sts", env: map[string]string{sts: "ftp://sts.example", all: "https://all.example"}, errVar: sts},
		{name: "sts without host", env: map[string]string{sts: "http://"}, errVar: sts},
		{name: "bad general", env: map[string]string{all: "sts.example"}, errVar: all},
		{name: "general does not parse", env: map[string]string{all: "https://%zz"}, errVar: all},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &Env{Getenv: func(k string) string { return tc.env[k] }}
			u, from := e.stsEndpoint(nil, nil)
			ep, err := creds.NewEndpoint(u, from, "eu-west-1", 7*time.Second, "", false)
			if tc.errVar != "" {
				if err == nil {
					t.Fatalf("no error; endpoint %+v", ep)
				}
				// "NAME=": AWS_ENDPOINT_URL is a prefix of AWS_ENDPOINT_URL_STS.
				other := map[string]string{sts: all, all: sts}[tc.errVar]
				msg := err.Error()
				if !strings.Contains(msg, tc.errVar+"=") || strings.Contains(msg, other+"=") || !strings.Contains(msg, tc.env[tc.errVar]) {
					t.Errorf("error %q does not name %s alone with its value", msg, tc.errVar)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if ep.URL != tc.url {
				t.Errorf("URL = %q, want %q", ep.URL, tc.url)
			}
			if tc.url == "" && ep.Host() != "sts.eu-west-1.amazonaws.com" {
				t.Errorf("Host() = %q, want the regional endpoint", ep.Host())
			}
		})
	}
}

// Plain http to another computer is refused where the endpoint is made,
// before any call, naming the variable and the way out; this computer's
// loopback names pass, and AWSENV_ALLOW_HTTP=1 lets the rest through.
func TestSTSEndpointPlainHTTP(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string // "" for accepted
	}{
		{map[string]string{"AWS_ENDPOINT_URL_STS": "http://example.invalid"}, `AWS_ENDPOINT_URL_STS="http://example.invalid" is plain http`},
		{map[string]string{"AWS_ENDPOINT_URL": "http://10.0.0.5:4566"}, `AWS_ENDPOINT_URL="http://10.0.0.5:4566" is plain http`},
		{map[string]string{"AWS_ENDPOINT_URL_STS": "http://example.invalid", "AWSENV_ALLOW_HTTP": "1"}, ""},
		{map[string]string{"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:4566"}, ""},
		{map[string]string{"AWS_ENDPOINT_URL_STS": "http://localhost:4566"}, ""},
		{map[string]string{"AWS_ENDPOINT_URL_STS": "http://[::1]:4566"}, ""},
		{map[string]string{"AWS_ENDPOINT_URL_STS": "https://sts.example"}, ""},
	} {
		e := &Env{Getenv: func(k string) string { return tc.env[k] }}
		_, err := e.AccountEndpoint("eu-west-1", "aws", time.Second)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.env, err)
		case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want) || !strings.Contains(err.Error(), "AWSENV_ALLOW_HTTP=1")):
			t.Errorf("%v: error %v, want one that starts %q and names AWSENV_ALLOW_HTTP=1", tc.env, err, tc.want)
		}
	}
}
