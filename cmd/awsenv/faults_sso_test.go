//go:build unix

package main

// The hostile IAM Identity Center portal of issue 20 (item 1), in the
// findings of the fault suite: a portal whose account and role names would
// add lines to ~/.aws/config (an injected [default] section, a
// credential_process), or put escape bytes into it. sso populate must
// refuse the whole answer with one line that names the portal, and leave
// the config file byte for byte.

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/awsenv/awsenv/internal/sso"
	"github.com/awsenv/awsenv/internal/ststest"
)

func init() {
	findingCases = append(findingCases, hostilePortalCases...)
}

// hostilePortal gives the world an IAM Identity Center of its own, with a
// good account and the hostile one, an [sso-session corp] in its config
// and a login in its token cache; it returns the portal's address.
func (w *world) hostilePortal(id, name string, roles ...string) string {
	srv := ststest.New()
	u, err := srv.Listen()
	w.s.ts.Check(err)
	w.s.mu.Lock()
	w.s.closers = append(w.s.closers, func() { srv.Close() })
	w.s.mu.Unlock()
	srv.AddSSOAccount("111111111111", "dev", "Admin", "ReadOnly")
	srv.AddHostileSSOAccount(id, name, roles...)
	w.env["AWS_ENDPOINT_URL_SSO"], w.env["AWS_ENDPOINT_URL_SSO_OIDC"] = u, u
	w.put(pConfig, w.config, "[default]\nregion = us-east-1\n\n[sso-session corp]\nsso_start_url = "+ststest.DefaultSSOStartURL+
		"\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n")
	c := &sso.Client{Getenv: func(k string) string { return w.env[k] }}
	sess := sso.Session{Name: "corp", StartURL: ststest.DefaultSSOStartURL, Region: "eu-west-1", Scopes: []string{"sso:account:access"}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = c.Token(ctx, sess, sso.LoginOptions{DeviceCode: true, Show: func(_, code string) error { return srv.ApproveSSODevice(code) }})
	w.s.ts.Check(err)
	return strings.TrimPrefix(u, "http://")
}

// populateRefused runs sso populate against the world's hostile portal
// and holds it to the discipline, with the config file unchanged.
func (w *world) populateRefused(portal, says string) (result, []string) {
	before := w.snapshot()
	r := w.run(30*time.Second, "sso", "populate", "corp", "--timeout", "10s")
	bad := w.check(r, fails, before, portal)
	if b, _ := os.ReadFile(w.config); string(b) != string(w.content[pConfig]) {
		bad = append(bad, fmt.Sprintf("the config file changed:\n%s", b))
	}
	if !strings.Contains(r.stderr, says) {
		bad = append(bad, fmt.Sprintf("the error does not say %q", says))
	}
	return r, bad
}

var hostilePortalCases = []finding{
	{name: "20.1 sso populate: a role name with an injected [default] and credential_process", run: func(w *world) (result, []string) {
		portal := w.hostilePortal("222222222222", "prod", "ReadOnly\n[default]\ncredential_process = sh -c 'touch /tmp/awsenv-pwned'")
		return w.populateRefused(portal, `role name "ReadOnly\n[default]\ncredential_process`)
	}},
	{name: "20.1 sso populate: a role name with escape bytes", run: func(w *world) (result, []string) {
		portal := w.hostilePortal("222222222222", "prod", "ReadOnly\x1b]0;pwned\x07\x1b[2J")
		r, bad := w.populateRefused(portal, `role name "ReadOnly\x1b]0;pwned\a\x1b[2J"`)
		if strings.Contains(r.stderr, "\x1b") {
			bad = append(bad, "raw escape bytes on stderr")
		}
		return r, bad
	}},
	{name: "20.1 sso populate: an account name with a line break and escape bytes", run: func(w *world) (result, []string) {
		portal := w.hostilePortal("222222222222", "prod\n[profile x]\x1b[31m", "ReadOnly")
		r, bad := w.populateRefused(portal, `account name "prod\n[profile x]\x1b[31m"`)
		if strings.Contains(r.stderr, "\x1b") {
			bad = append(bad, "raw escape bytes on stderr")
		}
		return r, bad
	}},
	{name: "20.1 sso populate: an account id that is not 12 digits", run: func(w *world) (result, []string) {
		portal := w.hostilePortal("2222\nregion = x", "prod", "ReadOnly")
		return w.populateRefused(portal, `account id "2222\nregion = x", which is not 12 digits`)
	}},
}
