package creds

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// AWS_CA_BUNDLE decides which roots an https endpoint is checked against.
func TestEndpointCABundle(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	dir := t.TempDir()
	bundle := filepath.Join(dir, "ca.pem")
	os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
	endpoint := func(caBundle string) Endpoint {
		t.Helper()
		ep, err := NewEndpoint(srv.URL, "AWS_ENDPOINT_URL_STS", "us-east-1", 5*time.Second, caBundle, false)
		if err != nil {
			t.Fatal(err)
		}
		return ep
	}

	hc, err := endpoint(bundle).HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hc.Get(srv.URL); err != nil {
		t.Errorf("endpoint signed by the bundle's CA refused: %v", err)
	}

	hc, _ = endpoint("").HTTPClient()
	if _, err := hc.Get(srv.URL); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("without the bundle the test CA was trusted: %v", err)
	}

	os.WriteFile(bundle, []byte("not pem"), 0o600)
	if _, err := endpoint(bundle).HTTPClient(); err == nil || !strings.Contains(err.Error(), "holds no PEM certificates") {
		t.Errorf("bad bundle: %v", err)
	}
}

// NewEndpoint keeps a configured http(s) URL; no URL is the region's own
// endpoint; anything else is an error that names the setting it came from
// and quotes the value.
func TestNewEndpoint(t *testing.T) {
	const from = "AWS_ENDPOINT_URL_STS"
	for _, good := range []string{"http://127.0.0.1:4566", "https://localhost:4566/", "https://sts.example/base"} {
		ep, err := NewEndpoint(good, from, "eu-west-1", 7*time.Second, "ca.pem", false)
		if err != nil {
			t.Errorf("NewEndpoint(%q): %v", good, err)
			continue
		}
		want := Endpoint{URL: good, Region: "eu-west-1", Timeout: 7 * time.Second, CABundle: "ca.pem"}
		if ep.URL != want.URL || ep.Region != want.Region || ep.Timeout != want.Timeout || ep.CABundle != want.CABundle {
			t.Errorf("NewEndpoint(%q) = %+v, want %+v", good, ep, want)
		}
		if ep.Host() != good {
			t.Errorf("NewEndpoint(%q).Host() = %q", good, ep.Host())
		}
	}

	ep, err := NewEndpoint("", "", "eu-west-1", 7*time.Second, "", false)
	if err != nil {
		t.Fatalf("no URL: %v", err)
	}
	if ep.URL != "" || ep.Host() != "sts.eu-west-1.amazonaws.com" {
		t.Errorf("no URL: URL %q, Host() %q; want the regional endpoint", ep.URL, ep.Host())
	}

	for _, tc := range []struct{ url, from string }{
		{"ftp://sts.example", "AWS_ENDPOINT_URL_STS"},
		{"http://", "AWS_ENDPOINT_URL_STS"},              // no host
		{"http://[::1", "AWS_ENDPOINT_URL"},              // does not parse
		{"https://%zz", "AWS_ENDPOINT_URL"},              // does not parse
		{"localhost:4566", "AWS_ENDPOINT_URL"},           // no scheme
		{"sts.example", "endpoint_url of profile dev"},   // no scheme
		{"/just/a/path", "endpoint_url of profile prod"}, // no scheme, no host
	} {
		_, err := NewEndpoint(tc.url, tc.from, "eu-west-1", time.Second, "", false)
		if err == nil {
			t.Errorf("NewEndpoint(%q, %q, false) accepted it", tc.url, tc.from)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, tc.from) || !strings.Contains(msg, tc.url) {
			t.Errorf("NewEndpoint(%q, %q, false): error %q does not name the setting and quote the value", tc.url, tc.from, msg)
		}
	}
}
