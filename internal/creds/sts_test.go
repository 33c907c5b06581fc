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
	env := map[string]string{"AWS_ENDPOINT_URL_STS": srv.URL, "AWS_CA_BUNDLE": bundle}
	getenv := func(k string) string { return env[k] }

	ep, err := EndpointFromEnv(getenv, "us-east-1", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	hc, err := ep.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hc.Get(srv.URL); err != nil {
		t.Errorf("endpoint signed by the bundle's CA refused: %v", err)
	}

	env["AWS_CA_BUNDLE"] = ""
	ep, _ = EndpointFromEnv(getenv, "us-east-1", 5*time.Second)
	hc, _ = ep.HTTPClient()
	if _, err := hc.Get(srv.URL); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("without the bundle the test CA was trusted: %v", err)
	}

	os.WriteFile(bundle, []byte("not pem"), 0o600)
	env["AWS_CA_BUNDLE"] = bundle
	ep, _ = EndpointFromEnv(getenv, "us-east-1", 5*time.Second)
	if _, err := ep.HTTPClient(); err == nil || !strings.Contains(err.Error(), "holds no PEM certificates") {
		t.Errorf("bad bundle: %v", err)
	}
	env["AWS_ENDPOINT_URL_STS"] = "ftp://x"
	if _, err := EndpointFromEnv(getenv, "us-east-1", time.Second); err == nil {
		t.Error("ftp endpoint accepted")
	}
}
