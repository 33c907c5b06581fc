package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadProfiles(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	cred := filepath.Join(dir, "credentials")
	os.WriteFile(cfg, []byte(`# comment
[default]
region = us-east-1
[profile dev]
role_arn = arn:aws:iam::123456789012:role/dev
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/me
duration_seconds = 7200
role_session_name = me
external_id = ext
s3 =
    max_concurrent_requests = 10
[sso-session corp]
sso_region = eu-west-1
[base]
region = ignored-not-a-profile-header
[profile proc]
credential_process = /bin/echo {}
[profile wi]
role_arn = arn:aws:iam::123456789012:role/wi
web_identity_token_file = /tmp/token
`), 0o600)
	os.WriteFile(cred, []byte("[base]\naws_access_key_id = AKIA1\naws_secret_access_key = s\n[default]\naws_access_key_id = AKIA2\naws_secret_access_key = s2\n"), 0o600)
	ps, err := LoadProfiles(cfg, cred)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ps.Names(), ","); got != "default,dev,proc,wi,base" {
		t.Errorf("names %s", got)
	}
	dev := ps.Get("dev")
	if dev.RoleARN != "arn:aws:iam::123456789012:role/dev" || dev.SourceProfile != "base" || dev.Duration != 2*time.Hour ||
		dev.RoleSessionName != "me" || dev.ExternalID != "ext" || dev.Kind() != "role" {
		t.Errorf("dev %+v", dev)
	}
	if b := ps.Get("base"); b.AccessKeyID != "AKIA1" || b.Region != "" || b.Kind() != "keys" {
		t.Errorf("base %+v", b)
	}
	if d := ps.Get("default"); d.Region != "us-east-1" || d.AccessKeyID != "AKIA2" {
		t.Errorf("default %+v", d)
	}
	if ps.Get("proc").Kind() != "process" || ps.Get("wi").Kind() != "web-identity" || ps.Get("corp") != nil {
		t.Error("kinds")
	}
}

func TestLoadProfilesErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ body, want string }{
		{"[profile a\nx=1\n", "line 1: section header without ]"},
		{"[profile a]\njunk\n", "line 2: expected key = value"},
		{"[profile a]\nduration_seconds = soon\n", `line 2: profile "a": duration_seconds "soon" is not a number`},
	} {
		p := filepath.Join(dir, "config")
		os.WriteFile(p, []byte(tt.body), 0o600)
		_, err := LoadProfiles(p, "")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %q", tt.body, err, tt.want)
		}
	}
	if ps, err := LoadProfiles(filepath.Join(dir, "none"), filepath.Join(dir, "none2")); err != nil || len(ps.Names()) != 0 {
		t.Errorf("missing files: %v", err)
	}
}
