// Package signin is `aws login`: a sign-in in the browser with the
// console's credentials (passkeys and security keys included) that gives
// 15-minute credentials, renewed for up to 12 hours with a refresh token
// bound to a DPoP key. The login lives in the AWS CLI's own cache
// (~/.aws/login/cache, its format), so awsenv, the CLI and the SDKs share
// one sign-in; awsenv refreshes it under a lock, so that of several
// processes racing for an expired session one refreshes and the others take
// its result (the refresh token is good once).
package signin

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/fsutil"
	"github.com/awsenv/awsenv/internal/httpx"
	"github.com/awsenv/awsenv/internal/keystore"
	"github.com/awsenv/awsenv/internal/xerr"
)

// The client ids of the two flows, as the AWS CLI sends them.
const (
	ClientSameDevice  = "arn:aws:signin:::devtools/same-device"
	ClientCrossDevice = "arn:aws:signin:::devtools/cross-device"
)

// TokenType is the tokenType of the service's answer and the cache.
const TokenType = "urn:aws:params:oauth:token-type:access_token_sigv4"

// maxAnswer bounds what is read of an answer of the sign-in service.
const maxAnswer = 1 << 20

// Client signs in and keeps the login cache. Its zero value works, with the
// process's environment.
type Client struct {
	// Getenv reads HOME, AWS_LOGIN_CACHE_DIRECTORY and the endpoint
	// variables; nil is os.Getenv.
	Getenv func(string) string
	// HTTP sends the requests; nil is httpx's policy with Timeout.
	// Redirects are never followed either way.
	HTTP *http.Client
	// Timeout bounds each call to the service; default httpx.DefaultTimeout.
	Timeout time.Duration
	// CacheDir is the login cache; "" is DefaultCacheDir.
	CacheDir string
	// Now is the clock; nil for the real one.
	Now func() time.Time
	// Warn tells the person about something that does not stop the work.
	Warn func(msg string)
	// Waiting is called when another process holds a login's lock.
	Waiting func(msg string)
	// Progress, when set, is told a call starts (what it waits for); the
	// function it returns, that it ended.
	Progress func(what string) (done func())
	// Vault opens the keyring a setting names ("keyring", "keyring:file"),
	// where `awsenv login --keyring` keeps sessions' keys; nil: such
	// sessions cannot be refreshed or made.
	Vault func(setting string) (keystore.Secrets, error)
}

func (c *Client) getenv(k string) string {
	if c.Getenv == nil {
		return os.Getenv(k)
	}
	return c.Getenv(k)
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) warn(format string, a ...any) {
	if c.Warn != nil {
		c.Warn(fmt.Sprintf(format, a...))
	}
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return httpx.Strict(c.HTTP)
	}
	return httpx.New(httpx.Options{Timeout: c.Timeout})
}

// Path is the cache file of a login_session value.
func (c *Client) Path(loginSession string) (string, error) {
	dir := c.CacheDir
	if dir == "" {
		dir = DefaultCacheDir(c.getenv)
	}
	if dir == "" {
		return "", errors.New("cannot find the aws login cache: HOME is not set")
	}
	return filepath.Join(dir, FileName(loginSession)), nil
}

// Endpoint is the sign-in service's base URL: AWS_ENDPOINT_URL_SIGNIN, else
// AWS_ENDPOINT_URL, else the region's host in its partition (the Go SDK's
// service/signin rules).
func Endpoint(region string, getenv func(string) string) (string, error) {
	for _, k := range []string{"AWS_ENDPOINT_URL_SIGNIN", "AWS_ENDPOINT_URL"} {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return "", fmt.Errorf("%s=%q is not an http(s) URL: fix or unset it", k, v)
			}
			// The codes, refresh tokens and credentials it carries never
			// cross the network in clear text (the rule of every endpoint).
			if err := httpx.CheckPlainHTTP(v, k, httpx.HTTPAllowed(getenv)); err != nil {
				return "", err
			}
			return strings.TrimRight(v, "/"), nil
		}
	}
	if region == "" {
		return "", xerr.New(xerr.Failed, errors.New("no region for the aws sign-in service"), "give --region, or set region in the profile")
	}
	if strings.Trim(region, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		return "", fmt.Errorf("region %q is not a region name", region)
	}
	return "https://" + region + ".signin." + dnsSuffix(region), nil
}

// dnsSuffix is the sign-in host's domain in region's partition.
func dnsSuffix(region string) string {
	for _, p := range []struct{ prefix, suffix string }{
		{"cn-", "amazonaws.cn"},
		{"us-gov-", "amazonaws-us-gov.com"},
		{"us-isob-", "sc2shome.sgov.gov"},
		{"us-isof-", "csphome.hci.ic.gov"},
		{"us-iso-", "c2shome.ic.gov"},
		{"eu-isoe-", "csphome.adc-e.uk"},
		{"eusc-", "amazonaws-eusc.eu"},
	} {
		if strings.HasPrefix(region, p.prefix) {
			return p.suffix
		}
	}
	return "aws.amazon.com"
}

// APIError is an error answer of the sign-in service.
type APIError struct {
	Endpoint  string
	Status    int
	Exception string // e.g. AccessDeniedException
	Code      string // the OAuth2ErrorCode, e.g. TOKEN_EXPIRED
	Message   string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("the aws sign-in service at %s refused (%d %s", e.Endpoint, e.Status, e.Exception)
	if e.Code != "" {
		s += " " + e.Code
	}
	s += ")"
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// tokenAnswer is CreateOAuth2Token's answer.
type tokenAnswer struct {
	AccessToken *struct {
		AccessKeyID     string `json:"accessKeyId"`
		SecretAccessKey string `json:"secretAccessKey"`
		SessionToken    string `json:"sessionToken"`
	} `json:"accessToken"`
	TokenType    string `json:"tokenType"`
	ExpiresIn    *int64 `json:"expiresIn"`
	RefreshToken string `json:"refreshToken"`
	IDToken      string `json:"idToken"`
}

// createToken calls CreateOAuth2Token (POST /v1/token, unsigned, with a
// DPoP proof of key). Nothing of the request is ever put in an error.
func (c *Client) createToken(ctx context.Context, endpoint string, key *ecdsa.PrivateKey, body map[string]string) (*tokenAnswer, error) {
	target := endpoint + "/v1/token"
	p, err := proof(key, target, c.now())
	if err != nil {
		return nil, fmt.Errorf("cannot make the DPoP proof: %w", err)
	}
	data, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("the aws sign-in endpoint %s is not usable: %w", endpoint, xerr.Root(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("DPoP", p)
	if c.Progress != nil {
		defer c.Progress("the aws sign-in service at " + endpoint)()
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
			return nil, errors.New("interrupted")
		}
		return nil, fmt.Errorf("cannot reach the aws sign-in service at %s: %v", endpoint, xerr.Root(err))
	}
	defer resp.Body.Close()
	if err := httpx.Redirected("the aws sign-in service at "+endpoint, resp, ""); err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the answer of the aws sign-in service at %s: %v", endpoint, xerr.Root(err))
	}
	if len(raw) > maxAnswer {
		return nil, fmt.Errorf("the aws sign-in service at %s answered with more than %s", endpoint, fsutil.Size(maxAnswer))
	}
	if resp.StatusCode != http.StatusOK {
		e := apiError(resp, raw)
		e.Endpoint = endpoint
		return nil, e
	}
	var a tokenAnswer
	if json.Unmarshal(raw, &a) != nil || a.AccessToken == nil || a.AccessToken.AccessKeyID == "" ||
		a.AccessToken.SecretAccessKey == "" || a.AccessToken.SessionToken == "" || a.ExpiresIn == nil || a.RefreshToken == "" {
		return nil, fmt.Errorf("the aws sign-in service at %s gave an answer awsenv cannot read (no credentials, expiresIn or refreshToken)", endpoint)
	}
	return &a, nil
}

func apiError(resp *http.Response, raw []byte) *APIError {
	e := &APIError{Status: resp.StatusCode, Exception: resp.Header.Get("X-Amzn-Errortype")}
	if i := strings.IndexAny(e.Exception, ":"); i >= 0 {
		e.Exception = e.Exception[:i]
	}
	if i := strings.LastIndexByte(e.Exception, '#'); i >= 0 {
		e.Exception = e.Exception[i+1:]
	}
	var body struct {
		Error   string `json:"error"`
		Message string `json:"message"`
		Type    string `json:"__type"`
	}
	_ = json.Unmarshal(raw, &body)
	if e.Exception == "" {
		e.Exception = body.Type
	}
	e.Exception = clean(e.Exception, 64)
	if e.Exception == "" {
		e.Exception = http.StatusText(resp.StatusCode)
	}
	e.Code, e.Message = clean(body.Error, 64), clean(body.Message, 200)
	return e
}

// clean keeps a string from the network printable and short.
func clean(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	s = xerr.OneLine(s)
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}

// Credentials are the credentials of a cached token.
func (t *token) credentials() aws.Credentials {
	return aws.Credentials{AccessKeyID: t.AccessKeyID, SecretAccessKey: t.SecretAccessKey, SessionToken: t.SessionToken,
		Source: "awsenv-login", CanExpire: true, Expires: t.ExpiresAt, AccountID: t.AccountID}
}
