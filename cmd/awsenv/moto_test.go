// The end-to-end scripts drive real Unix shells, FIFOs and process groups.

//go:build unix

package main

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/awsenv/awsenv/internal/mototest"
)

// moto is a moto_server in authenticated mode: after the three IAM calls
// that create its user, every request must carry a valid SigV4 signature
// made with that user's real keys.
type moto struct {
	url  string
	user *motoIAMUser
}

type motoIAMUser struct {
	UserName, ARN, AccessKeyID, SecretAccessKey string
}

var motoServer *moto

func motoURL() string {
	if motoServer == nil {
		return ""
	}
	return motoServer.url
}

func motoUser() *motoIAMUser {
	if motoServer == nil {
		return nil
	}
	return motoServer.user
}

// startMoto starts moto_server for the test binary's scripts; without it
// on PATH, the scripts that need it skip (condition [moto]).
func startMoto(t *testing.T) {
	addr, stop, err := runMoto(t.TempDir(), "INITIAL_NO_AUTH_ACTION_COUNT=4")
	if errors.Is(err, mototest.ErrNotInstalled) {
		t.Log(err)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	m := &moto{url: "http://" + addr}
	user, err := m.createUser("moto-user")
	if err != nil {
		t.Fatalf("creating the moto IAM user: %v", err)
	}
	m.user = user
	motoServer = m
	t.Cleanup(func() { motoServer = nil })
}

// motoRoleName is a role in moto that any principal of the account may assume.
const motoRoleName = "moto-dev"

// createUser makes the four unauthenticated IAM calls moto allows: the
// user, its policy, its access key and a role it may assume.
func (m *moto) createUser(name string) (*motoIAMUser, error) {
	var created struct {
		User struct{ Arn string } `xml:"CreateUserResult>User"`
	}
	if err := m.iam(url.Values{"Action": {"CreateUser"}, "UserName": {name}}, &created); err != nil {
		return nil, err
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	if err := m.iam(url.Values{"Action": {"PutUserPolicy"}, "UserName": {name}, "PolicyName": {"all"}, "PolicyDocument": {policy}}, nil); err != nil {
		return nil, err
	}
	var key struct {
		Key struct {
			AccessKeyID     string `xml:"AccessKeyId"`
			SecretAccessKey string `xml:"SecretAccessKey"`
		} `xml:"CreateAccessKeyResult>AccessKey"`
	}
	if err := m.iam(url.Values{"Action": {"CreateAccessKey"}, "UserName": {name}}, &key); err != nil {
		return nil, err
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + created.User.Arn + `"},"Action":"sts:AssumeRole"}]}`
	if err := m.iam(url.Values{"Action": {"CreateRole"}, "RoleName": {motoRoleName}, "AssumeRolePolicyDocument": {trust}, "MaxSessionDuration": {"43200"}}, nil); err != nil {
		return nil, err
	}
	return &motoIAMUser{UserName: name, ARN: created.User.Arn, AccessKeyID: key.Key.AccessKeyID, SecretAccessKey: key.Key.SecretAccessKey}, nil
}

func (m *moto) iam(form url.Values, out any) error {
	form.Set("Version", "2010-05-08")
	req, err := http.NewRequest("POST", m.url+"/", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// moto routes by the credential scope; the signature is not checked yet.
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: %s: %s", form.Get("Action"), resp.Status, body)
	}
	if out != nil {
		return xml.Unmarshal(body, out)
	}
	return nil
}

// runMoto starts a moto_server on 127.0.0.1 with the extra environment
// and returns once it listens.
func runMoto(dir string, env ...string) (addr string, stop func(), err error) {
	srv, err := mototest.Start(dir, env...)
	if err != nil {
		return "", nil, err
	}
	return strings.TrimPrefix(srv.URL, "http://"), srv.Close, nil
}
