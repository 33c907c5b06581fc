//go:build unix

package iamtest

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/iamapi"
	"github.com/awsenv/awsenv/internal/mototest"
)

// Moto is a running moto_server.
type Moto struct {
	URL   string
	Admin config.Keys
	stop  func()
}

// Provider signs with fixed keys.
func Provider(k config.Keys) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey, Source: "iamtest"}, nil
	})
}

// Start runs moto_server on 127.0.0.1 in authenticated mode, logging into
// dir. Without moto_server on PATH, it returns mototest.ErrNotInstalled.
func Start(dir string) (*Moto, error) {
	srv, err := mototest.Start(dir, "INITIAL_NO_AUTH_ACTION_COUNT=3")
	if err != nil {
		return nil, err
	}
	m := &Moto{URL: srv.URL, stop: srv.Close}
	if m.Admin, err = m.bootstrap(); err != nil {
		m.stop()
		return nil, err
	}
	return m, nil
}

// Close stops moto_server.
func (m *Moto) Close() { m.stop() }

// Endpoint is moto's IAM endpoint.
func (m *Moto) Endpoint() iamapi.Endpoint {
	return iamapi.Endpoint{Service: "iam", URL: m.URL, Region: "us-east-1", From: "AWS_ENDPOINT_URL_IAM"}
}

// Client signs with keys at moto's IAM.
func (m *Moto) Client(keys config.Keys) *iamapi.Client {
	c := iamapi.NewClient(m.Endpoint(), Provider(keys), &http.Client{Timeout: 10 * time.Second})
	c.Attempts = 1
	return c
}

// bootstrap makes the admin user with the three calls moto lets through
// unsigned (it routes them by the credential scope alone).
func (m *Moto) bootstrap() (config.Keys, error) {
	unsigned := func(form url.Values, out any) error {
		form.Set("Version", "2010-05-08")
		req, _ := http.NewRequest("POST", m.URL+"/", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("%s: %s", form.Get("Action"), resp.Status)
		}
		if out != nil {
			return decode(resp, form.Get("Action"), out)
		}
		return nil
	}
	if err := unsigned(url.Values{"Action": {"CreateUser"}, "UserName": {"admin"}}, nil); err != nil {
		return config.Keys{}, err
	}
	if err := unsigned(url.Values{"Action": {"PutUserPolicy"}, "UserName": {"admin"}, "PolicyName": {"all"}, "PolicyDocument": {AllowAll}}, nil); err != nil {
		return config.Keys{}, err
	}
	var key iamapi.NewKey
	if err := unsigned(url.Values{"Action": {"CreateAccessKey"}, "UserName": {"admin"}}, &key); err != nil {
		return config.Keys{}, err
	}
	return config.Keys{AccessKeyID: key.AccessKeyID, SecretAccessKey: key.SecretAccessKey}, nil
}

// AllowAll is a policy that allows everything.
const AllowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// Allow is a policy that allows just actions (like "iam:ListAccessKeys").
func Allow(actions ...string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["` + strings.Join(actions, `","`) + `"],"Resource":"*"}]}`
}

// User makes an IAM user with an inline policy and one access key.
func (m *Moto) User(ctx context.Context, name, policy string) (config.Keys, error) {
	admin := m.Client(m.Admin)
	if err := admin.Call(ctx, "CreateUser", url.Values{"UserName": {name}}, 1, nil); err != nil {
		return config.Keys{}, err
	}
	if err := m.SetPolicy(ctx, name, policy); err != nil {
		return config.Keys{}, err
	}
	k, err := admin.CreateAccessKey(ctx, name)
	if err != nil {
		return config.Keys{}, err
	}
	return config.Keys{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey}, nil
}

// SetPolicy replaces the user's inline policy.
func (m *Moto) SetPolicy(ctx context.Context, user, policy string) error {
	return m.Client(m.Admin).Call(ctx, "PutUserPolicy", url.Values{"UserName": {user}, "PolicyName": {"p"}, "PolicyDocument": {policy}}, 1, nil)
}

// Keys lists the user's access key ids, as the admin sees them.
func (m *Moto) Keys(ctx context.Context, user string) ([]string, error) {
	keys, err := m.Client(m.Admin).ListAccessKeys(ctx, user)
	var ids []string
	for _, k := range keys {
		ids = append(ids, k.AccessKeyID)
	}
	return ids, err
}

func decode(resp *http.Response, action string, out any) error {
	var doc struct {
		Key iamapi.NewKey `xml:"CreateAccessKeyResult>AccessKey"`
	}
	if err := xml.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	if k, ok := out.(*iamapi.NewKey); ok {
		*k = doc.Key
	}
	return nil
}

// Shared is one moto_server for a package's tests: TestMain calls
// RunShared, and each test that needs it calls Need.
type Shared struct {
	Moto *Moto
	err  error // why there is none
}

// RunShared starts moto (in a folder named after name), runs the package's
// tests and stops it; it returns the exit code for os.Exit.
func (s *Shared) RunShared(m *testing.M, name string) int {
	dir, _ := os.MkdirTemp("", name+"-moto")
	defer os.RemoveAll(dir)
	s.Moto, s.err = Start(dir)
	if s.Moto != nil {
		defer s.Moto.Close()
	}
	return m.Run()
}

// Need skips t where moto_server is not installed, and fails it where it
// would not start.
func (s *Shared) Need(t *testing.T) *Moto {
	t.Helper()
	if errors.Is(s.err, mototest.ErrNotInstalled) {
		t.Skip(s.err)
	}
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.Moto
}
