package ststest

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestShortLifetime(t *testing.T) {
	s, clk := newClockedServer()
	url := listen(t, s)
	u := s.AddUser("alice", false)
	role := "arn:aws:iam::123456789012:role/short"
	s.AddRole(Role{ARN: role})
	ctx := context.Background()
	keys := client(url, userCreds(u), 1)
	s.SetLifetime(5 * time.Second)
	if s.Lifetime() != 5*time.Second {
		t.Fatalf("Lifetime() = %s", s.Lifetime())
	}

	// STS's own bounds still hold for DurationSeconds.
	_, err := keys.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(899)})
	expectAPIError(t, err, "ValidationError", "durationSeconds")

	want := clk.Now().Add(5 * time.Second)
	ar, err := keys.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	gs, err := keys.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	ft, err := keys.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("fed")})
	if err != nil {
		t.Fatal(err)
	}
	for name, exp := range map[string]*time.Time{
		"AssumeRole": ar.Credentials.Expiration, "GetSessionToken": gs.Credentials.Expiration,
		"GetFederationToken": ft.Credentials.Expiration,
	} {
		if !aws.ToTime(exp).Equal(want) {
			t.Errorf("%s Expiration %s, want %s", name, aws.ToTime(exp), want)
		}
	}

	// Valid until the reported second, refused from it on, and counted.
	roleCreds := fromSTS(ar.Credentials)
	clk.Add(4 * time.Second)
	if _, err := client(url, roleCreds, 1).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	if n := s.ExpiredCalls(); n != 0 {
		t.Fatalf("ExpiredCalls() = %d before expiry", n)
	}
	clk.Add(time.Second)
	for _, c := range []aws.Credentials{roleCreds, fromSTS(gs.Credentials), fromSTS(ft.Credentials)} {
		_, err := client(url, c, 1).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		expectAPIError(t, err, "ExpiredToken", "expired")
	}
	if status, _ := getSigninToken(t, url, fromSTS(ft.Credentials), ""); status != 400 {
		t.Errorf("getSigninToken with expired credentials: %d, want 400", status)
	}
	if n := s.ExpiredCalls(); n != 4 {
		t.Errorf("ExpiredCalls() = %d, want 4", n)
	}
	// A wrong key is not an expired one.
	bogus := roleCreds
	bogus.SessionToken = "bogus"
	_, err = client(url, bogus, 1).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	expectAPIError(t, err, "InvalidClientTokenId", "invalid")
	if n := s.ExpiredCalls(); n != 4 {
		t.Errorf("ExpiredCalls() = %d after an unknown token, want 4", n)
	}
	s.ResetCounts()
	if n := s.ExpiredCalls(); n != 0 {
		t.Errorf("ExpiredCalls() = %d after ResetCounts", n)
	}

	// A lifetime longer than asked changes nothing; zero turns it off.
	s.SetLifetime(2 * time.Hour)
	gs, err = keys.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToTime(gs.Credentials.Expiration), clk.Now().Add(900*time.Second); !got.Equal(want) {
		t.Errorf("with a longer lifetime: Expiration %s, want %s", got, want)
	}
	s.SetLifetime(0)
	gs, err = keys.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToTime(gs.Credentials.Expiration), clk.Now().Add(12*time.Hour); !got.Equal(want) {
		t.Errorf("with the override off: Expiration %s, want %s", got, want)
	}
}

func TestShortLifetimeWebIdentity(t *testing.T) {
	s, clk := webIdentityServer(t)
	s.SetLifetime(3 * time.Second)
	var out webIdentityResponse
	expectOK(t, serve(s, webIdentityRequest(webParams(signJWT(t, testRSAKey(), "k1", idClaims(clk.Now()))))), &out)
	if got, want := out.Result.Credentials.Expiration, clk.Now().Add(3*time.Second).UTC().Format(isoFormat); got != want {
		t.Errorf("Expiration %s, want %s", got, want)
	}
	c := out.Result.Credentials
	creds := aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	clk.Add(3 * time.Second)
	expectError(t, serve(s, stsCall(t, callerIdentityBody, creds, clk.Now())), 403, "ExpiredToken")
	if n := s.ExpiredCalls(); n != 1 {
		t.Errorf("ExpiredCalls() = %d, want 1", n)
	}
}

// With the real clock: the credentials really stop working.
func TestShortLifetimeRealClock(t *testing.T) {
	s := New()
	url := listen(t, s)
	u := s.AddUser("alice", false)
	s.SetLifetime(2 * time.Second)
	ctx := context.Background()
	gs, err := client(url, userCreds(u), 1).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	exp := aws.ToTime(gs.Credentials.Expiration)
	if left := time.Until(exp); left <= 0 || left > 2*time.Second {
		t.Fatalf("%s left, want (0, 2s]", left)
	}
	time.Sleep(time.Until(exp) + 10*time.Millisecond)
	_, err = client(url, fromSTS(gs.Credentials), 1).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	expectAPIError(t, err, "ExpiredToken", "expired")
	if s.ExpiredCalls() != 1 {
		t.Errorf("ExpiredCalls() = %d, want 1", s.ExpiredCalls())
	}
}
