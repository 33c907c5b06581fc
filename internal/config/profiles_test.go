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
	p := filepath.Join(dir, "config")
	os.WriteFile(p, []byte("[profile a\nx=1\n"), 0o600)
	if _, err := LoadProfiles(p, ""); err == nil || !strings.Contains(err.Error(), "line 1: section header without ]") {
		t.Errorf("header: %v", err)
	}
	// A bad setting is the profile's own error; other profiles still work.
	os.WriteFile(p, []byte("[profile a]\njunk\n[profile b]\nduration_seconds = soon\n[profile c]\n  region = eu-west-1\n[profile \"d e\"]\nregion = x\n"), 0o600)
	ps, err := LoadProfiles(p, "")
	if err != nil {
		t.Fatal(err)
	}
	if e := ps.Get("a").Err; e == nil || !strings.Contains(e.Error(), "line 2: expected key = value") {
		t.Errorf("a: %v", e)
	}
	if e := ps.Get("b").Err; e == nil || !strings.Contains(e.Error(), `line 4: duration_seconds "soon" is not a number`) {
		t.Errorf("b: %v", e)
	}
	if c := ps.Get("c"); c.Err != nil || c.Region != "eu-west-1" {
		t.Errorf("indented keys: %+v", c)
	}
	if ps.Get("d e") == nil {
		t.Error("quoted profile name")
	}
	if ps, err := LoadProfiles(filepath.Join(dir, "none"), filepath.Join(dir, "none2")); err != nil || len(ps.Names()) != 0 {
		t.Errorf("missing files: %v", err)
	}
}
