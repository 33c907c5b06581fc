// The end-to-end scripts drive real Unix shells, FIFOs and process groups.

//go:build unix

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/awsenv/awsenv/internal/ststest"
)

const (
	samlAdminRole  = "arn:aws:iam::123456789012:role/Admin"
	samlReadRole   = "arn:aws:iam::123456789012:role/ReadOnly"
	samlProviderID = "arn:aws:iam::123456789012:saml-provider/CorpIdP"
)

func init() {
	// saml setup: the stand-in's SAML identity provider (a signed-in
	// session for alice@example.com) granting Admin and ReadOnly through
	// CorpIdP, its assertions posted to AWS's real sign-in URL (the
	// browser's request is intercepted before any network); $SAML_URL is
	// its sign-in page; the browser runs headless; the config file gets
	// the profiles corp-admin (role_arn Admin), corp (no role_arn) and
	// corp-deploy (readonly, chained from corp-admin).
	//
	// saml idp one|two|expired|tampered|audience|hostile|recipient URL:
	// what the next assertions are.
	//
	// saml pages N: the sign-in page was served N times.
	//
	// saml nobrowser: no process runs with the script's browser profile
	// (waits for one to end, with a generous limit).
	scriptCmds["saml"] = func(ts *testscript.TestScript, neg bool, args []string) {
		srv := fixtureOf(ts).srv
		roles := func(rs ...string) []ststest.SAMLRole {
			var out []ststest.SAMLRole
			for _, r := range rs {
				out = append(out, ststest.SAMLRole{RoleARN: r, ProviderARN: samlProviderID})
			}
			return out
		}
		switch args[0] {
		case "setup":
			srv.AddRole(ststest.Role{ARN: samlAdminRole, MaxSessionDuration: 4 * time.Hour})
			srv.AddRole(ststest.Role{ARN: samlReadRole})
			srv.AddSAMLProvider(samlProviderID, samlAdminRole, samlReadRole)
			srv.SetSAMLIdP(ststest.SAMLIdP{Roles: roles(samlAdminRole)})
			url := ts.Getenv("STS") + ststest.SAMLIdPPath
			ts.Setenv("SAML_URL", url)
			ts.Setenv("AWSENV_SAML_HEADLESS", "1")
			cfg := "[profile corp-admin]\nsaml_url = " + url + "\nrole_arn = " + samlAdminRole + "\nregion = eu-west-1\n\n" +
				"[profile corp]\nsaml_url = " + url + "\nregion = eu-west-1\n\n" +
				"[profile corp-deploy]\nrole_arn = arn:aws:iam::123456789012:role/readonly\nsource_profile = corp-admin\n"
			path := ts.Getenv("AWS_CONFIG_FILE")
			ts.Check(os.MkdirAll(filepath.Dir(path), 0o700))
			ts.Check(os.WriteFile(path, []byte(cfg), 0o600))
		case "idp":
			idp := ststest.SAMLIdP{Roles: roles(samlAdminRole)}
			switch args[1] {
			case "one":
			case "two":
				idp.Roles = roles(samlAdminRole, samlReadRole)
			case "expired":
				idp.Fault = ststest.SAMLExpired
			case "tampered":
				idp.Fault = ststest.SAMLTampered
			case "audience":
				idp.Fault = ststest.SAMLWrongAudience
			case "hostile":
				idp.Roles = append(roles(samlAdminRole), ststest.SAMLRole{Value: "arn:aws:iam::123456789012:role/Evil\n[profile x]\ncredential_process = sh," + samlProviderID})
			case "nopost":
				idp.Fault = ststest.SAMLNoPost
			case "recipient":
				idp.Recipient = args[2]
			default:
				ts.Fatalf("saml idp: unknown setting %q", args[1])
			}
			srv.SetSAMLIdP(idp)
		case "account":
			// saml account NAME: an accounts-file entry that signs in
			// through the identity provider (the old layout).
			path := filepath.Join(ts.Getenv("CREDS"), "accounts.json")
			data, err := os.ReadFile(path)
			ts.Check(err)
			entry := `  "` + args[1] + `": { "region": "eu-west-1", "saml": { "url": "` + ts.Getenv("SAML_URL") + `", "role_arn": "` + samlAdminRole + `" } },` + "\n"
			data = bytes.Replace(data, []byte("{\n"), []byte("{\n"+entry), 1)
			ts.Check(os.WriteFile(path, data, 0o600))
		case "pages":
			want, err := strconv.Atoi(args[1])
			ts.Check(err)
			if got := srv.SAMLPages(); (got == want) == neg {
				ts.Fatalf("the sign-in page was served %d times, want %d", got, want)
			}
		case "nobrowser":
			profile := []byte(filepath.Join(ts.Getenv("HOME"), ".config", "awsenv", "saml-browser"))
			deadline := time.Now().Add(60 * time.Second)
			for {
				left := browsersWith(profile)
				if len(left) == 0 {
					return
				}
				if time.Now().After(deadline) {
					ts.Fatalf("browser processes still run: %v", left)
				}
				time.Sleep(100 * time.Millisecond)
			}
		default:
			ts.Fatalf("usage: saml setup|idp|pages|nobrowser")
		}
	}
}

// browsersWith lists the processes whose command line names the profile
// folder (Chromium passes --user-data-dir to each of its processes).
func browsersWith(profile []byte) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && bytes.Contains(cmdline, profile) && !strings.HasPrefix(string(cmdline), "bash") {
			pids = append(pids, pid)
		}
	}
	return pids
}
