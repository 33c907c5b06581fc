package saml

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/awsenv/awsenv/internal/ststest"
)

const (
	adminRole = "arn:aws:iam::123456789012:role/Admin"
	readRole  = "arn:aws:iam::123456789012:role/teams/ReadOnly"
	provider  = "arn:aws:iam::123456789012:saml-provider/CorpIdP"
)

func standIn(t *testing.T, idp ststest.SAMLIdP) string {
	t.Helper()
	s := ststest.New()
	s.SetSAMLIdP(idp)
	a, err := s.SAMLResponse()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestParseStandIn(t *testing.T) {
	for _, providerFirst := range []bool{false, true} {
		enc := standIn(t, ststest.SAMLIdP{ProviderFirst: providerFirst, SessionDuration: 28800, SessionNotOnOrAfter: 2 * time.Hour,
			Roles: []ststest.SAMLRole{{RoleARN: adminRole, ProviderARN: provider}, {RoleARN: readRole, ProviderARN: provider}, {RoleARN: adminRole, ProviderARN: provider}}})
		a, err := Parse(enc)
		if err != nil {
			t.Fatal(err)
		}
		want := []Role{{adminRole, provider}, {readRole, provider}}
		if len(a.Roles) != 2 || a.Roles[0] != want[0] || a.Roles[1] != want[1] {
			t.Errorf("roles %v, want %v", a.Roles, want)
		}
		if a.SessionName != "alice@example.com" || a.SessionDuration != 8*time.Hour || a.Encoded != enc {
			t.Errorf("session %q %s", a.SessionName, a.SessionDuration)
		}
		if d := time.Until(a.NotOnOrAfter); d < 4*time.Minute || d > 6*time.Minute {
			t.Errorf("NotOnOrAfter in %s", d)
		}
		if a.SessionNotOnOrAfter.IsZero() {
			t.Error("no SessionNotOnOrAfter")
		}
		if r, ok := a.Find(readRole, ""); !ok || r.Name() != "ReadOnly" || r.AccountID() != "123456789012" {
			t.Errorf("find %v %v", r, ok)
		}
		if strings.Contains(a.String()+a.GoString(), enc[:20]) {
			t.Error("String shows the assertion")
		}
	}
}

func wrap(inner string) string {
	return base64.StdEncoding.EncodeToString([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">` + inner + `</samlp:Response>`))
}

func roleAssertion(values ...string) string {
	var b strings.Builder
	b.WriteString(`<saml:Assertion><saml:AttributeStatement><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">`)
	for _, v := range values {
		b.WriteString("<saml:AttributeValue>" + v + "</saml:AttributeValue>")
	}
	b.WriteString(`</saml:Attribute></saml:AttributeStatement></saml:Assertion>`)
	return b.String()
}

func TestParseRefuses(t *testing.T) {
	deep := strings.Repeat("<saml:X>", 40) + strings.Repeat("</saml:X>", 40)
	for _, c := range []struct{ name, enc, says string }{
		{"not base64", "%%%", "not base64"},
		{"too large", strings.Repeat("A", MaxEncoded+4), "larger"},
		{"not XML", base64.StdEncoding.EncodeToString([]byte("<a")), "well-formed"},
		{"not a response", base64.StdEncoding.EncodeToString([]byte("<a/>")), "samlp:Response"},
		{"doctype", base64.StdEncoding.EncodeToString([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>`)), "DOCTYPE"},
		{"too deep", wrap(`<saml:Assertion>` + deep + `</saml:Assertion>`), "too deep"},
		{"no roles", wrap(`<saml:Assertion/>`), "no AWS role"},
		{"two assertions", wrap(roleAssertion(adminRole+","+provider) + roleAssertion(adminRole+","+provider)), "more than one"},
		{"failure status", wrap(`<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Requester"/></samlp:Status>`), "did not sign you in"},
		{"newline in a role name", wrap(roleAssertion("arn:aws:iam::123456789012:role/Ad&#10;min," + provider)), `role/Ad\nmin`},
		{"control character", wrap(roleAssertion("arn:aws:iam::123456789012:role/Ad\x1bmin," + provider)), "well-formed"},
		{"escape as a character reference", wrap(roleAssertion("arn:aws:iam::123456789012:role/Ad&#x7f;min," + provider)), `\x7f`},
		{"one ARN", wrap(roleAssertion(adminRole)), "not a role ARN and a SAML provider ARN"},
		{"two roles", wrap(roleAssertion(adminRole + "," + readRole)), "not a role ARN"},
		{"space in the name", wrap(roleAssertion("arn:aws:iam::123456789012:role/Ad min," + provider)), "not a role ARN"},
		{"bad duration", wrap(`<saml:Assertion><saml:AttributeStatement><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration"><saml:AttributeValue>forever</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion>`), "SessionDuration"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.enc)
			if err == nil || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("got %v, want %q", err, c.says)
			}
			if strings.ContainsAny(err.Error(), "\n\r\x1b\x7f") {
				t.Errorf("error holds a control character: %q", err)
			}
		})
	}
}

func TestIsAWSSignin(t *testing.T) {
	for u, want := range map[string][2]bool{
		"https://signin.aws.amazon.com/saml":                       {true, true},
		"https://eu-west-1.signin.aws.amazon.com/saml":             {true, true},
		"https://signin.aws.amazon.com/saml/acs/SAMLSP4SHN3UIS2D8": {true, true},
		"https://signin.aws.amazon.com/static/saml":                {true, true},
		"https://signin.amazonaws-us-gov.com/saml":                 {true, true},
		"https://us-gov-west-1.signin.amazonaws-us-gov.com/saml":   {true, true},
		"https://signin.amazonaws.cn/saml":                         {true, true},
		"https://signin.aws.amazon.com/favicon.ico":                {true, false},
		"https://SIGNIN.AWS.AMAZON.COM/saml":                       {true, true},
		"https://signin.aws.amazon.com.evil.example/saml":          {false, false},
		"https://evilsignin.aws.amazon.com/saml":                   {false, false},
		"https://idp.example/saml":                                 {false, false},
	} {
		h, s := IsAWSSignin(u)
		if [2]bool{h, s} != want {
			t.Errorf("%s: %v %v, want %v", u, h, s, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(wrap(roleAssertion(adminRole + "," + provider)))
	f.Add(wrap(`<saml:EncryptedAssertion/>`))
	f.Fuzz(func(t *testing.T, enc string) {
		a, err := Parse(enc)
		if err != nil {
			return
		}
		for _, r := range a.Roles {
			if strings.ContainsAny(r.RoleARN+r.ProviderARN, " \t\r\n,\x00\x1b\x7f") {
				t.Fatalf("role %q passed", r)
			}
		}
	})
}
