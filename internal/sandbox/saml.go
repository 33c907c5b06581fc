package sandbox

import (
	"os"
	"path/filepath"
	"time"

	"github.com/awsenv/awsenv/internal/ststest"
)

// samlDemo gives the sandbox a SAML identity provider: a signed-in session
// that grants the roles Admin and ReadOnly through the provider CorpIdP,
// and the profiles corp (Admin) and corp-any (the role chosen from the
// assertion) in the sandbox's config file. Where no window can show, the
// browser runs headless.
func samlDemo(srv *ststest.Server, url, dir string, env map[string]string, getenv func(string) string) error {
	account := srv.AccountID()
	admin, readOnly := "arn:aws:iam::"+account+":role/Admin", "arn:aws:iam::"+account+":role/ReadOnly"
	provider := "arn:aws:iam::" + account + ":saml-provider/CorpIdP"
	srv.AddRole(ststest.Role{ARN: admin, MaxSessionDuration: 4 * time.Hour})
	srv.AddRole(ststest.Role{ARN: readOnly})
	srv.AddSAMLProvider(provider, admin, readOnly)
	srv.SetSAMLIdP(ststest.SAMLIdP{Roles: []ststest.SAMLRole{{RoleARN: admin, ProviderARN: provider}, {RoleARN: readOnly, ProviderARN: provider}}})
	signIn := url + ststest.SAMLIdPPath
	cfg := "[profile corp]\nsaml_url = " + signIn + "\nrole_arn = " + admin + "\nregion = eu-west-1\n\n" +
		"[profile corp-any]\nsaml_url = " + signIn + "\nregion = eu-west-1\n"
	if getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" && getenv("AWSENV_SAML_HEADLESS") == "" {
		env["AWSENV_SAML_HEADLESS"] = "1"
	}
	// The profiles go after the Identity Center demo's in the one config file.
	path := filepath.Join(dir, "aws-config")
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	if len(old) > 0 {
		cfg = string(old) + "\n" + cfg
	}
	return os.WriteFile(path, []byte(cfg), 0o600)
}
