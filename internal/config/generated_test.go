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
