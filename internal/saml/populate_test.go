package saml

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWrite(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config")
	before := "# mine\n[profile corp]\nsaml_url = https://idp.example/aws\n"
	if err := os.WriteFile(cfg, []byte(before), 0o600); err != nil {
		t.Fatal(err)
	}
	roles := []Role{{adminRole, provider}, {readRole, provider}}
	p := Populate{ConfigFile: cfg, Source: "corp", URL: "https://idp.example/aws", Region: "eu-west-1", Duration: 2 * time.Hour}
	out, err := Write(context.Background(), roles, p)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(cfg)
	text := string(data)
	for _, want := range []string{before, "[profile corp-123456789012-Admin]\nsaml_url = https://idp.example/aws\nrole_arn = " + adminRole +
		"\nsaml_provider_arn = " + provider + "\nduration_seconds = 7200\nregion = eu-west-1\n", "[profile corp-123456789012-ReadOnly]\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("config lacks %q:\n%s", want, text)
		}
	}
	if out.Written != 2 {
		t.Errorf("written %d", out.Written)
	}
	// Again with one role and --prune: the block holds only that one.
	if _, err := Write(context.Background(), roles[:1], Populate{ConfigFile: cfg, Source: "corp", URL: p.URL, Prune: true}); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(cfg)
	if strings.Contains(string(data), "ReadOnly") || !strings.HasPrefix(string(data), before) {
		t.Errorf("after prune:\n%s", data)
	}
}

func TestWriteRefuses(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config")
	for _, c := range []struct {
		name, template string
		roles          []Role
		says           string
	}{
		{"a hostile role", "", []Role{{"arn:aws:iam::123456789012:role/x\n[profile y]", provider}}, "not a role ARN"},
		{"a template that makes a bad name", "{profile} {role_name}", []Role{{adminRole, provider}}, "cannot name a profile"},
		{"two roles of one name", "{role_name}", []Role{{adminRole, provider}, {"arn:aws:iam::210987654321:role/Admin", provider}}, "the same name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Write(context.Background(), c.roles, Populate{ConfigFile: cfg, Source: "corp", URL: "https://idp.example/aws", Template: c.template})
			if err == nil || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("got %v, want %q", err, c.says)
			}
			if _, err := os.Stat(cfg); err == nil {
				t.Error("the config file was written")
			}
		})
	}
}
