package ststest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	oidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/aws/smithy-go"
)

// The stand-in is checked with the AWS SDK for Go's own sso-oidc and sso
// clients: they parse its answers and errors as they parse the real
// service's.

func ssoClients(url string) (*ssooidc.Client, *sso.Client) {
	o := ssooidc.New(ssooidc.Options{Region: "eu-west-1", BaseEndpoint: aws.String(url), Retryer: aws.NopRetryer{}})
	p := sso.New(sso.Options{Region: "eu-west-1", BaseEndpoint: aws.String(url), Retryer: aws.NopRetryer{}})
	return o, p
}

// noFollow is an HTTP client that plays a browser which shows redirects
// instead of following them.
var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func expectCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}

func register(t *testing.T, o *ssooidc.Client, in *ssooidc.RegisterClientInput) *ssooidc.RegisterClientOutput {
	t.Helper()
	if in.ClientName == nil {
		in.ClientName = aws.String("test-client")
	}
	if in.ClientType == nil {
		in.ClientType = aws.String("public")
	}
	out, err := o.RegisterClient(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSSODeviceFlowGivesRealRoleCredentials(t *testing.T) {
	s, clk := newClockedServer()
	url := listen(t, s)
	s.AddSSOAccount("111122223333", "prod", "AdministratorAccess", "ReadOnly")
	s.SetSSO(SSOSettings{UserName: "jbrowne", UserCode: "ABCD-EFGH"})
	o, p := ssoClients(url)
	ctx := context.Background()

	reg := register(t, o, &ssooidc.RegisterClientInput{Scopes: []string{SSOAccountAccessScope}})
	if reg.ClientSecretExpiresAt-reg.ClientIdIssuedAt != int64(90*24*time.Hour/time.Second) {
		t.Errorf("registration lasts %ds, want 90 days", reg.ClientSecretExpiresAt-reg.ClientIdIssuedAt)
	}
	da, err := o.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(DefaultSSOStartURL),
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(da.UserCode) != "ABCD-EFGH" || da.Interval != 1 || da.ExpiresIn != 600 ||
		aws.ToString(da.VerificationUriComplete) != url+"/device?user_code=ABCD-EFGH" {
		t.Fatalf("device authorization %+v", da)
	}
	poll := func() (*ssooidc.CreateTokenOutput, error) {
		return o.CreateToken(ctx, &ssooidc.CreateTokenInput{
			ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
			GrantType: aws.String(GrantDeviceCode), DeviceCode: da.DeviceCode,
		})
	}
	_, err = poll()
	var pending *oidctypes.AuthorizationPendingException
	if !errors.As(err, &pending) || aws.ToString(pending.Error_) != "authorization_pending" {
		t.Fatalf("first poll: %v, want AuthorizationPendingException", err)
	}
	clk.Add(time.Second)
	// The person opens the verification page: that approves the code.
	resp, err := http.Get(aws.ToString(da.VerificationUriComplete))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("verification page: %v %v", resp, err)
	}
	resp.Body.Close()
	tok, err := poll()
	if err != nil {
		t.Fatal(err)
	}
	if tok.ExpiresIn != 3600 || aws.ToString(tok.TokenType) != "Bearer" || aws.ToString(tok.RefreshToken) == "" {
		t.Fatalf("token: expiresIn %d, type %q, refresh token %v", tok.ExpiresIn, aws.ToString(tok.TokenType), tok.RefreshToken != nil)
	}
	clk.Add(time.Second)
	if _, err := poll(); err == nil {
		t.Fatal("a device code was exchanged twice")
	} else {
		expectCode(t, err, "InvalidGrantException")
	}

	rc, err := p.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{
		AccessToken: tok.AccessToken, AccountId: aws.String("111122223333"), RoleName: aws.String("ReadOnly"),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := rc.RoleCredentials
	if got := time.UnixMilli(c.Expiration).Sub(clk.Now()); got != time.Hour {
		t.Errorf("role credentials last %v, want 1h", got)
	}
	id, err := client(url, aws.Credentials{
		AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey), SessionToken: aws.ToString(c.SessionToken),
	}, 1).GetCallerIdentity(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := s.SSORoleARN("111122223333", "ReadOnly")
	if aws.ToString(id.Arn) != want || !strings.HasPrefix(want, "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_ReadOnly_") ||
		!strings.HasSuffix(want, "/jbrowne") || aws.ToString(id.Account) != "111122223333" {
		t.Fatalf("caller %s, want %s", aws.ToString(id.Arn), want)
	}
	for action, n := range map[string]int{"RegisterClient": 1, "StartDeviceAuthorization": 1, "CreateToken": 3,
		"CreateToken.device_code": 3, "Device": 1, "GetRoleCredentials": 1, "GetCallerIdentity": 1} {
		if s.Count(action) != n {
			t.Errorf("Count(%s) = %d, want %d", action, s.Count(action), n)
		}
	}
	if s.Total() != 8 {
		t.Errorf("Total = %d, want 8", s.Total())
	}
}

func TestSSOPortalRefusals(t *testing.T) {
	s, clk := newClockedServer()
	url := listen(t, s)
	s.AddSSOAccount("111122223333", "prod", "ReadOnly")
	o, p := ssoClients(url)
	ctx := context.Background()
	tok, _ := deviceLogin(t, s, o, []string{SSOAccountAccessScope})

	_, err := p.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{
		AccessToken: tok.AccessToken, AccountId: aws.String("111122223333"), RoleName: aws.String("Admin"),
	})
	expectCode(t, err, "ForbiddenException")
	if !strings.Contains(err.Error(), "No access") || !strings.Contains(err.Error(), "403") {
		t.Errorf("no access: %v", err)
	}
	_, err = p.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{
		AccessToken: tok.AccessToken, AccountId: aws.String("444455556666"), RoleName: aws.String("ReadOnly"),
	})
	expectCode(t, err, "ForbiddenException")
	_, err = p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: aws.String("aoa-unknown")})
	expectCode(t, err, "UnauthorizedException")
	if !strings.Contains(err.Error(), "Session token not found or invalid") || !strings.Contains(err.Error(), "401") {
		t.Errorf("unknown token: %v", err)
	}
	clk.Add(time.Hour) // the access token's lifetime
	_, err = p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken})
	expectCode(t, err, "UnauthorizedException")
}

// deviceLogin logs in by device code, approving at once, and returns the
// token and the client it was issued to.
func deviceLogin(t *testing.T, s *Server, o *ssooidc.Client, scopes []string) (*ssooidc.CreateTokenOutput, *ssooidc.RegisterClientOutput) {
	t.Helper()
	ctx := context.Background()
	reg := register(t, o, &ssooidc.RegisterClientInput{Scopes: scopes})
	da, err := o.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(s.SSO().StartURL),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ApproveSSODevice(aws.ToString(da.UserCode)); err != nil {
		t.Fatal(err)
	}
	tok, err := o.CreateToken(ctx, &ssooidc.CreateTokenInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String(GrantDeviceCode), DeviceCode: da.DeviceCode,
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok, reg
}

func TestSSODevicePollingRules(t *testing.T) {
	s, clk := newClockedServer()
	url := listen(t, s)
	o, _ := ssoClients(url)
	ctx := context.Background()
	reg := register(t, o, &ssooidc.RegisterClientInput{})
	da, err := o.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(DefaultSSOStartURL),
	})
	if err != nil {
		t.Fatal(err)
	}
	poll := func(after time.Duration) error {
		clk.Add(after)
		_, err := o.CreateToken(ctx, &ssooidc.CreateTokenInput{
			ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
			GrantType: aws.String(GrantDeviceCode), DeviceCode: da.DeviceCode,
		})
		return err
	}
	expectCode(t, poll(0), "AuthorizationPendingException")
	expectCode(t, poll(0), "SlowDownException")             // faster than 1s
	expectCode(t, poll(time.Second), "SlowDownException")   // the interval is 6s now
	expectCode(t, poll(6*time.Second), "SlowDownException") // 11s, and now 16s
	expectCode(t, poll(16*time.Second), "AuthorizationPendingException")
	expectCode(t, poll(10*time.Minute), "ExpiredTokenException")
	if err := s.ApproveSSODevice(aws.ToString(da.UserCode)); err == nil {
		t.Error("an expired device code was approved")
	}

	// A refusal in the browser.
	s.SetSSO(SSOSettings{Consent: SSODeny})
	da, _ = o.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(DefaultSSOStartURL),
	})
	resp, err := http.Get(aws.ToString(da.VerificationUriComplete))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, err = o.CreateToken(ctx, &ssooidc.CreateTokenInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, GrantType: aws.String(GrantDeviceCode), DeviceCode: da.DeviceCode,
	})
	expectCode(t, err, "AccessDeniedException")

	// Wrong start URL, wrong secret.
	_, err = o.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String("https://d-0000000000.awsapps.com/start"),
	})
	expectCode(t, err, "InvalidRequestException")
	_, err = o.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: aws.String("wrong"), StartUrl: aws.String(DefaultSSOStartURL),
	})
	var ic *oidctypes.InvalidClientException
	if !errors.As(err, &ic) {
		t.Fatalf("wrong secret: %v", err)
	}
}

// pkce is one authorization request of a test client.
type pkce struct {
	verifier, challenge, state, redirect string
}

func newPKCE(port int) pkce {
	v := base64.RawURLEncoding.EncodeToString(randomBytes(48))
	sum := sha256.Sum256([]byte(v))
	return pkce{v, base64.RawURLEncoding.EncodeToString(sum[:]), "st-" + randomString(upperAlnum, 8),
		fmt.Sprintf("http://127.0.0.1:%d/oauth/callback", port)}
}

// authorize plays the browser on /authorize and returns where it was sent.
func authorize(t *testing.T, base, clientID string, p pkce, extra url.Values) *url.URL {
	t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {p.redirect},
		"state": {p.state}, "code_challenge": {p.challenge}, "code_challenge_method": {"S256"}, "scopes": {SSOAccountAccessScope}}
	for k, v := range extra {
		q[k] = v
	}
	resp, err := noFollow.Get(base + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("/authorize answered %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestSSOAuthorizationCodeWithPKCE(t *testing.T) {
	s, _ := newClockedServer()
	base := listen(t, s)
	o, _ := ssoClients(base)
	ctx := context.Background()
	reg := register(t, o, &ssooidc.RegisterClientInput{
		Scopes: []string{SSOAccountAccessScope}, GrantTypes: []string{GrantAuthorizationCode, GrantRefreshToken},
		RedirectUris: []string{"http://127.0.0.1/oauth/callback"}, IssuerUrl: aws.String(DefaultSSOStartURL),
	})
	exchange := func(code, redirect, verifier string) (*ssooidc.CreateTokenOutput, error) {
		return o.CreateToken(ctx, &ssooidc.CreateTokenInput{
			ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, GrantType: aws.String(GrantAuthorizationCode),
			Code: aws.String(code), RedirectUri: aws.String(redirect), CodeVerifier: aws.String(verifier),
		})
	}

	// The registered loopback URI without a port matches any port.
	p := newPKCE(49152)
	loc := authorize(t, base, aws.ToString(reg.ClientId), p, nil)
	if loc.Host != "127.0.0.1:49152" || loc.Path != "/oauth/callback" || loc.Query().Get("state") != p.state || loc.Query().Get("code") == "" {
		t.Fatalf("redirected to %s", loc)
	}
	_, err := exchange(loc.Query().Get("code"), p.redirect, newPKCE(0).verifier)
	expectCode(t, err, "InvalidGrantException")
	_, err = exchange(loc.Query().Get("code"), p.redirect, p.verifier)
	expectCode(t, err, "InvalidGrantException") // a code has one try

	p = newPKCE(49153)
	loc = authorize(t, base, aws.ToString(reg.ClientId), p, nil)
	_, err = exchange(loc.Query().Get("code"), "http://127.0.0.1:49154/oauth/callback", p.verifier)
	expectCode(t, err, "InvalidGrantException")

	p = newPKCE(49155)
	loc = authorize(t, base, aws.ToString(reg.ClientId), p, nil)
	tok, err := exchange(loc.Query().Get("code"), p.redirect, p.verifier)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(tok.RefreshToken) == "" {
		t.Error("no refresh token for a client with sso:account:access and refresh_token")
	}
	// The authorization code client may not use the device flow.
	_, err = o.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(DefaultSSOStartURL),
	})
	expectCode(t, err, "UnauthorizedClientException")

	// Refusals come back on the redirect, with the request's state.
	s.SetSSO(SSOSettings{Consent: SSODeny})
	p = newPKCE(49156)
	loc = authorize(t, base, aws.ToString(reg.ClientId), p, nil)
	if loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != p.state || loc.Query().Has("code") {
		t.Errorf("denied: redirected to %s", loc)
	}
	s.SetSSO(SSOSettings{Consent: SSOWrongState})
	loc = authorize(t, base, aws.ToString(reg.ClientId), p, nil)
	if loc.Query().Get("state") == p.state || loc.Query().Get("code") == "" {
		t.Errorf("wrong state: redirected to %s", loc)
	}
	s.SetSSO(SSOSettings{})
	for name, extra := range map[string]url.Values{
		"plain challenge": {"code_challenge_method": {"plain"}},
		"unknown scope":   {"scopes": {"sso:other"}},
		"response type":   {"response_type": {"token"}},
	} {
		loc = authorize(t, base, aws.ToString(reg.ClientId), newPKCE(49157), extra)
		if loc.Query().Get("error") == "" || loc.Query().Has("code") {
			t.Errorf("%s: redirected to %s", name, loc)
		}
	}
	// An unregistered redirect URI gets an error page, never a redirect.
	q := url.Values{"response_type": {"code"}, "client_id": {aws.ToString(reg.ClientId)}, "redirect_uri": {"https://evil.example/cb"},
		"state": {"x"}, "code_challenge": {p.challenge}, "code_challenge_method": {"S256"}}
	resp, err := noFollow.Get(base + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Errorf("unregistered redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestSSORegisterClientRules(t *testing.T) {
	s, _ := newClockedServer()
	o, _ := ssoClients(listen(t, s))
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		in   ssooidc.RegisterClientInput
		code string
	}{
		{"confidential", ssooidc.RegisterClientInput{ClientType: aws.String("confidential")}, "InvalidClientMetadataException"},
		{"grant", ssooidc.RegisterClientInput{GrantTypes: []string{"password"}}, "UnsupportedGrantTypeException"},
		{"no redirect", ssooidc.RegisterClientInput{GrantTypes: []string{GrantAuthorizationCode}, IssuerUrl: aws.String(DefaultSSOStartURL)}, "InvalidRequestException"},
		{"no issuer", ssooidc.RegisterClientInput{GrantTypes: []string{GrantAuthorizationCode}, RedirectUris: []string{"http://127.0.0.1/cb"}}, "InvalidRequestException"},
		{"other issuer", ssooidc.RegisterClientInput{GrantTypes: []string{GrantAuthorizationCode}, RedirectUris: []string{"http://127.0.0.1/cb"},
			IssuerUrl: aws.String("https://d-0000000000.awsapps.com/start")}, "InvalidRequestException"},
		{"http redirect", ssooidc.RegisterClientInput{GrantTypes: []string{GrantAuthorizationCode}, RedirectUris: []string{"http://example.com/cb"},
			IssuerUrl: aws.String(DefaultSSOStartURL)}, "InvalidRedirectUriException"},
		{"scope", ssooidc.RegisterClientInput{Scopes: []string{"a b"}}, "InvalidScopeException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.ClientName = aws.String("c")
			if in.ClientType == nil {
				in.ClientType = aws.String("public")
			}
			_, err := o.RegisterClient(ctx, &in)
			expectCode(t, err, tc.code)
		})
	}
}

func TestSSORefreshTokens(t *testing.T) {
	s, clk := newClockedServer()
	url := listen(t, s)
	s.AddSSOAccount("111122223333", "prod", "ReadOnly")
	o, p := ssoClients(url)
	ctx := context.Background()

	// aws-vault's mistake: without scopes there is no refresh token.
	if tok, _ := deviceLogin(t, s, o, nil); tok.RefreshToken != nil {
		t.Error("a client registered without scopes got a refresh token")
	}

	s.SetSSO(SSOSettings{AccessTokenLifetime: 10 * time.Second, SessionLifetime: time.Minute, RotateRefreshTokens: true})
	tok, reg := deviceLogin(t, s, o, []string{SSOAccountAccessScope})
	if tok.ExpiresIn != 10 {
		t.Fatalf("expiresIn %d, want 10", tok.ExpiresIn)
	}
	refresh := func(rt *string) (*ssooidc.CreateTokenOutput, error) {
		return o.CreateToken(ctx, &ssooidc.CreateTokenInput{
			ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, GrantType: aws.String(GrantRefreshToken), RefreshToken: rt,
		})
	}
	clk.Add(11 * time.Second)
	_, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken})
	expectCode(t, err, "UnauthorizedException")
	next, err := refresh(tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: next.AccessToken}); err != nil {
		t.Fatal(err)
	}
	_, err = refresh(tok.RefreshToken) // rotated: good for one use
	expectCode(t, err, "InvalidGrantException")
	if s.Count("CreateToken.refresh_token") != 2 {
		t.Errorf("refresh count %d, want 2", s.Count("CreateToken.refresh_token"))
	}

	// Logout ends the session: its access and refresh tokens.
	out, err := p.Logout(ctx, &sso.LogoutInput{AccessToken: next.AccessToken})
	if err != nil || out == nil {
		t.Fatal(err)
	}
	_, err = p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: next.AccessToken})
	expectCode(t, err, "UnauthorizedException")
	_, err = refresh(next.RefreshToken)
	expectCode(t, err, "InvalidGrantException")

	// A session ends after its lifetime, refresh tokens with it.
	tok, reg = deviceLogin(t, s, o, []string{SSOAccountAccessScope})
	clk.Add(time.Minute)
	_, err = refresh(tok.RefreshToken)
	expectCode(t, err, "InvalidGrantException")

	// An expired client registration is refused.
	s.SetSSO(SSOSettings{ClientLifetime: time.Hour})
	tok, reg = deviceLogin(t, s, o, []string{SSOAccountAccessScope})
	clk.Add(time.Hour)
	_, err = refresh(tok.RefreshToken)
	var ic *oidctypes.InvalidClientException
	if !errors.As(err, &ic) {
		t.Fatalf("expired client: %v", err)
	}
}

func TestSSOListsPaginate(t *testing.T) {
	s, _ := newClockedServer()
	url := listen(t, s)
	for i := range 310 {
		s.AddSSOAccount(fmt.Sprintf("%012d", 100000000000+i), fmt.Sprintf("acct-%d", i), "Admin", "ReadOnly", "Billing")
	}
	o, p := ssoClients(url)
	ctx := context.Background()
	tok, _ := deviceLogin(t, s, o, []string{SSOAccountAccessScope})
	s.ResetCounts()
	n := 0
	pg := sso.NewListAccountsPaginator(p, &sso.ListAccountsInput{AccessToken: tok.AccessToken, MaxResults: aws.Int32(100)})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.AccountList)
	}
	if n != 310 || s.Count("ListAccounts") != 4 {
		t.Errorf("%d accounts in %d pages, want 310 in 4", n, s.Count("ListAccounts"))
	}
	out, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken})
	if err != nil || len(out.AccountList) != 20 || out.NextToken == nil {
		t.Errorf("default page: %d accounts, next %v, %v", len(out.AccountList), out.NextToken, err)
	}
	roles, err := p.ListAccountRoles(ctx, &sso.ListAccountRolesInput{
		AccessToken: tok.AccessToken, AccountId: aws.String("100000000309"), MaxResults: aws.Int32(2),
	})
	if err != nil || len(roles.RoleList) != 2 || roles.NextToken == nil || aws.ToString(roles.RoleList[0].RoleName) != "Admin" {
		t.Fatalf("roles page 1: %+v %v", roles, err)
	}
	roles, err = p.ListAccountRoles(ctx, &sso.ListAccountRolesInput{
		AccessToken: tok.AccessToken, AccountId: aws.String("100000000309"), NextToken: roles.NextToken,
	})
	if err != nil || len(roles.RoleList) != 1 || roles.NextToken != nil {
		t.Fatalf("roles page 2: %+v %v", roles, err)
	}
	_, err = p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken, NextToken: aws.String("bogus")})
	expectCode(t, err, "InvalidRequestException")
}

func TestSSOErrorShapes(t *testing.T) {
	s, _ := newClockedServer()
	url := listen(t, s)
	s.AddSSOFault(SSOFault{Action: "CreateToken", Code: "SlowDownException", Times: 2})
	for range 3 {
		resp, err := http.Post(url+"/token", "application/json", strings.NewReader(`{"clientId":"x","clientSecret":"y","grantType":"refresh_token"}`))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var e map[string]string
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatalf("error body %s", body)
		}
		typ := resp.Header.Get("X-Amzn-Errortype")
		switch s.Count("CreateToken") {
		case 1, 2:
			if resp.StatusCode != 400 || e["error"] != "slow_down" || !strings.HasPrefix(typ, "SlowDownException:") {
				t.Errorf("fault: %d %s %s", resp.StatusCode, typ, body)
			}
		case 3:
			if resp.StatusCode != 401 || e["error"] != "invalid_client" || e["error_description"] == "" || !strings.HasPrefix(typ, "InvalidClientException:") {
				t.Errorf("unknown client: %d %s %s", resp.StatusCode, typ, body)
			}
		}
	}
	resp, err := http.Get(url + "/assignment/accounts")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || string(body) != `{"message":"Session token not found or invalid"}` {
		t.Errorf("portal error: %d %s", resp.StatusCode, body)
	}
	s.AddSSOFault(SSOFault{Action: "GetRoleCredentials", Code: "TooManyRequestsException"})
	resp, err = http.Get(url + "/federation/credentials?account_id=1&role_name=r")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 {
		t.Errorf("throttled: %d", resp.StatusCode)
	}
}

func TestSSOManyAccountsAreCheap(t *testing.T) {
	s := New()
	start := time.Now()
	for i := range 5000 {
		s.AddSSOAccount(fmt.Sprintf("%012d", i), "a", "Admin", "ReadOnly")
	}
	// A generous limit for a loaded machine; a quadratic store takes far
	// longer (bench/scale.sh measures the real cost).
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("5000 accounts took %v", d)
	}
	if len(s.SSOAccounts()) != 5000 {
		t.Error("accounts lost")
	}
	defer func() {
		if recover() == nil {
			t.Error("AddSSOAccount took a malformed id")
		}
	}()
	s.AddSSOAccount("12", "bad")
}
