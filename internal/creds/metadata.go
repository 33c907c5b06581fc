package creds

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/fsutil"
	"github.com/awsenv/awsenv/internal/httpx"
	"github.com/awsenv/awsenv/internal/xerr"
)

// The credential sources a role profile may name instead of a
// source_profile (credential_source), as the AWS CLI and SDKs read them.

// FromEnvironment is credential_source = Environment: the caller's
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
func FromEnvironment(getenv func(string) string, profile string) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		c := aws.Credentials{AccessKeyID: getenv("AWS_ACCESS_KEY_ID"), SecretAccessKey: getenv("AWS_SECRET_ACCESS_KEY"),
			SessionToken: getenv("AWS_SESSION_TOKEN"), Source: "environment"}
		if c.AccessKeyID == "" || c.SecretAccessKey == "" {
			return aws.Credentials{}, fmt.Errorf("profile %q has credential_source = Environment, but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set: set them, or use source_profile", profile)
		}
		return c, nil
	})
}

// metadataClient is the HTTP policy (httpx: no redirects, so credentials
// are not sent on) for metadata endpoints: bounded in time, and no proxy,
// since the endpoints are link-local or loopback.
func metadataClient(timeout time.Duration) *http.Client {
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	return httpx.New(httpx.Options{Timeout: timeout, NoProxy: true})
}

// metadataCreds is the JSON both metadata services answer with.
type metadataCreds struct {
	Code            string
	Message         string
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string
	Token           string
	Expiration      time.Time
	AccountID       string `json:"AccountId"`
}

func (m *metadataCreds) credentials(source string) (aws.Credentials, error) {
	if m.Code != "" && m.Code != "Success" {
		return aws.Credentials{}, fmt.Errorf("%s answered %s: %s", source, m.Code, m.Message)
	}
	if m.AccessKeyID == "" || m.SecretAccessKey == "" {
		return aws.Credentials{}, fmt.Errorf("%s answered without credentials", source)
	}
	c := aws.Credentials{AccessKeyID: m.AccessKeyID, SecretAccessKey: m.SecretAccessKey, SessionToken: m.Token,
		Source: source, AccountID: m.AccountID}
	if !m.Expiration.IsZero() {
		c.CanExpire, c.Expires = true, m.Expiration.UTC()
		if err := expiredAtReceipt(source, c.Expires, time.Now()); err != nil {
			return aws.Credentials{}, err
		}
	}
	return c, nil
}

func getJSON(ctx context.Context, hc *http.Client, req *http.Request, what string, v any) error {
	resp, err := hc.Do(req.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("cannot reach %s: %v", what, xerr.OneLine(errors.Unwrap(err).Error()))
	}
	defer resp.Body.Close()
	if err := httpx.Redirected(what, resp, ""); err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("cannot read the answer of %s: %w", what, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", what, resp.Status)
	}
	if v == nil {
		return nil
	}
	if s, ok := v.(*string); ok {
		*s = strings.TrimSpace(string(data))
		return nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s answered with something that is not credentials JSON", what)
	}
	return nil
}

// Container is credential_source = EcsContainer: the container credentials
// endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI on 169.254.170.2, or
// AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN
// or _TOKEN_FILE).
type Container struct {
	Getenv  func(string) string
	Timeout time.Duration
	Profile string
}

// Retrieve asks the endpoint once.
func (c *Container) Retrieve(ctx context.Context) (aws.Credentials, error) {
	u := c.Getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI")
	if rel := c.Getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"); rel != "" {
		u = "http://169.254.170.2" + rel
	}
	if u == "" {
		return aws.Credentials{}, fmt.Errorf("profile %q has credential_source = EcsContainer, but neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set: run it in a container, or use source_profile", c.Profile)
	}
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return aws.Credentials{}, fmt.Errorf("AWS_CONTAINER_CREDENTIALS_FULL_URI=%q is not an http(s) URL", u)
	}
	if pu.Scheme == "http" && !loopbackOrLinkLocal(pu.Hostname()) {
		return aws.Credentials{}, fmt.Errorf("the container credentials endpoint %s is plain http to another host: only loopback and 169.254.170.2 may be plain http", pu.Host)
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return aws.Credentials{}, err
	}
	tok := c.Getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN")
	if f := c.Getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"); f != "" {
		data, err := fsutil.ReadText(f, 16<<10)
		if err != nil {
			return aws.Credentials{}, fmt.Errorf("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: %w", err)
		}
		tok = strings.TrimSpace(string(data))
	}
	if strings.ContainsAny(tok, "\r\n") {
		return aws.Credentials{}, errors.New("the container authorization token holds a line break")
	}
	if tok != "" {
		req.Header.Set("Authorization", tok)
	}
	var m metadataCreds
	what := "the container credentials endpoint " + pu.Host
	if err := getJSON(ctx, metadataClient(c.Timeout), req, what, &m); err != nil {
		return aws.Credentials{}, err
	}
	return m.credentials("container")
}

func loopbackOrLinkLocal(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || ip.Equal(net.IPv4(169, 254, 170, 2)) || ip.Equal(net.ParseIP("fd00:ec2::23")))
}

// InstanceMetadata is credential_source = Ec2InstanceMetadata: the
// instance role's credentials from IMDSv2 (AWS_EC2_METADATA_SERVICE_ENDPOINT,
// else 169.254.169.254; off with AWS_EC2_METADATA_DISABLED=true).
type InstanceMetadata struct {
	Getenv  func(string) string
	Timeout time.Duration
	Profile string
}

// Retrieve gets a session token, the role name, then its credentials.
func (m *InstanceMetadata) Retrieve(ctx context.Context) (aws.Credentials, error) {
	if strings.EqualFold(m.Getenv("AWS_EC2_METADATA_DISABLED"), "true") {
		return aws.Credentials{}, fmt.Errorf("profile %q has credential_source = Ec2InstanceMetadata, but AWS_EC2_METADATA_DISABLED is true", m.Profile)
	}
	base := strings.TrimSuffix(cmp.Or(m.Getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT"), "http://169.254.169.254"), "/")
	hc := metadataClient(m.Timeout)
	what := "the instance metadata service " + base
	treq, err := http.NewRequest(http.MethodPut, base+"/latest/api/token", nil)
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("AWS_EC2_METADATA_SERVICE_ENDPOINT=%q is not a URL", base)
	}
	treq.Header.Set("X-aws-ec2-metadata-token-ttl-seconds", "21600")
	var token string
	if err := getJSON(ctx, hc, treq, what, &token); err != nil {
		return aws.Credentials{}, fmt.Errorf("%w: is this an EC2 instance with an instance role?", err)
	}
	get := func(path string, v any) error {
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		if err != nil {
			return err
		}
		req.Header.Set("X-aws-ec2-metadata-token", token)
		return getJSON(ctx, hc, req, what, v)
	}
	var role string
	if err := get("/latest/meta-data/iam/security-credentials/", &role); err != nil {
		return aws.Credentials{}, err
	}
	role, _, _ = strings.Cut(role, "\n")
	if role == "" || strings.ContainsAny(role, "/?#") {
		return aws.Credentials{}, fmt.Errorf("%s names no instance role", what)
	}
	var c metadataCreds
	if err := get("/latest/meta-data/iam/security-credentials/"+url.PathEscape(role), &c); err != nil {
		return aws.Credentials{}, err
	}
	return c.credentials("instance-metadata")
}
