package ststest

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// samlAction is the other action the server takes unsigned.
const samlAction = "AssumeRoleWithSAML"

// samlRedeemWithin is how soon after issue AWS takes an assertion.
const samlRedeemWithin = 5 * time.Minute

// awsSAMLRecipient matches the endpoints AWS takes assertions for: the
// global and regional sign-in hosts of each partition, at /saml,
// /saml/acs/IDP-ID and /static/saml.
var awsSAMLRecipient = regexp.MustCompile(`^https://([a-z0-9-]+\.)?signin\.(aws\.amazon\.com|amazonaws-us-gov\.com|amazonaws\.cn)/(saml|saml/acs/[A-Za-z0-9_-]+|static/saml)$`)

type assumeRoleWithSAMLResult struct {
	XMLName          xml.Name        `xml:"AssumeRoleWithSAMLResult"`
	Credentials      credentialsXML  `xml:"Credentials"`
	AssumedRoleUser  assumedRoleUser `xml:"AssumedRoleUser"`
	Subject          string          `xml:"Subject"`
	SubjectType      string          `xml:"SubjectType"`
	Issuer           string          `xml:"Issuer"`
	Audience         string          `xml:"Audience"`
	NameQualifier    string          `xml:"NameQualifier"`
	PackedPolicySize int             `xml:"PackedPolicySize,omitempty"`
}

func errInvalidSAML(msg string) *apiError {
	return newAPIError(http.StatusBadRequest, "InvalidIdentityToken", msg)
}

// verifiedAssertion is what AssumeRoleWithSAML reads from an assertion
// whose signature it checked.
type verifiedAssertion struct {
	subject, subjectType, issuer, recipient, sessionName string
	pairs                                                map[[2]string]bool // role, provider
	sessionEnd                                           time.Time
}

func (s *Server) assumeRoleWithSAML(_ context.Context, p url.Values, now time.Time) (any, *apiError) {
	var v validator
	roleARN, providerARN, assertion := p.Get("RoleArn"), p.Get("PrincipalArn"), p.Get("SAMLAssertion")
	v.str("roleArn", roleARN, p.Has("RoleArn"), true, 20, 2048, "", nil)
	v.str("principalArn", providerARN, p.Has("PrincipalArn"), true, 20, 2048, "", nil)
	v.str("sAMLAssertion", assertion, p.Has("SAMLAssertion"), true, 4, 100000, "", nil)
	dur, err := v.issued(p, maxRoleDuration, defaultRoleDuration, nil)
	if err != nil {
		return nil, err
	}
	if _, _, ok := parseRoleARN(roleARN); !ok {
		return nil, errValidation(roleARN + " is invalid")
	}
	st := &s.saml
	st.init()
	st.mu.Lock()
	trust, known := st.providers[providerARN]
	st.mu.Unlock()
	if !known {
		return nil, errInvalidSAML("Specified provider doesn't exist")
	}
	va, apiErr := st.verify(assertion, now)
	if apiErr != nil {
		return nil, apiErr
	}
	if !va.pairs[[2]string{roleARN, providerARN}] {
		return nil, newAPIError(http.StatusBadRequest, "IDPRejectedClaim",
			"The role "+roleARN+" and provider "+providerARN+" are not a pair of the assertion's "+samlRoleAttr+" attribute")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	role := s.roles[roleARN]
	if role == nil || !trust[roleARN] {
		return nil, errAccessDenied("Not authorized to perform sts:AssumeRoleWithSAML")
	}
	if time.Duration(dur)*time.Second > role.MaxSessionDuration {
		return nil, errValidation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	arn := "arn:aws:sts::" + role.account + ":assumed-role/" + role.name + "/" + va.sessionName
	id := role.uniqueID + ":" + va.sessionName
	nc := s.issue(&credential{kind: kindRole, arn: arn, userID: id, account: role.account}, now, dur)
	if !va.sessionEnd.IsZero() && va.sessionEnd.Before(nc.expires) {
		nc.expires = va.sessionEnd // SessionNotOnOrAfter ends the session early
	}
	return &assumeRoleWithSAMLResult{
		Credentials:     nc.xml(),
		AssumedRoleUser: assumedRoleUser{Arn: arn, AssumedRoleID: id},
		Subject:         va.subject, SubjectType: va.subjectType, Issuer: va.issuer,
		Audience: va.recipient, NameQualifier: base64.StdEncoding.EncodeToString([]byte(va.issuer + role.account + providerARN))[:28],
	}, nil
}

// verify checks an assertion as AWS does: the signature against the
// identity provider's certificate, audience, recipient and times; and
// reads its claims.
func (st *samlState) verify(b64 string, now time.Time) (*verifiedAssertion, *apiError) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errInvalidSAML("Invalid base64 SAML assertion")
	}
	doc := etree.NewDocument()
	doc.ReadSettings.Permissive = false
	if err := doc.ReadFromBytes(raw); err != nil || doc.Root() == nil {
		return nil, errInvalidSAML("Invalid SAML response: not XML")
	}
	root := doc.Root()
	if root.Tag != "Response" || root.NamespaceURI() != samlProtocolNS {
		return nil, errInvalidSAML("Invalid SAML response: no samlp:Response")
	}
	if sc := root.FindElement("./Status/StatusCode"); sc != nil && sc.SelectAttrValue("Value", "") != samlSuccess {
		return nil, newAPIError(http.StatusBadRequest, "IDPRejectedClaim", "The identity provider did not report success")
	}
	var assertion *etree.Element
	for _, c := range root.ChildElements() {
		if c.Tag == "Assertion" && c.NamespaceURI() == samlAssertionNS {
			if assertion != nil {
				return nil, errInvalidSAML("Invalid SAML response: more than one assertion")
			}
			assertion = c
		}
	}
	if assertion == nil {
		return nil, errInvalidSAML("Invalid SAML response: no assertion")
	}
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{st.cert}})
	signed, err := vc.Validate(assertion)
	if err != nil {
		return nil, errInvalidSAML("Response signature invalid")
	}
	// From here on only what the signature covers is read.
	parse := func(name string) time.Time {
		t, _ := time.Parse(time.RFC3339Nano, name)
		return t
	}
	issued := parse(signed.SelectAttrValue("IssueInstant", ""))
	if issued.IsZero() {
		return nil, errInvalidSAML("Invalid SAML assertion: no IssueInstant")
	}
	if now.Sub(issued) > samlRedeemWithin {
		return nil, newAPIError(http.StatusBadRequest, "ExpiredTokenException", "Token must be redeemed within 5 minutes of issuance")
	}
	cond := signed.FindElement("./Conditions")
	if cond == nil {
		return nil, errInvalidSAML("Invalid SAML assertion: no Conditions")
	}
	if nb := parse(cond.SelectAttrValue("NotBefore", "")); !nb.IsZero() && now.Before(nb.Add(-time.Minute)) {
		return nil, errInvalidSAML("Assertion is not yet valid (NotBefore)")
	}
	if na := parse(cond.SelectAttrValue("NotOnOrAfter", "")); !na.IsZero() && !now.Before(na) {
		return nil, newAPIError(http.StatusBadRequest, "ExpiredTokenException", "Assertion is expired (Conditions NotOnOrAfter)")
	}
	audOK := false
	for _, a := range cond.FindElements("./AudienceRestriction/Audience") {
		audOK = audOK || strings.TrimSpace(a.Text()) == SAMLAudience
	}
	if !audOK {
		return nil, errInvalidSAML("Invalid audience: the assertion is not for " + SAMLAudience)
	}
	va := &verifiedAssertion{pairs: map[[2]string]bool{}}
	if iss := signed.FindElement("./Issuer"); iss != nil {
		va.issuer = strings.TrimSpace(iss.Text())
	}
	nameID := signed.FindElement("./Subject/NameID")
	if nameID == nil {
		return nil, errInvalidSAML("Invalid SAML assertion: no Subject NameID")
	}
	va.subject = strings.TrimSpace(nameID.Text())
	va.subjectType = strings.TrimPrefix(nameID.SelectAttrValue("Format", "transient"), "urn:oasis:names:tc:SAML:2.0:nameid-format:")
	bearer := false
	for _, c := range signed.FindElements("./Subject/SubjectConfirmation") {
		if c.SelectAttrValue("Method", "") != samlBearer {
			continue
		}
		d := c.FindElement("./SubjectConfirmationData")
		if d == nil {
			continue
		}
		if na := parse(d.SelectAttrValue("NotOnOrAfter", "")); na.IsZero() || !now.Before(na) {
			return nil, newAPIError(http.StatusBadRequest, "ExpiredTokenException", "Assertion is expired (SubjectConfirmationData NotOnOrAfter)")
		}
		va.recipient = d.SelectAttrValue("Recipient", "")
		if !awsSAMLRecipient.MatchString(va.recipient) {
			return nil, errInvalidSAML("Invalid recipient " + strconv.Quote(va.recipient) + ": not an AWS SAML endpoint")
		}
		bearer = true
	}
	if !bearer {
		return nil, errInvalidSAML("Invalid SAML assertion: no bearer SubjectConfirmation")
	}
	if authn := signed.FindElement("./AuthnStatement"); authn != nil {
		va.sessionEnd = parse(authn.SelectAttrValue("SessionNotOnOrAfter", ""))
	}
	for _, at := range signed.FindElements("./AttributeStatement/Attribute") {
		values := at.FindElements("./AttributeValue")
		switch at.SelectAttrValue("Name", "") {
		case samlRoleAttr:
			for _, v := range values {
				a, b, ok := strings.Cut(strings.TrimSpace(v.Text()), ",")
				if !ok {
					continue
				}
				a, b = strings.TrimSpace(a), strings.TrimSpace(b)
				if strings.Contains(a, ":saml-provider/") {
					a, b = b, a
				}
				va.pairs[[2]string{a, b}] = true
			}
		case samlSessionAttr:
			if len(values) == 1 {
				va.sessionName = strings.TrimSpace(values[0].Text())
			}
		}
	}
	if len(va.pairs) == 0 {
		return nil, newAPIError(http.StatusBadRequest, "IDPRejectedClaim", "The assertion has no "+samlRoleAttr+" attribute")
	}
	n := len(va.sessionName)
	if n < 2 || n > 64 || strings.IndexFunc(va.sessionName, func(c rune) bool { return !charset(sessionNameExtras)(c) }) >= 0 {
		return nil, errInvalidSAML("RoleSessionName attribute is missing or invalid: it must be 2-64 of [\\w+=,.@-]")
	}
	return va, nil
}
