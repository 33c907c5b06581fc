package ststest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

const callerIdentityBody = "Action=GetCallerIdentity&Version=2011-06-15"

type callerIdentityXML struct {
	XMLName xml.Name `xml:"GetCallerIdentityResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Arn     string `xml:"Arn"`
		UserID  string `xml:"UserId"`
		Account string `xml:"Account"`
	} `xml:"GetCallerIdentityResult"`
	RequestID string `xml:"ResponseMetadata>RequestId"`
}

type sessionTokenXML struct {
	Result struct {
		Credentials struct {
			AccessKeyID     string `xml:"AccessKeyId"`
			SecretAccessKey string `xml:"SecretAccessKey"`
			SessionToken    string `xml:"SessionToken"`
			Expiration      string `xml:"Expiration"`
		} `xml:"Credentials"`
	} `xml:"GetSessionTokenResult"`
}

// sessionCreds obtains GetSessionToken credentials for u over raw HTTP.
func sessionCreds(t *testing.T, s *Server, u *User, at time.Time) (aws.Credentials, time.Time) {
	t.Helper()
	var out sessionTokenXML
	expectOK(t, serve(s, stsCall(t, "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=900", userCreds(u), at)), &out)
	c := out.Result.Credentials
	exp, err := time.Parse(isoFormat, c.Expiration)
	if err != nil {
		t.Fatalf("Expiration %q: %v", c.Expiration, err)
	}
	return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}, exp
}

func TestSigV4Accepts(t *testing.T) {
	s, clk := newClockedServer()
	u := s.AddUser("alice", false)
	now := clk.Now()

	var out callerIdentityXML
	expectOK(t, serve(s, stsCall(t, callerIdentityBody, userCreds(u), now)), &out)
	if out.Result.Arn != u.ARN || out.Result.Account != DefaultAccountID || !strings.HasPrefix(out.Result.UserID, "AIDA") {
		t.Errorf("identity = %+v, want user %s", out.Result, u.ARN)
	}
	if out.Xmlns != stsNamespace || out.RequestID == "" {
		t.Errorf("namespace %q, request id %q", out.Xmlns, out.RequestID)
	}

	// GET with the parameters in the query string, another region, a
	// few minutes of skew, and an unsigned header added after signing.
	r := signed(t, http.MethodGet, "http://sts.test/?Version=2011-06-15&Action=GetCallerIdentity", "",
		userCreds(u), "sts", "eu-west-1", now.Add(-10*time.Minute))
	r.Header.Set("User-Agent", "added-after-signing")
	expectOK(t, serve(s, r), &out)

	// A signed x-amz-content-sha256 that matches the body.
	sum := sha256.Sum256([]byte(callerIdentityBody))
	r = signedWith(t, http.MethodPost, "http://sts.test/", callerIdentityBody,
		map[string]string{"X-Amz-Content-Sha256": hex.EncodeToString(sum[:])}, userCreds(u), "sts", "us-east-1", now)
	if !strings.Contains(r.Header.Get("Authorization"), "x-amz-content-sha256") {
		t.Fatal("x-amz-content-sha256 was not signed")
	}
	expectOK(t, serve(s, r), &out)

	// Session credentials with their token.
	sc, _ := sessionCreds(t, s, u, now)
	if !strings.HasPrefix(sc.AccessKeyID, "ASIA") || len(sc.AccessKeyID) != 20 || len(sc.SecretAccessKey) != 40 || len(sc.SessionToken) < 100 {
		t.Errorf("unexpected session credentials %+v", sc)
	}
	expectOK(t, serve(s, stsCall(t, callerIdentityBody, sc, now)), &out)
	if out.Result.Arn != u.ARN {
		t.Errorf("session identity %s, want %s", out.Result.Arn, u.ARN)
	}
}

func TestSigV4Rejects(t *testing.T) {
	s, clk := newClockedServer()
	u := s.AddUser("alice", false)
	now := clk.Now()
	sc, exp := sessionCreds(t, s, u, now)

	tests := []struct {
		name   string
		req    func() *http.Request
		status int
		code   string
		msg    string
	}{
		{"no authorization", func() *http.Request {
			r := stsCall(t, callerIdentityBody, userCreds(u), now)
			r.Header.Del("Authorization")
			return r
		}, 403, "MissingAuthenticationToken", ""},
		{"tampered body", func() *http.Request {
			r := stsCall(t, callerIdentityBody, userCreds(u), now)
			r.Body = io.NopCloser(strings.NewReader(callerIdentityBody + "&X=1"))
			return r
		}, 403, "SignatureDoesNotMatch", "does not match the signature you provided"},
		{"tampered query", func() *http.Request {
			r := signed(t, http.MethodGet, "http://sts.test/?Action=GetCallerIdentity&Version=2011-06-15", "", userCreds(u), "sts", "us-east-1", now)
			r.URL.RawQuery += "&Extra=1"
			return r
		}, 403, "SignatureDoesNotMatch", ""},
		{"tampered signed header", func() *http.Request {
			r := stsCall(t, callerIdentityBody, userCreds(u), now)
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, 403, "SignatureDoesNotMatch", ""},
		{"wrong secret", func() *http.Request {
			c := userCreds(u)
			c.SecretAccessKey = strings.Repeat("x", 40)
			return stsCall(t, callerIdentityBody, c, now)
		}, 403, "SignatureDoesNotMatch", ""},
		{"unknown key", func() *http.Request {
			c := userCreds(u)
			c.AccessKeyID = "AKIAUNKNOWNUNKNOWN00"
			return stsCall(t, callerIdentityBody, c, now)
		}, 403, "InvalidClientTokenId", "The security token included in the request is invalid."},
		{"token with a long-lived key", func() *http.Request {
			c := userCreds(u)
			c.SessionToken = sc.SessionToken
			return stsCall(t, callerIdentityBody, c, now)
		}, 403, "InvalidClientTokenId", ""},
		{"session key without token", func() *http.Request {
			c := sc
			c.SessionToken = ""
			return stsCall(t, callerIdentityBody, c, now)
		}, 403, "InvalidClientTokenId", ""},
		{"session key with a wrong token", func() *http.Request {
			c := sc
			c.SessionToken = sc.SessionToken[:len(sc.SessionToken)-4] + "AAAA"
			return stsCall(t, callerIdentityBody, c, now)
		}, 403, "InvalidClientTokenId", ""},
		{"signed 20 minutes ago", func() *http.Request {
			return stsCall(t, callerIdentityBody, userCreds(u), now.Add(-20*time.Minute))
		}, 403, "SignatureDoesNotMatch", "Signature expired"},
		{"signed 20 minutes ahead", func() *http.Request {
			return stsCall(t, callerIdentityBody, userCreds(u), now.Add(20*time.Minute))
		}, 403, "SignatureDoesNotMatch", "Signature not yet current"},
		{"scoped to another service", func() *http.Request {
			return signed(t, http.MethodPost, "http://sts.test/", callerIdentityBody, userCreds(u), "iam", "us-east-1", now)
		}, 403, "SignatureDoesNotMatch", "correct service: 'sts'"},
		{"content hash header not matching the body", func() *http.Request {
			sum := sha256.Sum256([]byte("something else"))
			return signedWith(t, http.MethodPost, "http://sts.test/", callerIdentityBody,
				map[string]string{"X-Amz-Content-Sha256": hex.EncodeToString(sum[:])}, userCreds(u), "sts", "us-east-1", now)
		}, 403, "SignatureDoesNotMatch", "x-amz-content-sha256"},
		{"missing signature", func() *http.Request {
			r := stsCall(t, callerIdentityBody, userCreds(u), now)
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:strings.Index(a, ", Signature=")])
			return r
		}, 400, "IncompleteSignature", "requires 'Signature'"},
		{"not sigv4", func() *http.Request {
			r := stsCall(t, callerIdentityBody, userCreds(u), now)
			r.Header.Set("Authorization", "Bearer abc")
			return r
		}, 400, "IncompleteSignature", ""},
		{"malformed credential", func() *http.Request {
			r := stsCall(t, callerIdentityBody, userCreds(u), now)
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", strings.Replace(a, "/sts/aws4_request", "/sts", 1))
			return r
		}, 400, "IncompleteSignature", "5 slash-delimited"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := expectError(t, serve(s, tt.req()), tt.status, tt.code)
			if !strings.Contains(e.Error.Message, tt.msg) {
				t.Errorf("message %q does not contain %q", e.Error.Message, tt.msg)
			}
			if e.Error.Type != "Sender" {
				t.Errorf("error type %q, want Sender", e.Error.Type)
			}
		})
	}

	// Once the session has expired: ExpiredToken, even with a fresh signature.
	clk.Set(exp)
	expectError(t, serve(s, stsCall(t, callerIdentityBody, sc, exp)), 403, "ExpiredToken")
	// The long-lived key still works.
	var out callerIdentityXML
	expectOK(t, serve(s, stsCall(t, callerIdentityBody, userCreds(u), exp)), &out)
}

func TestCanonicalQuery(t *testing.T) {
	got := canonicalQuery("b=2&a=x%20y&a-b=1&a=1&c=%2F+")
	want := "a=1&a=x%20y&a-b=1&b=2&c=%2F%20"
	if got != want {
		t.Errorf("canonicalQuery = %q, want %q", got, want)
	}
}
