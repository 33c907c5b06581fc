package ststest

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

const (
	samlAdminRole = "arn:aws:iam::123456789012:role/Admin"
	samlReadRole  = "arn:aws:iam::123456789012:role/ReadOnly"
	samlProvider  = "arn:aws:iam::123456789012:saml-provider/CorpIdP"
)

func newSAMLServer(t *testing.T) (*Server, *testClock) {
	t.Helper()
	s, clock := newClockedServer()
	s.AddRole(Role{ARN: samlAdminRole, MaxSessionDuration: 4 * time.Hour})
	s.AddRole(Role{ARN: samlReadRole})
	s.AddSAMLProvider(samlProvider, samlAdminRole, samlReadRole)
	s.SetSAMLIdP(SAMLIdP{Roles: []SAMLRole{{RoleARN: samlAdminRole, ProviderARN: samlProvider}, {RoleARN: samlReadRole, ProviderARN: samlProvider}}})
	return s, clock
}

func samlCall(t *testing.T, s *Server, role, provider, assertion, duration string) *httptest.ResponseRecorder {
	t.Helper()
	form := url.Values{"Action": {samlAction}, "Version": {stsVersion}, "RoleArn": {role}, "PrincipalArn": {provider}, "SAMLAssertion": {assertion}}
	if duration != "" {
		form.Set("DurationSeconds", duration)
	}
	r := httptest.NewRequest(http.MethodPost, "http://sts.test/", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return serve(s, r)
}

func samlAssertion(t *testing.T, s *Server, idp SAMLIdP) string {
	t.Helper()
	s.SetSAMLIdP(idp)
	a, err := s.SAMLResponse()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestSAMLAssumeRole(t *testing.T) {
	s, clock := newSAMLServer(t)
	for _, providerFirst := range []bool{false, true} {
		a := samlAssertion(t, s, SAMLIdP{ProviderFirst: providerFirst, SessionDuration: 28800, Roles: []SAMLRole{
			{RoleARN: samlAdminRole, ProviderARN: samlProvider}, {RoleARN: samlReadRole, ProviderARN: samlProvider}}})
		w := samlCall(t, s, samlAdminRole, samlProvider, a, "7200")
		var out struct {
			Result struct {
				Credentials     credentialsXML  `xml:"Credentials"`
				AssumedRoleUser assumedRoleUser `xml:"AssumedRoleUser"`
				Subject         string          `xml:"Subject"`
				Audience        string          `xml:"Audience"`
				Issuer          string          `xml:"Issuer"`
			} `xml:"AssumeRoleWithSAMLResult"`
		}
		expectOK(t, w, &out)
		r := out.Result
		if r.AssumedRoleUser.Arn != "arn:aws:sts::123456789012:assumed-role/Admin/alice@example.com" || r.Subject != "alice@example.com" ||
			r.Audience != SAMLRecipient || r.Issuer != samlIssuer {
			t.Errorf("result %+v", r)
		}
		exp, _ := time.Parse(isoFormat, r.Credentials.Expiration)
		if want := clock.Now().Add(2 * time.Hour).Truncate(time.Second); !exp.Equal(want) {
			t.Errorf("expiration %s, want %s", exp, want)
		}
		// The credentials work as any role's: GetCallerIdentity signed with them.
		if got := s.credentialARN(r.Credentials.AccessKeyID); got != r.AssumedRoleUser.Arn {
			t.Errorf("issued credentials stand for %q", got)
		}
	}
	if got := s.Count(samlAction); got != 2 {
		t.Errorf("count %d, want 2", got)
	}
}

func (s *Server) credentialARN(keyID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.creds[keyID]; c != nil {
		return c.arn
	}
	return ""
}

func TestSAMLRefusals(t *testing.T) {
	s, clock := newSAMLServer(t)
	good := samlAssertion(t, s, SAMLIdP{Roles: []SAMLRole{{RoleARN: samlAdminRole, ProviderARN: samlProvider}}})
	raw, _ := base64.StdEncoding.DecodeString(good)
	for _, c := range []struct {
		name, role, provider, duration string
		idp                            *SAMLIdP
		assertion                      string
		advance                        time.Duration
		status                         int
		code, says                     string
	}{
		{name: "tampered", idp: &SAMLIdP{Fault: SAMLTampered}, status: 400, code: "InvalidIdentityToken", says: "signature"},
		{name: "other key", idp: &SAMLIdP{Fault: SAMLWrongKey}, status: 400, code: "InvalidIdentityToken", says: "signature"},
		{name: "expired", idp: &SAMLIdP{Fault: SAMLExpired}, status: 400, code: "ExpiredTokenException", says: "5 minutes"},
		{name: "older than 5 minutes", idp: &SAMLIdP{Lifetime: time.Hour}, advance: 6 * time.Minute, status: 400, code: "ExpiredTokenException"},
		{name: "past NotOnOrAfter", idp: &SAMLIdP{Lifetime: time.Minute}, advance: 2 * time.Minute, status: 400, code: "ExpiredTokenException"},
		{name: "wrong audience", idp: &SAMLIdP{Fault: SAMLWrongAudience}, status: 400, code: "InvalidIdentityToken", says: "audience"},
		{name: "wrong recipient", idp: &SAMLIdP{Recipient: "https://evil.example/saml"}, status: 400, code: "InvalidIdentityToken", says: "recipient"},
		{name: "role not in assertion", role: samlReadRole, status: 400, code: "IDPRejectedClaim"},
		{name: "unknown provider", provider: "arn:aws:iam::123456789012:saml-provider/Other", status: 400, code: "InvalidIdentityToken", says: "provider"},
		{name: "duration over the role's", idp: &SAMLIdP{Roles: []SAMLRole{{RoleARN: samlReadRole, ProviderARN: samlProvider}}}, role: samlReadRole, duration: "7200", status: 400, code: "ValidationError", says: "MaxSessionDuration"},
		{name: "duration under 900", duration: "899", status: 400, code: "ValidationError", says: "greater than or equal to 900"},
		{name: "bad session name", idp: &SAMLIdP{SessionName: "a b"}, status: 400, code: "InvalidIdentityToken", says: "RoleSessionName"},
		{name: "not base64", assertion: "!!!!", status: 400, code: "InvalidIdentityToken"},
		{name: "not XML", assertion: base64.StdEncoding.EncodeToString([]byte("<x")), status: 400, code: "InvalidIdentityToken"},
		{name: "unsigned copy", assertion: base64.StdEncoding.EncodeToString(regexp.MustCompile(`(?s)<ds:Signature.*</ds:Signature>`).ReplaceAll(raw, nil)), status: 400, code: "InvalidIdentityToken", says: "signature"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := c.assertion
			if a == "" {
				idp := SAMLIdP{Roles: []SAMLRole{{RoleARN: samlAdminRole, ProviderARN: samlProvider}}}
				if c.idp != nil {
					idp = *c.idp
					if idp.Roles == nil {
						idp.Roles = []SAMLRole{{RoleARN: samlAdminRole, ProviderARN: samlProvider}}
					}
				}
				a = samlAssertion(t, s, idp)
			}
			clock.Add(c.advance)
			defer clock.Add(-c.advance)
			role, provider := c.role, c.provider
			if role == "" {
				role = samlAdminRole
			}
			if provider == "" {
				provider = samlProvider
			}
			e := expectError(t, samlCall(t, s, role, provider, a, c.duration), c.status, c.code)
			if !strings.Contains(strings.ToLower(e.Error.Message), strings.ToLower(c.says)) {
				t.Errorf("message %q does not say %q", e.Error.Message, c.says)
			}
		})
	}
}

// TestSAMLIdPPage: the sign-in page posts a signed response to the ACS URL
// it is given.
func TestSAMLIdPPage(t *testing.T) {
	s, _ := newSAMLServer(t)
	base, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.SetSAMLIdP(SAMLIdP{Recipient: "https://eu-west-1.signin.aws.amazon.com/saml", Roles: []SAMLRole{{RoleARN: samlAdminRole, ProviderARN: samlProvider}}})
	resp, err := http.Get(base + SAMLIdPPath)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`<form method="post" action="([^"]+)">\s*<input type="hidden" name="SAMLResponse" value="([^"]+)">`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no form in %s", body)
	}
	if string(m[1]) != "https://eu-west-1.signin.aws.amazon.com/saml" {
		t.Errorf("form posts to %s", m[1])
	}
	expectOK(t, samlCall(t, s, samlAdminRole, samlProvider, html.UnescapeString(string(m[2])), ""), new(struct{}))
	if s.SAMLPages() != 1 || s.Count("saml-idp") != 1 {
		t.Errorf("pages %d", s.SAMLPages())
	}
	raw, _ := base64.StdEncoding.DecodeString(html.UnescapeString(string(m[2])))
	if err := xml.Unmarshal(raw, new(struct{})); err != nil || !bytes.Contains(raw, []byte("http://www.w3.org/2001/10/xml-exc-c14n#")) ||
		!bytes.Contains(raw, []byte("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")) {
		t.Errorf("not an exclusive-c14n RSA-SHA256 signature: %s", raw)
	}
}

// TestSAMLBotocore: botocore's own AssumeRoleWithSAML request is accepted.
func TestSAMLBotocore(t *testing.T) {
	if exec.Command("python3", "-c", "import boto3").Run() != nil {
		t.Skip("needs python3 with boto3 (pip install boto3)")
	}
	s := New()
	s.AddRole(Role{ARN: samlAdminRole})
	s.AddSAMLProvider(samlProvider, samlAdminRole)
	s.SetSAMLIdP(SAMLIdP{Roles: []SAMLRole{{RoleARN: samlAdminRole, ProviderARN: samlProvider}}})
	base, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, err := s.SAMLResponse()
	if err != nil {
		t.Fatal(err)
	}
	script := `
import os, sys, boto3
c = boto3.client("sts", endpoint_url=os.environ["STS"], region_name="us-east-1")
r = c.assume_role_with_saml(RoleArn=os.environ["ROLE"], PrincipalArn=os.environ["PROVIDER"], SAMLAssertion=sys.stdin.read(), DurationSeconds=900)
print(r["AssumedRoleUser"]["Arn"], r["Credentials"]["AccessKeyId"][:4], r["Subject"])
`
	cmd := exec.Command("python3", "-c", script)
	cmd.Stdin = strings.NewReader(a)
	env := []string{"STS=" + base, "ROLE=" + samlAdminRole, "PROVIDER=" + samlProvider, "HOME=" + t.TempDir(),
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("botocore: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "arn:aws:sts::123456789012:assumed-role/Admin/alice@example.com ASIA alice@example.com" {
		t.Errorf("botocore got %q", got)
	}
	if s.Count(samlAction) != 1 {
		t.Errorf("count %d", s.Count(samlAction))
	}
}
