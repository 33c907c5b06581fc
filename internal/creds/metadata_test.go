package creds

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const metadataJSON = `{"Code":"Success","AccessKeyId":"ASIAMETA","SecretAccessKey":"metasecret","Token":"metatoken","Expiration":"2030-01-01T00:00:00Z"}`

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestContainer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "tok" || r.URL.Path != "/creds" {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		w.Write([]byte(metadataJSON))
	}))
	defer srv.Close()
	tokFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokFile, []byte("tok\n"), 0o600)
	for _, env := range []map[string]string{
		{"AWS_CONTAINER_CREDENTIALS_FULL_URI": srv.URL + "/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "tok"},
		{"AWS_CONTAINER_CREDENTIALS_FULL_URI": srv.URL + "/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokFile},
	} {
		c, err := (&Container{Getenv: envOf(env), Timeout: 5 * time.Second, Profile: "p"}).Retrieve(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if c.AccessKeyID != "ASIAMETA" || c.SessionToken != "metatoken" || !c.CanExpire || c.Expires.Year() != 2030 {
			t.Errorf("credentials %+v", c)
		}
	}
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{nil, "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set"},
		{map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": srv.URL + "/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "wrong"}, "answered 403"},
		{map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://192.0.2.1/creds"}, "plain http to another host"},
		{map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "ftp://x"}, "is not an http(s) URL"},
		{map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": srv.URL + "/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "a\nb"}, "line break"},
	} {
		_, err := (&Container{Getenv: envOf(tt.env), Timeout: time.Second, Profile: "p"}).Retrieve(context.Background())
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want %q", tt.env, err, tt.want)
		}
	}
}

// IMDSv2: a token first, then the role, then its credentials; redirects
// are not followed (the credentials must not leave for another host).
func TestInstanceMetadata(t *testing.T) {
	var redirect bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPut && r.URL.Path == "/latest/api/token" && r.Header.Get("X-aws-ec2-metadata-token-ttl-seconds") != "":
			w.Write([]byte("imdstoken"))
		case r.Header.Get("X-aws-ec2-metadata-token") != "imdstoken":
			http.Error(w, "unauthorized", http.StatusUnauthorized)
		case redirect:
			http.Redirect(w, r, "http://192.0.2.1/steal", http.StatusFound)
		case r.URL.Path == "/latest/meta-data/iam/security-credentials/":
			w.Write([]byte("web-role\n"))
		case r.URL.Path == "/latest/meta-data/iam/security-credentials/web-role":
			w.Write([]byte(metadataJSON))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	env := map[string]string{"AWS_EC2_METADATA_SERVICE_ENDPOINT": srv.URL}
	m := &InstanceMetadata{Getenv: envOf(env), Timeout: 5 * time.Second, Profile: "p"}
	c, err := m.Retrieve(context.Background())
	if err != nil || c.AccessKeyID != "ASIAMETA" || c.Source != "instance-metadata" {
		t.Fatalf("Retrieve = %+v, %v", c, err)
	}
	redirect = true
	if _, err := m.Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), "302") {
		t.Errorf("redirect: err = %v", err)
	}
	env["AWS_EC2_METADATA_DISABLED"] = "true"
	if _, err := m.Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), "AWS_EC2_METADATA_DISABLED") {
		t.Errorf("disabled: err = %v", err)
	}
}

func TestFromEnvironment(t *testing.T) {
	p := FromEnvironment(envOf(map[string]string{"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"}), "p")
	if c, err := p.Retrieve(context.Background()); err != nil || c.AccessKeyID != "AKIAENV" || c.SessionToken != "t" {
		t.Errorf("Retrieve = %+v, %v", c, err)
	}
	if _, err := FromEnvironment(envOf(nil), "p").Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), `profile "p"`) {
		t.Errorf("empty environment: %v", err)
	}
}
