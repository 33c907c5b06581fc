package ststest

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A client that trusts the proxy's CA reaches the handler under the real
// host name, over TLS; one that does not refuses the tunnel.
func TestAWSProxyPlaysAnyHost(t *testing.T) {
	p, err := NewAWSProxy(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			t.Error("served without TLS")
		}
		io.WriteString(w, r.Host+" "+r.URL.Path)
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	proxy, _ := url.Parse(p.URL)
	client := func(trust bool) *http.Client {
		roots := x509.NewCertPool()
		if trust && !roots.AppendCertsFromPEM(p.CAPEM) {
			t.Fatal("CAPEM holds no certificate")
		}
		return &http.Client{Timeout: time.Minute, Transport: &http.Transport{
			Proxy: http.ProxyURL(proxy), TLSClientConfig: &tls.Config{RootCAs: roots},
		}}
	}
	for _, u := range []string{"https://oidc.eu-west-1.amazonaws.com/token", "https://portal.sso.eu-west-1.amazonaws.com/logout"} {
		resp, err := client(true).Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want, _ := url.Parse(u)
		if string(body) != want.Host+" "+want.Path {
			t.Errorf("%s: %q", u, body)
		}
	}
	if _, err := client(false).Get("https://sts.amazonaws.com/"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("a client without the CA: %v", err)
	}
	if got := strings.Join(p.Hosts(), " "); got != "oidc.eu-west-1.amazonaws.com portal.sso.eu-west-1.amazonaws.com sts.amazonaws.com" {
		t.Errorf("hosts %s", got)
	}
}
