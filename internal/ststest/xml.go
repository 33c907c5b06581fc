package ststest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// stsNamespace is the XML namespace of every STS response.
const stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// isoFormat is the timestamp format STS uses for Expiration.
const isoFormat = "2006-01-02T15:04:05Z"

// apiError is an STS error: an HTTP status, an error code and a message.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func newAPIError(status int, code, message string) *apiError {
	return &apiError{status: status, code: code, message: message}
}

func errAccessDenied(msg string) *apiError {
	return newAPIError(http.StatusForbidden, "AccessDenied", msg)
}

func errValidation(msg string) *apiError {
	return newAPIError(http.StatusBadRequest, "ValidationError", msg)
}

func errSignature(msg string) *apiError {
	return newAPIError(http.StatusForbidden, "SignatureDoesNotMatch", msg)
}

func errIncompleteSignature(msg string) *apiError {
	return newAPIError(http.StatusBadRequest, "IncompleteSignature", msg)
}

func errInvalidToken() *apiError {
	return newAPIError(http.StatusForbidden, "InvalidClientTokenId",
		"The security token included in the request is invalid.")
}

func errExpiredToken() *apiError {
	return newAPIError(http.StatusForbidden, "ExpiredToken",
		"The security token included in the request is expired")
}

func errMissingAuth() *apiError {
	return newAPIError(http.StatusForbidden, "MissingAuthenticationToken",
		"Request is missing Authentication Token")
}

// errNotAuthorized is the AccessDenied STS returns when the caller may not
// act on a resource.
func errNotAuthorized(callerARN, action, resource string) *apiError {
	return errAccessDenied("User: " + callerARN + " is not authorized to perform: " +
		action + " on resource: " + resource)
}

// errMFAFailed is returned for a wrong or already used one-time code.
func errMFAFailed() *apiError {
	return errAccessDenied("MultiFactorAuthentication failed with invalid MFA one time pass code. ")
}

// errMFADevice is returned when SerialNumber is not the caller's device.
func errMFADevice() *apiError {
	return errAccessDenied("MultiFactorAuthentication failed, unable to validate MFA code. " +
		"Please verify your MFA serial number is valid and associated with this user.")
}

// validator collects constraint violations the way STS reports them.
type validator struct{ msgs []string }

func (v *validator) add(value *string, field, constraint string) {
	shown := "null"
	switch {
	case value == nil:
	case field == "tokenCode" || field == "webIdentityToken": // STS does not echo secrets back
		shown = ""
	default:
		shown = "'" + *value + "'"
	}
	prefix := "Value " + shown
	if shown == "" {
		prefix = "Value"
	}
	v.msgs = append(v.msgs, prefix+" at '"+field+"' failed to satisfy constraint: "+constraint)
}

// str checks an optional string parameter (present reports whether it was sent).
func (v *validator) str(field, value string, present, required bool, minLen, maxLen int, pattern string, ok func(rune) bool) {
	if !present {
		if required {
			v.add(nil, field, "Member must not be null")
		}
		return
	}
	n := len([]rune(value))
	if n < minLen {
		v.add(&value, field, "Member must have length greater than or equal to "+strconv.Itoa(minLen))
	}
	if n > maxLen {
		v.add(&value, field, "Member must have length less than or equal to "+strconv.Itoa(maxLen))
	}
	if ok != nil {
		for _, c := range value {
			if !ok(c) {
				v.add(&value, field, "Member must satisfy regular expression pattern: "+pattern)
				break
			}
		}
	}
}

// issued checks what the actions that issue credentials for a policy share,
// after the action's own parameters: DurationSeconds within minDuration and
// maxS (def when absent), then, after more checks of the action's own
// (more, may be nil), an optional session Policy, the violations so far,
// and the policy document. It returns the duration.
func (v *validator) issued(p url.Values, maxS, def int, more func()) (int, *apiError) {
	dur, err := v.duration(p.Get("DurationSeconds"), p.Has("DurationSeconds"), minDuration, maxS, def)
	if err != nil {
		return 0, err
	}
	if more != nil {
		more()
	}
	v.str("policy", p.Get("Policy"), p.Has("Policy"), false, 1, maxPolicyLength, "", nil)
	if err := v.err(); err != nil {
		return 0, err
	}
	if err := checkPolicy(p); err != nil {
		return 0, err
	}
	return dur, nil
}

// duration checks an optional DurationSeconds parameter and returns its
// value, or def when absent. A non-integer value is returned as a separate
// MalformedInput error.
func (v *validator) duration(raw string, present bool, minS, maxS, def int) (int, *apiError) {
	if !present {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		return 0, newAPIError(http.StatusBadRequest, "MalformedInput",
			"Invalid value '"+raw+"' for parameter DurationSeconds: not an integer")
	}
	if n < minS {
		v.add(&raw, "durationSeconds", "Member must have value greater than or equal to "+strconv.Itoa(minS))
	}
	if n > maxS {
		v.add(&raw, "durationSeconds", "Member must have value less than or equal to "+strconv.Itoa(maxS))
	}
	return n, nil
}

func (v *validator) err() *apiError {
	switch len(v.msgs) {
	case 0:
		return nil
	case 1:
		return errValidation("1 validation error detected: " + v.msgs[0])
	}
	return errValidation(strconv.Itoa(len(v.msgs)) + " validation errors detected: " + strings.Join(v.msgs, "; "))
}

// isWordChar reports whether c matches \w.
func isWordChar(c rune) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// charset returns a predicate for \w plus the given extra characters.
func charset(extra string) func(rune) bool {
	return func(c rune) bool { return isWordChar(c) || strings.ContainsRune(extra, c) }
}

func isDigit(c rune) bool { return c >= '0' && c <= '9' }

type credentialsXML struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

// response is the envelope of a successful answer; Result must be a struct
// whose XMLName names the result element (e.g. GetSessionTokenResult).
type response struct {
	XMLName  xml.Name
	Xmlns    string           `xml:"xmlns,attr"`
	Result   any              `xml:"Result"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

type errorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

func writeXML(w http.ResponseWriter, now time.Time, reqID string, status int, v any) {
	var buf bytes.Buffer
	if err := xml.NewEncoder(&buf).Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString("<ErrorResponse xmlns=\"" + stsNamespace + "\"><Error><Type>Receiver</Type>" +
			"<Code>InternalFailure</Code><Message>internal error</Message></Error><RequestId>" +
			reqID + "</RequestId></ErrorResponse>")
	}
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("X-Amzn-Requestid", reqID)
	h.Set("Date", now.UTC().Format(http.TimeFormat))
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func writeResult(w http.ResponseWriter, now time.Time, reqID, action string, result any) {
	writeXML(w, now, reqID, http.StatusOK, &response{
		XMLName:  xml.Name{Local: action + "Response"},
		Xmlns:    stsNamespace,
		Result:   result,
		Metadata: responseMetadata{RequestID: reqID},
	})
}

func writeError(w http.ResponseWriter, now time.Time, reqID string, e *apiError) {
	var r errorResponse
	r.Xmlns = stsNamespace
	r.Error.Type = "Sender"
	if e.status >= 500 {
		r.Error.Type = "Receiver"
	}
	r.Error.Code = e.code
	r.Error.Message = e.message
	r.RequestID = reqID
	writeXML(w, now, reqID, e.status, &r)
}

// newRequestID returns a random (version 4) UUID.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
