package ststest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SigV4 constants, from the AWS Signature Version 4 specification.
const (
	sigV4Algorithm = "AWS4-HMAC-SHA256"
	sigV4Term      = "aws4_request"
	amzDateFormat  = "20060102T150405Z"
	maxClockSkew   = 15 * time.Minute
	sigV4Service   = "sts"
)

// sigV4Auth is a parsed SigV4 Authorization header.
type sigV4Auth struct {
	raw           string
	accessKeyID   string
	scopeDate     string
	region        string
	service       string
	signedHeaders []string
	signature     string
	amzDate       string    // request time in ISO 8601 basic format
	time          time.Time // request time
}

func (a *sigV4Auth) scope() string {
	return a.scopeDate + "/" + a.region + "/" + a.service + "/" + sigV4Term
}

// parseSigV4 parses and checks the form of the Authorization header and the
// request date. It does not look at credentials or the signature.
func parseSigV4(r *http.Request) (*sigV4Auth, *apiError) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, errMissingAuth()
	}
	alg, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if alg != sigV4Algorithm {
		return nil, errIncompleteSignature("Unsupported AWS 'algorithm': '" + alg + "'")
	}
	a := &sigV4Auth{raw: h}
	var cred, signed string
	var haveCred, haveSigned, haveSig bool
	for part := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "Credential":
			cred, haveCred = v, true
		case "SignedHeaders":
			signed, haveSigned = v, true
		case "Signature":
			a.signature, haveSig = v, true
		}
	}
	var missing []string
	if !haveCred {
		missing = append(missing, "Authorization header requires 'Credential' parameter.")
	}
	if !haveSig {
		missing = append(missing, "Authorization header requires 'Signature' parameter.")
	}
	if !haveSigned {
		missing = append(missing, "Authorization header requires 'SignedHeaders' parameter.")
	}
	dateHeader := r.Header.Get("X-Amz-Date")
	if dateHeader == "" && r.Header.Get("Date") == "" {
		missing = append(missing, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if len(missing) > 0 {
		return nil, errIncompleteSignature(strings.Join(missing, " ") + " Authorization=" + h)
	}

	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return nil, errIncompleteSignature("Credential must have exactly 5 slash-delimited elements, " +
			"e.g. keyid/date/region/service/term, got '" + cred + "'")
	}
	a.accessKeyID, a.scopeDate, a.region, a.service = parts[0], parts[1], parts[2], parts[3]
	if parts[4] != sigV4Term {
		return nil, errSignature("Credential should be scoped with a valid terminator: 'aws4_request', not '" + parts[4] + "'. ")
	}
	if a.service != sigV4Service && a.service != iamService {
		return nil, errSignature("Credential should be scoped to correct service: '" + sigV4Service + "'. ")
	}
	if a.region == "" {
		return nil, errSignature("Credential should be scoped to a valid region. ")
	}

	if dateHeader != "" {
		t, err := time.Parse(amzDateFormat, dateHeader)
		if err != nil {
			return nil, errIncompleteSignature("Date must be in ISO-8601 'basic format'. Got '" + dateHeader +
				"'. See http://en.wikipedia.org/wiki/ISO_8601")
		}
		a.time = t
	} else {
		t, err := http.ParseTime(r.Header.Get("Date"))
		if err != nil {
			return nil, errIncompleteSignature("Date must be in RFC 1123 format. Got '" + r.Header.Get("Date") + "'")
		}
		a.time = t.UTC()
	}
	a.amzDate = a.time.Format(amzDateFormat)
	if a.scopeDate != a.amzDate[:8] {
		return nil, errSignature("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
			a.scopeDate + "' != '" + a.amzDate[:8] + "', from '" + a.amzDate + "'.")
	}

	hasHost := false
	for name := range strings.SplitSeq(signed, ";") {
		if name == "" || name != strings.ToLower(name) {
			return nil, errIncompleteSignature("Invalid SignedHeaders '" + signed + "'")
		}
		hasHost = hasHost || name == "host"
		a.signedHeaders = append(a.signedHeaders, name)
	}
	if !hasHost {
		return nil, errIncompleteSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	return a, nil
}

// checkSkew refuses requests signed more than 15 minutes away from now.
func (a *sigV4Auth) checkSkew(now time.Time) *apiError {
	now = now.UTC()
	switch {
	case a.time.Before(now.Add(-maxClockSkew)):
		return errSignature("Signature expired: " + a.amzDate + " is now earlier than " +
			now.Add(-maxClockSkew).Format(amzDateFormat) + " (" + now.Format(amzDateFormat) + " - 15 min.)")
	case a.time.After(now.Add(maxClockSkew)):
		return errSignature("Signature not yet current: " + a.amzDate + " is still later than " +
			now.Add(maxClockSkew).Format(amzDateFormat) + " (" + now.Format(amzDateFormat) + " + 15 min.)")
	}
	return nil
}

// verify recomputes the signature of r (whose body is body) with secret and
// compares it, in constant time, with the one the client sent.
func (a *sigV4Auth) verify(r *http.Request, body []byte, secret string) *apiError {
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	if h := r.Header.Get("X-Amz-Content-Sha256"); isHexSHA256(h) && !strings.EqualFold(h, payloadHash) {
		return errSignature("The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	canonical := canonicalRequest(r, a.signedHeaders, payloadHash)
	crHash := sha256.Sum256([]byte(canonical))
	stringToSign := sigV4Algorithm + "\n" + a.amzDate + "\n" + a.scope() + "\n" + hex.EncodeToString(crHash[:])
	key := hmacSHA256([]byte("AWS4"+secret), a.scopeDate)
	key = hmacSHA256(key, a.region)
	key = hmacSHA256(key, a.service)
	key = hmacSHA256(key, sigV4Term)
	want := hex.EncodeToString(hmacSHA256(key, stringToSign))
	if !hmac.Equal([]byte(want), []byte(a.signature)) {
		return errSignature("The request signature we calculated does not match the signature you provided. " +
			"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	return nil
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// canonicalRequest builds the SigV4 canonical request of r.
func canonicalRequest(r *http.Request, signedHeaders []string, payloadHash string) string {
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(uriEncode(path, false))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.RawQuery))
	b.WriteByte('\n')
	for _, name := range signedHeaders {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(canonicalHeaderValue(r, name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

func canonicalHeaderValue(r *http.Request, name string) string {
	var values []string
	switch name {
	case "host":
		values = []string{r.Host}
	case "content-length":
		values = r.Header.Values("Content-Length")
		if len(values) == 0 && r.ContentLength >= 0 {
			values = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	default:
		values = r.Header.Values(name)
	}
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(out, ",")
}

// canonicalQuery sorts the query parameters and re-encodes them the SigV4 way.
func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	type pair struct{ k, v string }
	var pairs []pair
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		pairs = append(pairs, pair{uriEncode(k, true), uriEncode(v, true)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	out := make([]string, len(pairs))
	for i, p := range pairs {
		out[i] = p.k + "=" + p.v
	}
	return strings.Join(out, "&")
}

// uriEncode percent-encodes every byte except the RFC 3986 unreserved
// characters (and "/" unless encodeSlash).
func uriEncode(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		unreserved := (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			c == '-' || c == '.' || c == '_' || c == '~'
		if unreserved || (c == '/' && !encodeSlash) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0x0f])
	}
	return b.String()
}
