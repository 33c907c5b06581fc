package stsapi

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/awsenv/awsenv/internal/ststest"
)

const (
	wiIssuer   = "https://login.example.org/realm"
	wiAudience = "awsenv"
	wiRole     = "arn:aws:iam::123456789012:role/developer"
)

// wiServer is the stand-in with wiIssuer (its key signs with kid "k1") and
// wiRole trusting it.
func wiServer(t *testing.T, key *rsa.PrivateKey) (*ststest.Server, string) {
	t.Helper()
	s := ststest.New()
	s.AddOIDCProvider(ststest.OIDCProvider{
		Issuer:    wiIssuer,
		Audiences: []string{wiAudience},
		Keys:      &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Use: "sig"}}},
	})
	s.AddRole(ststest.Role{ARN: wiRole, MaxSessionDuration: 12 * time.Hour, WebIdentityIssuer: wiIssuer})
	s.AddRole(ststest.Role{ARN: "arn:aws:iam::123456789012:role/no-web"})
	u, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, u
}

func wiKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func wiToken(t *testing.T, key *rsa.PrivateKey, aud string, exp time.Time) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(jwt.Claims{
		Issuer: wiIssuer, Subject: "sub-7", Audience: jwt.Audience{aud},
		IssuedAt: jwt.NewNumericDate(time.Now()), Expiry: jwt.NewNumericDate(exp),
	}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// authSpy records the Authorization header of every request.
type authSpy struct {
	mu   sync.Mutex
	auth []string
}

func (a *authSpy) RoundTrip(r *http.Request) (*http.Response, error) {
	a.mu.Lock()
	a.auth = append(a.auth, r.Header.Get("Authorization")+r.Header.Get("X-Amz-Security-Token"))
	a.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func TestAssumeRoleWithWebIdentity(t *testing.T) {
	key := wiKey(t)
	s, u := wiServer(t, key)
	spy := &authSpy{}
	// Credentials are set, yet the call must go out unsigned.
	c := &Client{URL: u, Region: "eu-west-1", HTTP: &http.Client{Transport: spy},
		Credentials: static("AKIAEXAMPLEEXAMPLE12", strings.Repeat("s", 40), "tok")}
	token := wiToken(t, key, wiAudience, time.Now().Add(time.Hour))
	start := time.Now()
	got, err := c.AssumeRoleWithWebIdentity(context.Background(), WebIdentityInput{
		RoleARN: wiRole, SessionName: "dev@example.org", Token: token, Duration: 2 * time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.ARN != "arn:aws:sts::123456789012:assumed-role/developer/dev@example.org" {
		t.Errorf("ARN %q", got.ARN)
	}
	if got.Subject != "sub-7" || got.Audience != wiAudience || got.Provider != "login.example.org/realm" {
		t.Errorf("subject %q audience %q provider %q", got.Subject, got.Audience, got.Provider)
	}
	cr := got.Credentials
	if cr.AccessKeyID == "" || cr.SecretAccessKey == "" || cr.SessionToken == "" {
		t.Errorf("incomplete credentials %+v", cr)
	}
	if d := cr.Expiration.Sub(start); d < 2*time.Hour-time.Minute || d > 2*time.Hour+time.Minute {
		t.Errorf("expiration in %v, want 2h", d)
	}
	if len(spy.auth) != 1 || spy.auth[0] != "" {
		t.Errorf("request carried credentials: %q", spy.auth)
	}
	if n := s.Count("AssumeRoleWithWebIdentity"); n != 1 {
		t.Errorf("%d calls", n)
	}

	// The credentials work as role credentials.
	id, err := (&Client{URL: u, Region: "eu-west-1", Credentials: static(cr.AccessKeyID, cr.SecretAccessKey, cr.SessionToken)}).
		GetCallerIdentity(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if id.ARN != got.ARN || id.Account != "123456789012" {
		t.Errorf("identity %+v", id)
	}

	// Without a duration, none is sent and STS gives one hour.
	got, err = (&Client{URL: u, Region: "eu-west-1"}).AssumeRoleWithWebIdentity(context.Background(),
		WebIdentityInput{RoleARN: wiRole, SessionName: "s2", Token: token})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(got.Credentials.Expiration); d < 59*time.Minute || d > time.Hour {
		t.Errorf("expiration in %v, want 1h", d)
	}
}

func TestAssumeRoleWithWebIdentityErrors(t *testing.T) {
	key := wiKey(t)
	s, u := wiServer(t, key)
	c := &Client{URL: u, Region: "eu-west-1", Attempts: 3}
	good := wiToken(t, key, wiAudience, time.Now().Add(time.Hour))
	for _, tc := range []struct {
		name   string
		in     WebIdentityInput
		status int
		code   string
		msg    string
	}{
		{"wrong audience", WebIdentityInput{RoleARN: wiRole, SessionName: "s1", Token: wiToken(t, key, "other", time.Now().Add(time.Hour))},
			400, "InvalidIdentityToken", "Incorrect token audience"},
		{"expired", WebIdentityInput{RoleARN: wiRole, SessionName: "s1", Token: wiToken(t, key, wiAudience, time.Now().Add(-time.Minute))},
			400, "ExpiredTokenException", "Token expired"},
		{"other key", WebIdentityInput{RoleARN: wiRole, SessionName: "s1", Token: wiToken(t, wiKey(t), wiAudience, time.Now().Add(time.Hour))},
			400, "InvalidIdentityToken", "could not be validated"},
		{"role does not trust the issuer", WebIdentityInput{RoleARN: "arn:aws:iam::123456789012:role/no-web", SessionName: "s1", Token: good},
			403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"},
		{"duration too short", WebIdentityInput{RoleARN: wiRole, SessionName: "s1", Token: good, Duration: time.Minute},
			400, "ValidationError", "greater than or equal to 900"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.ResetCounts()
			got, err := c.AssumeRoleWithWebIdentity(context.Background(), tc.in)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, %v; want an STS error", got, err)
			}
			if e.Status != tc.status || e.Code != tc.code || !strings.Contains(e.Message, tc.msg) {
				t.Errorf("got %d %s %q, want %d %s containing %q", e.Status, e.Code, e.Message, tc.status, tc.code, tc.msg)
			}
			if strings.Contains(err.Error(), tc.in.Token) {
				t.Error("error contains the token")
			}
			if n := s.Count("AssumeRoleWithWebIdentity"); n != 1 {
				t.Errorf("%d calls, want 1 (client errors are not retried)", n)
			}
		})
	}
}
