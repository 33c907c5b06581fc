// Package saml takes a SAML assertion for AWS from the person's own
// browser and reads what awsenv needs from it: the roles it offers, the
// session name and how long it may be used.
//
// The assertion is input from the network: it is parsed strictly, with
// limits on size and depth, and only the AWS attributes are read. Its
// signature is AWS's to check (AssumeRoleWithSAML); awsenv never trusts
// what it reads here for more than choosing a role. The assertion itself
// is a bearer credential for five minutes: it is never written to disk,
// argv or stderr, and is kept only for the call.
//
// The browser is driven over the DevTools protocol by a program of its
// own, awsenv-saml-browser (package saml/browser), which GetAssertion runs
// and reads the assertion from through a pipe: awsenv, which runs in every
// shell prompt, does not link the protocol's packages.
package saml

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The names an assertion for AWS uses.
const (
	assertionNS  = "urn:oasis:names:tc:SAML:2.0:assertion"
	protocolNS   = "urn:oasis:names:tc:SAML:2.0:protocol"
	successCode  = "urn:oasis:names:tc:SAML:2.0:status:Success"
	roleAttr     = "https://aws.amazon.com/SAML/Attributes/Role"
	sessionAttr  = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
	durationAttr = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
)

// Limits on what is parsed. STS takes assertions of up to 100000
// characters (base64); real ones are a few kilobytes deep in a dozen levels.
const (
	MaxEncoded   = 100000
	maxDepth     = 32
	maxTokens    = 20000
	maxRoles     = 1000
	maxValueSize = 4096
)

// Role is a role of the assertion and the IAM SAML provider it is assumed
// through.
type Role struct {
	RoleARN, ProviderARN string
}

// Name is the role's name, the last part of its ARN.
func (r Role) Name() string { return r.RoleARN[strings.LastIndexByte(r.RoleARN, '/')+1:] }

// AccountID is the role's account.
func (r Role) AccountID() string {
	parts := strings.SplitN(r.RoleARN, ":", 6)
	if len(parts) < 5 {
		return ""
	}
	return parts[4]
}

// Assertion is what awsenv reads from a SAMLResponse.
type Assertion struct {
	// Encoded is the SAMLResponse as the browser posted it (base64): the
	// bearer credential that AssumeRoleWithSAML takes.
	Encoded string
	Roles   []Role
	// SessionName is the RoleSessionName attribute ("" if absent).
	SessionName string
	// SessionDuration is the SessionDuration attribute: the console
	// session's length, 0 if absent.
	SessionDuration time.Duration
	// NotOnOrAfter is when the assertion stops being accepted (the
	// earliest of its conditions); zero if it does not say.
	NotOnOrAfter time.Time
	// SessionNotOnOrAfter ends the AWS session early; zero if absent.
	SessionNotOnOrAfter time.Time
	// Encrypted says the assertion is encrypted for AWS: its roles cannot be
	// read here, so role_arn and saml_provider_arn must name them.
	Encrypted bool
}

// String never shows the assertion.
func (a *Assertion) String() string { return fmt.Sprintf("SAML assertion with %d roles", len(a.Roles)) }

// GoString never shows the assertion.
func (a *Assertion) GoString() string { return a.String() }

// The patterns are compiled on first use: awsenv starts in every shell
// prompt, and most runs never see an assertion.
var (
	// roleARN is IAM's rule for a role ARN: a partition, a 12-digit
	// account, an optional path and a name of [\w+=,.@-]{1,64}.
	roleARN = lazyRegexp(`^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/([A-Za-z0-9_+=,.@-]+/)*[A-Za-z0-9_+=,.@-]{1,64}$`)
	// providerARN is IAM's rule for a SAML provider ARN.
	providerARN = lazyRegexp(`^arn:aws(-[a-z]+)*:iam::[0-9]{12}:saml-provider/[A-Za-z0-9_.-]{1,128}$`)
)

func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// ParseRoleValue reads a Role attribute value: a role ARN and a SAML
// provider ARN separated by a comma, in either order.
func ParseRoleValue(v string) (Role, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(v), ",")
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if ok && strings.Contains(a, ":saml-provider/") {
		a, b = b, a
	}
	if !ok || !roleARN().MatchString(a) || !providerARN().MatchString(b) || strings.Contains(b, ",") {
		return Role{}, fmt.Errorf("the assertion's role %s is not a role ARN and a SAML provider ARN (IAM's characters only)", clip(v))
	}
	return Role{RoleARN: a, ProviderARN: b}, nil
}

// clip quotes a value from the network for a message: escaped, and
// shortened.
func clip(v string) string {
	if len(v) > 120 {
		v = v[:120] + "..."
	}
	return strconv.Quote(v)
}

// Parse decodes a SAMLResponse (base64, as the browser posts it) and reads
// its AWS attributes. It refuses anything that is not a well-formed SAML
// response within the limits, a DOCTYPE, an identity provider's failure
// status, and a Role value that is not two ARNs.
func Parse(encoded string) (*Assertion, error) {
	encoded = strings.TrimSpace(encoded)
	if len(encoded) > MaxEncoded {
		return nil, fmt.Errorf("the SAML response is larger than the %d characters AWS takes", MaxEncoded)
	}
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return nil, errors.New("the SAML response is not base64")
	}
	a := &Assertion{Encoded: encoded}
	if err := a.read(raw); err != nil {
		return nil, err
	}
	return a, nil
}

// read walks the XML once, keeping a stack of the elements it is in.
func (a *Assertion) read(raw []byte) error {
	d := xml.NewDecoder(bytes.NewReader(raw))
	d.Strict = true
	var stack []xml.Name
	var attrName string   // the Name of the Attribute being read
	var text bytes.Buffer // of the AttributeValue being read
	inValue := false
	sawResponse, sawAssertion := false, false
	var sessionNames []string
	notOnOrAfter := func(t time.Time) {
		if !t.IsZero() && (a.NotOnOrAfter.IsZero() || t.Before(a.NotOnOrAfter)) {
			a.NotOnOrAfter = t
		}
	}
	for n := 0; ; n++ {
		if n > maxTokens {
			return errors.New("the SAML response is too large to be an assertion for AWS")
		}
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("the SAML response is not well-formed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return errors.New("the SAML response has a DOCTYPE or other directive, which no identity provider sends")
		case xml.ProcInst:
			if t.Target != "xml" || len(stack) > 0 {
				return errors.New("the SAML response has a processing instruction")
			}
		case xml.StartElement:
			if len(stack) == maxDepth {
				return errors.New("the SAML response is nested too deep")
			}
			if len(stack) == 0 {
				if t.Name.Space != protocolNS || t.Name.Local != "Response" {
					return errors.New("the SAML response is not a samlp:Response")
				}
				sawResponse = true
			}
			parent := xml.Name{}
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			stack = append(stack, t.Name)
			get := func(name string) string {
				for _, at := range t.Attr {
					if at.Name.Space == "" && at.Name.Local == name {
						return at.Value
					}
				}
				return ""
			}
			switch {
			case t.Name.Space == protocolNS && t.Name.Local == "StatusCode" && parent.Local == "Status" && len(stack) == 3:
				if v := get("Value"); v != successCode {
					return fmt.Errorf("the identity provider did not sign you in (status %s)", clip(strings.TrimPrefix(v, "urn:oasis:names:tc:SAML:2.0:status:")))
				}
			case t.Name.Space == assertionNS && t.Name.Local == "EncryptedAssertion" && len(stack) == 2:
				a.Encrypted = true
			case t.Name.Space == assertionNS && t.Name.Local == "Assertion" && len(stack) == 2:
				if sawAssertion {
					return errors.New("the SAML response holds more than one assertion")
				}
				sawAssertion = true
			case t.Name.Space != assertionNS:
			case t.Name.Local == "Conditions" || t.Name.Local == "SubjectConfirmationData":
				tm, err := samlTime(get("NotOnOrAfter"))
				if err != nil {
					return err
				}
				notOnOrAfter(tm)
			case t.Name.Local == "AuthnStatement":
				tm, err := samlTime(get("SessionNotOnOrAfter"))
				if err != nil {
					return err
				}
				a.SessionNotOnOrAfter = tm
			case t.Name.Local == "Attribute" && parent.Local == "AttributeStatement":
				attrName = get("Name")
			case t.Name.Local == "AttributeValue" && parent.Local == "Attribute":
				inValue = true
				text.Reset()
			}
		case xml.CharData:
			if inValue {
				if text.Len()+len(t) > maxValueSize {
					return errors.New("an attribute of the SAML response is too long")
				}
				text.Write(t)
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			if t.Name.Space != assertionNS {
				break
			}
			switch t.Name.Local {
			case "AttributeValue":
				if !inValue {
					break
				}
				inValue = false
				v := text.String()
				switch attrName {
				case roleAttr:
					if len(a.Roles) == maxRoles {
						return fmt.Errorf("the SAML response offers more than %d roles", maxRoles)
					}
					r, err := ParseRoleValue(v)
					if err != nil {
						return err
					}
					a.Roles = append(a.Roles, r)
				case sessionAttr:
					sessionNames = append(sessionNames, strings.TrimSpace(v))
				case durationAttr:
					s, err := strconv.Atoi(strings.TrimSpace(v))
					if err != nil || s <= 0 || s > 43200 {
						return fmt.Errorf("the SAML response's SessionDuration %s is not a number of seconds up to 43200", clip(v))
					}
					a.SessionDuration = time.Duration(s) * time.Second
				}
			case "Attribute":
				attrName = ""
			}
		}
	}
	switch {
	case !sawResponse:
		return errors.New("the SAML response is empty")
	case !sawAssertion && !a.Encrypted:
		return errors.New("the SAML response holds no assertion")
	case len(sessionNames) > 1:
		return errors.New("the SAML response has more than one RoleSessionName")
	case len(sessionNames) == 1:
		a.SessionName = sessionNames[0]
	}
	if !a.Encrypted && len(a.Roles) == 0 {
		return errors.New("the SAML response offers no AWS role (attribute " + roleAttr + "): ask your identity provider's administrator to grant one")
	}
	// One role offered twice is one role.
	seen := map[Role]bool{}
	roles := a.Roles[:0]
	for _, r := range a.Roles {
		if !seen[r] {
			seen[r] = true
			roles = append(roles, r)
		}
	}
	a.Roles = roles
	return nil
}

func samlTime(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("the SAML response has a time %s that is not xs:dateTime", clip(v))
	}
	return t, nil
}

// Find returns the role of the assertion that roleARN names (and, when
// given, through providerARN).
func (a *Assertion) Find(roleARN, providerARN string) (Role, bool) {
	for _, r := range a.Roles {
		if r.RoleARN == roleARN && (providerARN == "" || r.ProviderARN == providerARN) {
			return r, true
		}
	}
	return Role{}, false
}
