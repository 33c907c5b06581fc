package ststest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"html/template"
	"io"
	"math/big"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// SAML's names, as an identity provider writes them for AWS.
const (
	samlProtocolNS   = "urn:oasis:names:tc:SAML:2.0:protocol"
	samlAssertionNS  = "urn:oasis:names:tc:SAML:2.0:assertion"
	samlSuccess      = "urn:oasis:names:tc:SAML:2.0:status:Success"
	samlBearer       = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
	samlPersistent   = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
	samlPassword     = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
	samlRoleAttr     = "https://aws.amazon.com/SAML/Attributes/Role"
	samlSessionAttr  = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
	samlDurationAttr = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
	// SAMLAudience is the audience AWS requires of an assertion.
	SAMLAudience = "urn:amazon:webservices"
	// SAMLRecipient is AWS's SAML sign-in endpoint, the default ACS URL.
	SAMLRecipient = "https://signin.aws.amazon.com/saml"
	// SAMLIdPPath is where the stand-in identity provider serves its
	// IdP-initiated sign-in page (saml_url).
	SAMLIdPPath = "/saml-idp/sso"
	// samlIssuer is the identity provider's entity id.
	samlIssuer = "https://idp.example.test/saml"
)

// SAMLFault makes the identity provider issue a bad assertion.
type SAMLFault int

// The faults.
const (
	SAMLGood          SAMLFault = iota
	SAMLExpired                 // issued 10 minutes ago, NotOnOrAfter 5 minutes ago
	SAMLTampered                // a role changed after signing
	SAMLWrongAudience           // Audience is not urn:amazon:webservices
	SAMLWrongKey                // signed with a key the provider's certificate does not hold
	SAMLNoPost                  // the page waits for a person who never signs in
	SAMLPopup                   // the page posts the assertion from a new window
)

// SAMLRole is a role and the identity provider entity (IAM SAML provider)
// it is assumed through, as the assertion's Role attribute pairs them.
type SAMLRole struct {
	RoleARN, ProviderARN string
	// Value, when set, is the attribute value as written instead of
	// "ROLE,PROVIDER" (a hostile or odd assertion).
	Value string
}

// SAMLIdP is how the stand-in identity provider answers its sign-in page:
// a person already signed in, whose assertion the page posts at once.
type SAMLIdP struct {
	Roles           []SAMLRole
	Subject         string // NameID; default alice@example.com
	SessionName     string // the RoleSessionName attribute; default Subject
	SessionDuration int    // the SessionDuration attribute in seconds; 0 leaves it out
	// Recipient is the ACS URL the form posts to and the assertion names;
	// default SAMLRecipient.
	Recipient string
	// ProviderFirst writes the Role attribute as "PROVIDER,ROLE".
	ProviderFirst bool
	// Lifetime is NotOnOrAfter after issue; default 5 minutes.
	Lifetime time.Duration
	// SessionNotOnOrAfter, when set, ends the AWS session that early.
	SessionNotOnOrAfter time.Duration
	Fault               SAMLFault
}

// samlState is the stand-in's SAML side: one identity provider key and
// certificate, the IAM SAML providers that hold its certificate and the
// roles that trust each.
type samlState struct {
	once      sync.Once
	key       *rsa.PrivateKey
	cert      *x509.Certificate
	wrongKey  *rsa.PrivateKey
	mu        sync.Mutex
	idp       SAMLIdP
	providers map[string]map[string]bool // provider ARN -> roles that trust it
	pages     int
}

// samlKeys is the identity provider's key and certificate, and a key it
// does not hold, made once per process: RSA keys are slow to make.
var samlKeys = sync.OnceValue(func() (k struct {
	key, wrongKey *rsa.PrivateKey
	cert          *x509.Certificate
}) {
	var err error
	if k.key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	if k.wrongKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "idp.example.test"},
		NotBefore: time.Now().Add(-24 * time.Hour), NotAfter: time.Now().Add(10 * 365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.key.PublicKey, k.key)
	if err != nil {
		panic(err)
	}
	if k.cert, err = x509.ParseCertificate(der); err != nil {
		panic(err)
	}
	return k
})

func (st *samlState) init() {
	st.once.Do(func() {
		k := samlKeys()
		st.key, st.wrongKey, st.cert = k.key, k.wrongKey, k.cert
		st.providers = map[string]map[string]bool{}
	})
}

// AddSAMLProvider registers an IAM SAML provider (ARN
// arn:aws:iam::ACCOUNT:saml-provider/NAME) that holds the stand-in identity
// provider's certificate, trusted by the given roles (register them with
// AddRole too).
func (s *Server) AddSAMLProvider(providerARN string, roleARNs ...string) {
	st := &s.saml
	st.init()
	st.mu.Lock()
	defer st.mu.Unlock()
	trust := st.providers[providerARN]
	if trust == nil {
		trust = map[string]bool{}
		st.providers[providerARN] = trust
	}
	for _, r := range roleARNs {
		trust[r] = true
	}
}

// SetSAMLIdP sets how the identity provider's sign-in page answers.
func (s *Server) SetSAMLIdP(idp SAMLIdP) {
	s.saml.init()
	s.saml.mu.Lock()
	s.saml.idp = idp
	s.saml.mu.Unlock()
}

// SAMLIdPCertificate is the identity provider's signing certificate.
func (s *Server) SAMLIdPCertificate() *x509.Certificate {
	s.saml.init()
	return s.saml.cert
}

// SAMLPages is how often the identity provider's sign-in page was served.
func (s *Server) SAMLPages() int {
	s.saml.mu.Lock()
	defer s.saml.mu.Unlock()
	return s.saml.pages
}

// SAMLResponse is a base64 SAMLResponse as the identity provider would post
// it now, with its settings.
func (s *Server) SAMLResponse() (string, error) {
	s.saml.init()
	s.saml.mu.Lock()
	idp := s.saml.idp
	s.saml.mu.Unlock()
	return s.saml.response(idp, s.now())
}

var samlPage = template.Must(template.New("saml").Parse(`<!DOCTYPE html>
<html><head><title>Signing in to AWS</title></head>
<body onload="document.forms[0].submit()">
<form method="post" action="{{.Recipient}}"{{if .Popup}} target="_blank"{{end}}>
<input type="hidden" name="SAMLResponse" value="{{.Response}}">
<input type="hidden" name="RelayState" value="">
<noscript><button type="submit">Continue</button></noscript>
</form>
</body></html>
`))

// serveSAMLIdP serves the identity provider's sign-in page; false means
// the request is for another path.
func (s *Server) serveSAMLIdP(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path != SAMLIdPPath {
		return false
	}
	s.count("saml-idp")
	st := &s.saml
	st.init()
	st.mu.Lock()
	st.pages++
	idp := st.idp
	st.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if idp.Fault == SAMLNoPost {
		_, _ = io.WriteString(w, "<!DOCTYPE html><html><body><form><input name=password type=password></form></body></html>\n")
		return true
	}
	resp, err := st.response(idp, s.now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return true
	}
	w.Header().Set("Cache-Control", "no-store")
	_ = samlPage.Execute(w, struct {
		Recipient, Response string
		Popup               bool
	}{recipientOf(idp), resp, idp.Fault == SAMLPopup})
	return true
}

func recipientOf(idp SAMLIdP) string {
	if idp.Recipient != "" {
		return idp.Recipient
	}
	return SAMLRecipient
}

// response builds, signs and encodes a Response with one Assertion.
func (st *samlState) response(idp SAMLIdP, now time.Time) (string, error) {
	now = now.UTC()
	issued := now
	life := idp.Lifetime
	if life == 0 {
		life = 5 * time.Minute
	}
	if idp.Fault == SAMLExpired {
		issued, life = now.Add(-10*time.Minute), 5*time.Minute
	}
	subject := idp.Subject
	if subject == "" {
		subject = "alice@example.com"
	}
	sessName := idp.SessionName
	if sessName == "" {
		sessName = subject
	}
	audience := SAMLAudience
	if idp.Fault == SAMLWrongAudience {
		audience = "https://console.example.test/"
	}
	recipient := recipientOf(idp)
	ts := func(t time.Time) string { return t.Format("2006-01-02T15:04:05.000Z") }

	doc := etree.NewDocument()
	resp := doc.CreateElement("samlp:Response")
	resp.CreateAttr("xmlns:samlp", samlProtocolNS)
	resp.CreateAttr("xmlns:saml", samlAssertionNS)
	resp.CreateAttr("ID", "_r"+randomString(upperAlnum, 24))
	resp.CreateAttr("Version", "2.0")
	resp.CreateAttr("IssueInstant", ts(issued))
	resp.CreateAttr("Destination", recipient)
	resp.CreateElement("saml:Issuer").SetText(samlIssuer)
	resp.CreateElement("samlp:Status").CreateElement("samlp:StatusCode").CreateAttr("Value", samlSuccess)

	a := etree.NewElement("saml:Assertion")
	a.CreateAttr("xmlns:saml", samlAssertionNS)
	a.CreateAttr("ID", "_a"+randomString(upperAlnum, 24))
	a.CreateAttr("Version", "2.0")
	a.CreateAttr("IssueInstant", ts(issued))
	a.CreateElement("saml:Issuer").SetText(samlIssuer)
	subj := a.CreateElement("saml:Subject")
	nameID := subj.CreateElement("saml:NameID")
	nameID.CreateAttr("Format", samlPersistent)
	nameID.SetText(subject)
	conf := subj.CreateElement("saml:SubjectConfirmation")
	conf.CreateAttr("Method", samlBearer)
	data := conf.CreateElement("saml:SubjectConfirmationData")
	data.CreateAttr("NotOnOrAfter", ts(issued.Add(life)))
	data.CreateAttr("Recipient", recipient)
	cond := a.CreateElement("saml:Conditions")
	cond.CreateAttr("NotBefore", ts(issued.Add(-time.Minute)))
	cond.CreateAttr("NotOnOrAfter", ts(issued.Add(life)))
	cond.CreateElement("saml:AudienceRestriction").CreateElement("saml:Audience").SetText(audience)
	authn := a.CreateElement("saml:AuthnStatement")
	authn.CreateAttr("AuthnInstant", ts(issued))
	authn.CreateAttr("SessionIndex", "_s"+randomString(upperAlnum, 16))
	if idp.SessionNotOnOrAfter > 0 {
		authn.CreateAttr("SessionNotOnOrAfter", ts(issued.Add(idp.SessionNotOnOrAfter)))
	}
	authn.CreateElement("saml:AuthnContext").CreateElement("saml:AuthnContextClassRef").SetText(samlPassword)
	attrs := a.CreateElement("saml:AttributeStatement")
	attr := func(name string, values ...string) {
		at := attrs.CreateElement("saml:Attribute")
		at.CreateAttr("Name", name)
		for _, v := range values {
			at.CreateElement("saml:AttributeValue").SetText(v)
		}
	}
	var roles []string
	for _, r := range idp.Roles {
		v := r.Value
		switch {
		case v != "":
		case idp.ProviderFirst:
			v = r.ProviderARN + "," + r.RoleARN
		default:
			v = r.RoleARN + "," + r.ProviderARN
		}
		roles = append(roles, v)
	}
	attr(samlRoleAttr, roles...)
	attr(samlSessionAttr, sessName)
	if idp.SessionDuration > 0 {
		attr(samlDurationAttr, strconv.Itoa(idp.SessionDuration))
	}

	key := st.key
	if idp.Fault == SAMLWrongKey {
		key = st.wrongKey
	}
	ctx := dsig.NewDefaultSigningContext(dsig.TLSCertKeyStore(tls.Certificate{Certificate: [][]byte{st.cert.Raw}, PrivateKey: key}))
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		return "", err
	}
	sig, err := ctx.ConstructSignature(a, true)
	if err != nil {
		return "", err
	}
	// SAML wants the signature right after the Issuer; the enveloped
	// transform leaves it out wherever it stands.
	a.InsertChildAt(1, sig)
	signed := a
	if idp.Fault == SAMLTampered {
		// Someone else's name in a signed assertion.
		nameID.SetText("mallory@example.com")
	}
	resp.AddChild(signed)
	out, err := doc.WriteToBytes()
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(out), nil
}
