// The end-to-end scripts drive real Unix shells, FIFOs and process groups.

//go:build unix

package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/awsenv/awsenv/internal/ststest"
)

func init() {
	// sso setup | expire | end | consent allow|deny|wrong-state | many N:
	// the stand-in's IAM Identity Center: accounts dev (111111111111,
	// roles Admin and ReadOnly) and prod (222222222222, ReadOnly), the
	// endpoints pointed at it; access tokens expired; the session ended;
	// what the person does in the browser; N more accounts of 3 roles.
	// sso proxy: $PROXY and $PROXY_CA, for the AWS CLI (HTTPS_PROXY,
	// AWS_CA_BUNDLE).
	scriptCmds["sso"] = func(ts *testscript.TestScript, neg bool, args []string) {
		srv := fixtureOf(ts).srv
		switch args[0] {
		case "setup":
			srv.AddSSOAccount("111111111111", "dev", "Admin", "ReadOnly")
			srv.AddSSOAccount("222222222222", "prod", "ReadOnly")
			ts.Setenv("AWS_ENDPOINT_URL_SSO", ts.Getenv("STS"))
			ts.Setenv("AWS_ENDPOINT_URL_SSO_OIDC", ts.Getenv("STS"))
			ts.Setenv("SSO_START_URL", ststest.DefaultSSOStartURL)
		case "expire":
			srv.ExpireSSOAccessTokens()
		case "end":
			srv.EndSSOSessions()
		case "consent":
			st := srv.SSO()
			st.Consent = map[string]ststest.SSOConsent{"allow": ststest.SSOAllow, "deny": ststest.SSODeny, "wrong-state": ststest.SSOWrongState}[args[1]]
			srv.SetSSO(st)
		case "many":
			n, err := strconv.Atoi(args[1])
			ts.Check(err)
			for i := 0; i < n; i++ {
				srv.AddSSOAccount(fmt.Sprintf("%012d", 300000000000+i), fmt.Sprintf("acct%03d", i), "Admin", "ReadOnly", "Billing")
			}
		case "devicelife":
			d, err := time.ParseDuration(args[1])
			ts.Check(err)
			st := srv.SSO()
			st.DeviceCodeLifetime = d
			srv.SetSSO(st)
		case "rolearn":
			ts.Setenv(args[3], srv.SSORoleARN(args[1], args[2]))
		case "proxy":
			// For the AWS CLI v2.9, which ignores AWS_ENDPOINT_URL*: an
			// HTTPS proxy that plays every AWS host with the stand-in.
			p, err := ststest.NewAWSProxy(srv)
			ts.Check(err)
			ts.Defer(func() { p.Close() })
			ca := ts.MkAbs("proxy-ca.pem")
			ts.Check(os.WriteFile(ca, p.CAPEM, 0o600))
			ts.Setenv("PROXY", p.URL)
			ts.Setenv("PROXY_CA", ca)
		default:
			ts.Fatalf("sso: unknown subcommand %q", args[0])
		}
	}
}
