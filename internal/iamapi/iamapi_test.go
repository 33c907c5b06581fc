package iamapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

var testCreds = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: "AKIAEXAMPLEEXAMPLE00", SecretAccessKey: "secretsecretsecretsecret"}, nil
})

func TestResolveEndpoint(t *testing.T) {
	for _, tc := range []struct {
		partition string
		env       map[string]string
		want      Endpoint
		err       string
	}{
		{partition: "", want: Endpoint{URL: "https://iam.amazonaws.com", Region: "us-east-1"}},
		{partition: "aws", want: Endpoint{URL: "https://iam.amazonaws.com", Region: "us-east-1"}},
		{partition: "aws-us-gov", want: Endpoint{URL: "https://iam.us-gov.amazonaws.com", Region: "us-gov-west-1"}},
		{partition: "aws-cn", want: Endpoint{URL: "https://iam.cn-north-1.amazonaws.com.cn", Region: "cn-north-1"}},
		{partition: "aws", env: map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:5000"},
			want: Endpoint{URL: "http://127.0.0.1:5000", Region: "us-east-1", From: "AWS_ENDPOINT_URL"}},
		{partition: "aws", env: map[string]string{"AWS_ENDPOINT_URL": "https://a", "AWS_ENDPOINT_URL_IAM": "https://iam.local"},
			want: Endpoint{URL: "https://iam.local", Region: "us-east-1", From: "AWS_ENDPOINT_URL_IAM"}},
		{partition: "aws-cn", env: map[string]string{"AWS_ENDPOINT_URL_IAM": "https://iam.local"},
			want: Endpoint{URL: "https://iam.local", Region: "cn-north-1", From: "AWS_ENDPOINT_URL_IAM"}},
		// Plain http to another computer only for a user who says so.
		{partition: "aws", env: map[string]string{"AWS_ENDPOINT_URL_IAM": "http://iam.local"},
			err: `AWS_ENDPOINT_URL_IAM="http://iam.local" is plain http to iam.local, another computer: what awsenv sends there (signatures, MFA codes, tokens, credentials) would cross the network unencrypted; use https, or set AWSENV_ALLOW_HTTP=1 if you mean it`},
		{partition: "aws", env: map[string]string{"AWS_ENDPOINT_URL_IAM": "http://iam.local", "AWSENV_ALLOW_HTTP": "1"},
			want: Endpoint{URL: "http://iam.local", Region: "us-east-1", From: "AWS_ENDPOINT_URL_IAM"}},
		{partition: "aws", env: map[string]string{"AWS_ENDPOINT_URL_IAM": "iam.local"}, err: `AWS_ENDPOINT_URL_IAM="iam.local" is not an http(s) URL: fix or unset it`},
		{partition: "aws-eusc", err: `awsenv knows no IAM endpoint for the partition "aws-eusc": set AWS_ENDPOINT_URL_IAM`},
	} {
		got, err := ResolveEndpoint(tc.partition, func(k string) string { return tc.env[k] })
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s %v: error %v, want %q", tc.partition, tc.env, err, tc.err)
			}
			continue
		}
		if tc.want.Service == "" {
			tc.want.Service = "iam"
		}
		if err != nil || got.Service != tc.want.Service || got.URL != tc.want.URL || got.Region != tc.want.Region || got.From != tc.want.From {
			t.Errorf("%s %v = %+v, %v; want %+v", tc.partition, tc.env, got, err, tc.want)
		}
	}
}

// fake is an IAM stand-in that answers every call with status and body.
func fake(t *testing.T, handler func(w http.ResponseWriter, form url.Values)) (*Client, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		if !strings.Contains(r.Header.Get("Authorization"), "/us-east-1/iam/aws4_request") {
			t.Errorf("not signed for iam in us-east-1: %q", r.Header.Get("Authorization"))
		}
		if form.Get("Version") != "2010-05-08" {
			t.Errorf("Version %q", form.Get("Version"))
		}
		handler(w, form)
	}))
	t.Cleanup(srv.Close)
	c := NewClient(Endpoint{Service: "iam", URL: srv.URL, Region: "us-east-1", From: "AWS_ENDPOINT_URL_IAM"}, testCreds, nil)
	return c, &calls
}

const listAnswer = `<ListAccessKeysResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <ListAccessKeysResult>
    <UserName>jb</UserName>
    <AccessKeyMetadata>
      <member><UserName>jb</UserName><AccessKeyId>AKIAONE0000000000000</AccessKeyId><Status>Active</Status><CreateDate>2026-01-02T03:04:05Z</CreateDate></member>
      <member><UserName>jb</UserName><AccessKeyId>AKIATWO0000000000000</AccessKeyId><Status>Inactive</Status><CreateDate>2026-02-02T03:04:05Z</CreateDate></member>
    </AccessKeyMetadata>
    <IsTruncated>false</IsTruncated>
  </ListAccessKeysResult>
  <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>
</ListAccessKeysResponse>`

func TestListAccessKeys(t *testing.T) {
	c, _ := fake(t, func(w http.ResponseWriter, form url.Values) {
		if form.Get("Action") != "ListAccessKeys" || form.Get("UserName") != "jb" {
			t.Errorf("form %v", form)
		}
		io.WriteString(w, listAnswer)
	})
	keys, err := c.ListAccessKeys(context.Background(), "jb")
	if err != nil {
		t.Fatal(err)
	}
	want := []AccessKey{
		{UserName: "jb", AccessKeyID: "AKIAONE0000000000000", Status: "Active", CreateDate: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{UserName: "jb", AccessKeyID: "AKIATWO0000000000000", Status: "Inactive", CreateDate: time.Date(2026, 2, 2, 3, 4, 5, 0, time.UTC)},
	}
	if fmt.Sprint(keys) != fmt.Sprint(want) {
		t.Errorf("keys %+v", keys)
	}
}

// Reads are tried again when IAM fails; CreateAccessKey never is.
func TestRetries(t *testing.T) {
	failing := func(w http.ResponseWriter, _ url.Values) {
		w.WriteHeader(503)
		io.WriteString(w, `<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>try later</Message></Error></ErrorResponse>`)
	}
	c, calls := fake(t, failing)
	_, err := c.ListAccessKeys(context.Background(), "jb")
	if calls.Load() != 3 || err == nil || !strings.Contains(err.Error(), "is failing or throttling (ServiceUnavailable: try later): try again in a minute") {
		t.Errorf("%d calls, %v", calls.Load(), err)
	}
	c, calls = fake(t, failing)
	_, err = c.CreateAccessKey(context.Background(), "jb")
	if calls.Load() != 1 || err == nil {
		t.Errorf("CreateAccessKey: %d calls, %v", calls.Load(), err)
	}
	if Answered(err) {
		t.Error("a 503 counts as answered: the key may have been made")
	}
}

// A redirect is never followed: the signed request stays where it was sent.
func TestNoRedirect(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	c, _ := fake(t, func(w http.ResponseWriter, _ url.Values) {
		w.Header().Set("Location", other.URL+"/steal?x=1")
		w.WriteHeader(307)
	})
	c.HTTP = &http.Client{} // one that would follow
	_, err := c.GetUser(context.Background())
	if err == nil || !strings.Contains(err.Error(), "answered with a redirect (307 to "+other.URL+"), which awsenv never follows") || elsewhere.Load() != 0 {
		t.Errorf("%v, %d requests elsewhere", err, elsewhere.Load())
	}
}

func TestErrorShapes(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		code   string
		want   string
	}{
		{403, `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::1:user/jb is not authorized to perform: iam:CreateAccessKey.</Message></Error><RequestId>x</RequestId></ErrorResponse>`,
			"AccessDenied", "iam refused CreateAccessKey (AccessDenied: User: arn:aws:iam::1:user/jb is not authorized to perform: iam:CreateAccessKey): the user's policy must allow iam:CreateAccessKey on its own user"},
		{409, `<ErrorResponse><Errors><Error><Code>LimitExceeded</Code><Message>Cannot exceed quota for AccessKeysPerUser: 2</Message></Error></Errors></ErrorResponse>`,
			"LimitExceeded", "iam refused CreateAccessKey (LimitExceeded: Cannot exceed quota for AccessKeysPerUser: 2): the user already has two access keys"},
		{403, `<ErrorResponse><Error><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error></ErrorResponse>`,
			"InvalidClientTokenId", "iam does not know the access key that signed CreateAccessKey (InvalidClientTokenId)"},
		{502, `<html>bad gateway</html>`, "HTTP502", "is failing or throttling (HTTP502: Bad Gateway)"},
	} {
		c, _ := fake(t, func(w http.ResponseWriter, _ url.Values) { w.WriteHeader(tc.status); io.WriteString(w, tc.body) })
		_, err := c.CreateAccessKey(context.Background(), "jb")
		if Code(err) != tc.code || err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%d %s: code %q, error %v", tc.status, tc.code, Code(err), err)
		}
	}
	c, _ := fake(t, func(w http.ResponseWriter, _ url.Values) {
		io.WriteString(w, `<CreateAccessKeyResponse><CreateAccessKeyResult><AccessKey><UserName>jb</UserName></AccessKey></CreateAccessKeyResult></CreateAccessKeyResponse>`)
	})
	if _, err := c.CreateAccessKey(context.Background(), "jb"); err == nil || !strings.Contains(err.Error(), "a key without AccessKeyId or SecretAccessKey") {
		t.Errorf("incomplete key: %v", err)
	}
	var ce *CallError
	c, _ = fake(t, func(w http.ResponseWriter, _ url.Values) { io.WriteString(w, `<nope/>`) })
	if _, err := c.GetUser(context.Background()); !errors.As(err, &ce) || !strings.Contains(err.Error(), "answered GetUser with something awsenv cannot use (no GetUserResult element)") {
		t.Errorf("not IAM: %v", err)
	}
}

// A NewKey printed by mistake shows no secret.
func TestNewKeyString(t *testing.T) {
	k := NewKey{AccessKey: AccessKey{UserName: "jb", AccessKeyID: "AKIANEW"}, SecretAccessKey: "sekrit"}
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%v", &k), fmt.Sprintf("%+v", k)} {
		if strings.Contains(s, "sekrit") {
			t.Errorf("%q shows the secret", s)
		}
	}
}

func TestTimeout(t *testing.T) {
	// The endpoint answers only when the test ends: only the client's
	// timeout can end the call.
	answer := make(chan struct{})
	c, _ := fake(t, func(http.ResponseWriter, url.Values) { <-answer })
	t.Cleanup(func() { close(answer) }) // before the server closes
	c.Timeout = 100 * time.Millisecond
	c.Attempts = 1
	done := make(chan error, 1)
	go func() {
		_, err := c.GetUser(context.Background())
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "iam at "+c.URL+" did not answer within 100ms") {
			t.Errorf("err = %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("GetUser did not time out")
	}
}
