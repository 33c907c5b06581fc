package ststest

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// ListAccessKeys answers a user about its own key, signed for "iam" only,
// so that doctor in the sandbox learns a key's age from the stand-in.
func TestListAccessKeys(t *testing.T) {
	s, clk := newClockedServer()
	u := s.AddUser("alice", true)
	made := clk.Now()
	clk.Add(3 * 24 * time.Hour)
	iamCall := func(body, service string) *http.Request {
		return signed(t, http.MethodPost, "http://iam.test/", body, userCreds(u), service, "us-east-1", clk.Now())
	}
	var out struct {
		Keys []struct {
			UserName, AccessKeyId, Status string
			CreateDate                    time.Time
		} `xml:"ListAccessKeysResult>AccessKeyMetadata>member"`
	}
	expectOK(t, serve(s, iamCall("Action=ListAccessKeys&Version=2010-05-08", "iam")), &out)
	if len(out.Keys) != 1 || out.Keys[0].AccessKeyId != u.AccessKeyID || out.Keys[0].UserName != "alice" ||
		out.Keys[0].Status != "Active" || !out.Keys[0].CreateDate.Equal(made) {
		t.Fatalf("keys %+v, want alice's %s made at %s", out.Keys, u.AccessKeyID, made)
	}
	expectError(t, serve(s, iamCall("Action=ListAccessKeys&Version=2010-05-08&UserName=bob", "iam")), http.StatusForbidden, "AccessDenied")
	e := expectError(t, serve(s, iamCall("Action=ListAccessKeys&Version=2010-05-08", "sts")), http.StatusForbidden, "SignatureDoesNotMatch")
	if !strings.Contains(e.Error.Message, "'iam'") {
		t.Errorf("message %q does not name the service", e.Error.Message)
	}
	// An STS action is not IAM's, nor signed for iam.
	expectError(t, serve(s, iamCall("Action=GetCallerIdentity&Version=2010-05-08", "iam")), http.StatusBadRequest, "InvalidAction")
	expectError(t, serve(s, iamCall("Action=GetCallerIdentity&Version=2011-06-15", "iam")), http.StatusForbidden, "SignatureDoesNotMatch")
}
