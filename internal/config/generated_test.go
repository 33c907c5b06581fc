package config

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteGenerated(t *testing.T) {
	const mine = "# my settings\n[default]\nregion = eu-west-1\n\n[profile dev-Admin]\nregion = us-east-1\n"
	path := filepath.Join(t.TempDir(), "config")
	os.WriteFile(path, []byte(mine), 0o640)
	prof := func(name, role string) GeneratedProfile {
		return GeneratedProfile{Name: name, Settings: [][2]string{{"sso_session", "corp"}, {"sso_account_id", "111111111111"}, {"sso_role_name", role}}}
	}
	ctx := context.Background()
	res, err := WriteGenerated(ctx, path, "sso populate corp", []GeneratedProfile{prof("dev-Admin", "Admin"), prof("dev-ReadOnly", "ReadOnly"), prof("prod-ReadOnly", "ReadOnly")}, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Written != 2 || len(res.Skipped) != 1 || res.Skipped[0] != "dev-Admin" {
		t.Errorf("first run: %+v (dev-Admin is the user's own profile)", res)
	}
	data, _ := os.ReadFile(path)
	if !bytes.HasPrefix(data, []byte(mine)) {
		t.Fatalf("the user's part changed:\n%s", data)
	}
	ps, err := ParseProfiles(path, data, "", nil)
	if err != nil || ps.Get("prod-ReadOnly") == nil || ps.Get("prod-ReadOnly").SSORoleName != "ReadOnly" {
		t.Fatalf("generated profiles do not parse: %v", err)
	}
	// The user edits outside the block; a second run without prod keeps
	// it, with --prune drops it; the user's bytes stay.
	os.WriteFile(path, append(data, []byte("\n[profile later]\nregion = ap-south-1\n")...), 0o640)
	before, _ := os.ReadFile(path)
	res, err = WriteGenerated(ctx, path, "sso populate corp", []GeneratedProfile{prof("dev-ReadOnly", "ReadOnly")}, false)
	if err != nil || res.Written != 1 || res.Kept != 1 || res.Removed != 0 {
		t.Errorf("second run: %+v, %v", res, err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Errorf("an unchanged set rewrote the file differently:\n%s\n---\n%s", before, after)
	}
	res, err = WriteGenerated(ctx, path, "sso populate corp", []GeneratedProfile{prof("dev-ReadOnly", "ReadOnly")}, true)
	if err != nil || res.Removed != 1 {
		t.Errorf("prune: %+v, %v", res, err)
	}
	data, _ = os.ReadFile(path)
	if strings.Contains(string(data), "prod-ReadOnly") || !strings.Contains(string(data), "[profile later]\nregion = ap-south-1\n") || !bytes.HasPrefix(data, []byte(mine)) {
		t.Errorf("after prune:\n%s", data)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v", st.Mode().Perm())
	}
}

// A value from the network (a portal's role name) that would add lines of
// its own to the file is refused by the writer itself, whoever calls it,
// and the file keeps every byte.
func TestWriteGeneratedRefusesWhatWouldNotReadBack(t *testing.T) {
	const mine = "[default]\nregion = eu-west-1\n"
	ok := func() GeneratedProfile {
		return GeneratedProfile{Name: "dev-Admin", Settings: [][2]string{{"sso_session", "corp"}, {"sso_account_id", "111111111111"}, {"sso_role_name", "Admin"}}}
	}
	for _, tc := range []struct {
		name   string
		change func(*GeneratedProfile)
	}{
		{"injected section and credential_process", func(p *GeneratedProfile) {
			p.Settings[2][1] = "Admin\n[default]\ncredential_process = sh -c 'touch /tmp/pwned'"
		}},
		{"carriage return", func(p *GeneratedProfile) { p.Settings[2][1] = "Admin\rcredential_process = evil" }},
		{"escape bytes", func(p *GeneratedProfile) { p.Settings[2][1] = "Admin\x1b]0;title\x07\x1b[2J" }},
		{"NUL", func(p *GeneratedProfile) { p.Settings[2][1] = "Admin\x00" }},
		{"DEL", func(p *GeneratedProfile) { p.Settings[2][1] = "Admin\x7f" }},
		{"C1 next line", func(p *GeneratedProfile) { p.Settings[2][1] = "Admin\u0085x" }},
		{"Unicode line separator", func(p *GeneratedProfile) { p.Settings[2][1] = "Admin\u2028x" }},
		{"invalid UTF-8", func(p *GeneratedProfile) { p.Settings[2][1] = "Admin\xff" }},
		{"inline comment", func(p *GeneratedProfile) { p.Settings[2][1] = "Admin ;x" }},
		{"leading space", func(p *GeneratedProfile) { p.Settings[2][1] = " Admin" }},
		{"region with a line", func(p *GeneratedProfile) {
			p.Settings = append(p.Settings, [2]string{"region", "eu-west-1\n[profile x]"})
		}},
		{"name closing the header", func(p *GeneratedProfile) { p.Name = "dev]\n[default" }},
		{"setting name with =", func(p *GeneratedProfile) { p.Settings[0][0] = "credential_process = x\nsso_session" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config")
			if err := os.WriteFile(path, []byte(mine), 0o600); err != nil {
				t.Fatal(err)
			}
			bad := ok()
			tc.change(&bad)
			res, err := WriteGenerated(context.Background(), path, "sso populate corp", []GeneratedProfile{ok(), bad}, false)
			if err == nil {
				t.Fatalf("written: %+v", res)
			}
			msg := err.Error()
			if !strings.Contains(msg, path) || !strings.Contains(msg, "nothing written") || strings.ContainsAny(msg, "\n\r\x1b\x00\x7f") {
				t.Errorf("message %q: want one line naming %s and saying nothing was written", msg, path)
			}
			if data, _ := os.ReadFile(path); string(data) != mine {
				t.Errorf("the file changed:\n%q", data)
			}
		})
	}
	// The block's own name is checked too.
	path := filepath.Join(t.TempDir(), "config")
	if _, err := WriteGenerated(context.Background(), path, "sso populate corp\n[default]", []GeneratedProfile{ok()}, false); err == nil {
		t.Error("a block name with a line break was written")
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("the file was created")
	}
}
