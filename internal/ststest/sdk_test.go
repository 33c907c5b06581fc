package ststest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
)

// listen starts s and closes it at the end of the test.
func listen(t *testing.T, s *Server) string {
	t.Helper()
	url, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return url
}

// client returns an SDK STS client for url signing with c; attempts is the
// SDK's maximum number of attempts.
func client(url string, c aws.Credentials, attempts int) *sts.Client {
	return sts.New(sts.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials: aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return c, nil
		})),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		}),
	})
}

func fromSTS(c *types.Credentials) aws.Credentials {
	return aws.Credentials{
		AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken: aws.ToString(c.SessionToken),
	}
}

// expectAPIError checks that err is an STS error with that code and a
// message containing msg.
func expectAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("got %s: %q, want %s containing %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

// otherCode returns a 6-digit code valid at none of the steps around t.
func otherCode(u *User, t time.Time) string {
	valid := map[string]bool{}
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		valid[u.Code(t.Add(d))] = true
	}
	for i := 0; ; i++ {
		if c := fmt.Sprintf("%06d", i); !valid[c] {
			return c
		}
	}
}

func TestSDKGetSessionToken(t *testing.T) {
	s, clk := newClockedServer()
	url := listen(t, s)
	u := s.AddUser("alice", true)
	c := countingClient{client(url, userCreds(u), 1), new(int)}
	ctx := context.Background()
	now := clk.Now()

	_, err := c.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: &u.MFASerial, TokenCode: aws.String(otherCode(u, now))})
	expectAPIError(t, err, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.")

	code := u.Code(now)
	out, err := c.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: &u.MFASerial, TokenCode: &code})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToTime(out.Credentials.Expiration), now.Add(12*time.Hour); !got.Equal(want) {
		t.Errorf("expiration %v, want %v (default 43200 s)", got, want)
	}
	_, err = c.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: &u.MFASerial, TokenCode: &code})
	expectAPIError(t, err, "AccessDenied", "invalid MFA one time pass code")

	// The previous step's code is still accepted once; two steps back is not.
	prev := u.Code(now.Add(-30 * time.Second))
	if _, err := c.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: &u.MFASerial, TokenCode: &prev}); err != nil {
		t.Errorf("previous step's code refused: %v", err)
	}
	if old := u.Code(now.Add(-60 * time.Second)); old != code && old != prev {
		_, err = c.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: &u.MFASerial, TokenCode: &old})
		expectAPIError(t, err, "AccessDenied", "invalid MFA one time pass code")
	}

	_, err = c.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: &u.MFASerial, TokenCode: aws.String("12345")})
	expectAPIError(t, err, "ValidationError", "Value at 'tokenCode' failed to satisfy constraint: Member must have length greater than or equal to 6")
	_, err = c.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: &u.MFASerial, TokenCode: aws.String("12345a")})
	expectAPIError(t, err, "ValidationError", `Member must satisfy regular expression pattern: [\d]*`)
	_, err = c.GetSessionToken(ctx, &sts.GetSessionTokenInput{
		SerialNumber: aws.String("arn:aws:iam::123456789012:mfa/mallory"), TokenCode: aws.String(u.Code(now.Add(30 * time.Second))),
	})
	expectAPIError(t, err, "AccessDenied", "MultiFactorAuthentication failed")

	for _, d := range []int32{899, 129601} {
		_, err = c.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(d)})
		expectAPIError(t, err, "ValidationError", "at 'durationSeconds' failed to satisfy constraint")
	}
	long, err := c.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(129600)})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToTime(long.Credentials.Expiration); !got.Equal(now.Add(36 * time.Hour)) {
		t.Errorf("expiration %v, want now+36h", got)
	}

	sc := countingClient{client(url, fromSTS(out.Credentials), 1), c.calls}
	_, err = sc.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	expectAPIError(t, err, "AccessDenied", "Cannot call GetSessionToken with session credentials")
	id, err := sc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Arn) != u.ARN || aws.ToString(id.Account) != DefaultAccountID {
		t.Errorf("session identity %s %s, want %s", aws.ToString(id.Arn), aws.ToString(id.Account), u.ARN)
	}
	// Refused requests are counted too.
	if got := s.Count("GetSessionToken"); got != *c.calls {
		t.Errorf("Count(GetSessionToken) = %d, want %d", got, *c.calls)
	}
}

// countingClient counts its GetSessionToken calls.
type countingClient struct {
	*sts.Client
	calls *int
}

func (c countingClient) GetSessionToken(ctx context.Context, in *sts.GetSessionTokenInput, opts ...func(*sts.Options)) (*sts.GetSessionTokenOutput, error) {
	*c.calls++
	return c.Client.GetSessionToken(ctx, in, opts...)
}

func TestSDKAssumeRole(t *testing.T) {
	s, clk := newClockedServer()
	url := listen(t, s)
	u := s.AddUser("alice", true)
	plain := "arn:aws:iam::123456789012:role/plain"
	long := "arn:aws:iam::123456789012:role/team/long"
	mfaRole := "arn:aws:iam::123456789012:role/admin"
	ext := "arn:aws:iam::210987654321:role/partner"
	s.AddRole(Role{ARN: plain})
	s.AddRole(Role{ARN: long, MaxSessionDuration: 4 * time.Hour})
	s.AddRole(Role{ARN: mfaRole, MaxSessionDuration: 12 * time.Hour, RequireMFA: true})
	s.AddRole(Role{ARN: ext, ExternalID: "ext-123"})
	c := client(url, userCreds(u), 1)
	ctx := context.Background()
	now := clk.Now()
	assume := func(c *sts.Client, in sts.AssumeRoleInput) (*sts.AssumeRoleOutput, error) {
		if in.RoleSessionName == nil {
			in.RoleSessionName = aws.String("sess")
		}
		return c.AssumeRole(ctx, &in)
	}

	out, err := assume(c, sts.AssumeRoleInput{RoleArn: &plain, RoleSessionName: aws.String("s1@x")})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.AssumedRoleUser.Arn); got != "arn:aws:sts::123456789012:assumed-role/plain/s1@x" {
		t.Errorf("assumed role ARN %s", got)
	}
	if rid := aws.ToString(out.AssumedRoleUser.AssumedRoleId); !strings.HasPrefix(rid, "AROA") || !strings.HasSuffix(rid, ":s1@x") {
		t.Errorf("assumed role id %s", rid)
	}
	if got := aws.ToTime(out.Credentials.Expiration); !got.Equal(now.Add(time.Hour)) {
		t.Errorf("expiration %v, want now+1h", got)
	}
	roleClient := client(url, fromSTS(out.Credentials), 1)
	id, err := roleClient.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Arn) != aws.ToString(out.AssumedRoleUser.Arn) || aws.ToString(id.UserId) != aws.ToString(out.AssumedRoleUser.AssumedRoleId) {
		t.Errorf("role identity %s %s", aws.ToString(id.Arn), aws.ToString(id.UserId))
	}

	_, err = assume(c, sts.AssumeRoleInput{RoleArn: &plain, DurationSeconds: aws.Int32(7200)})
	expectAPIError(t, err, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	_, err = assume(c, sts.AssumeRoleInput{RoleArn: &plain, DurationSeconds: aws.Int32(43201)})
	expectAPIError(t, err, "ValidationError", "Member must have value less than or equal to 43200")
	lo, err := assume(c, sts.AssumeRoleInput{RoleArn: &long, DurationSeconds: aws.Int32(7200)})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(lo.AssumedRoleUser.Arn); got != "arn:aws:sts::123456789012:assumed-role/long/sess" {
		t.Errorf("role with a path: assumed role ARN %s", got)
	}

	// Role chaining is limited to one hour.
	_, err = assume(roleClient, sts.AssumeRoleInput{RoleArn: &long, DurationSeconds: aws.Int32(7200)})
	expectAPIError(t, err, "ValidationError", "1 hour session limit for roles assumed by role chaining")
	if _, err = assume(roleClient, sts.AssumeRoleInput{RoleArn: &long, DurationSeconds: aws.Int32(3600)}); err != nil {
		t.Errorf("chained AssumeRole for 1h: %v", err)
	}

	_, err = assume(c, sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/nope")})
	expectAPIError(t, err, "AccessDenied", "User: "+u.ARN+" is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/nope")
	_, err = assume(c, sts.AssumeRoleInput{RoleArn: &plain, RoleSessionName: aws.String("a b")})
	expectAPIError(t, err, "ValidationError", "at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern")

	// ExternalId.
	_, err = assume(c, sts.AssumeRoleInput{RoleArn: &ext})
	expectAPIError(t, err, "AccessDenied", "not authorized")
	_, err = assume(c, sts.AssumeRoleInput{RoleArn: &ext, ExternalId: aws.String("ext-999")})
	expectAPIError(t, err, "AccessDenied", "not authorized")
	eo, err := assume(c, sts.AssumeRoleInput{RoleArn: &ext, ExternalId: aws.String("ext-123")})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(eo.AssumedRoleUser.Arn); !strings.HasPrefix(got, "arn:aws:sts::210987654321:assumed-role/partner/") {
		t.Errorf("cross-account assumed role ARN %s", got)
	}

	// A role that requires MFA.
	_, err = assume(c, sts.AssumeRoleInput{RoleArn: &mfaRole})
	expectAPIError(t, err, "AccessDenied", "not authorized to perform: sts:AssumeRole on resource: "+mfaRole)
	_, err = assume(c, sts.AssumeRoleInput{RoleArn: &mfaRole, SerialNumber: &u.MFASerial, TokenCode: aws.String(otherCode(u, now))})
	expectAPIError(t, err, "AccessDenied", "invalid MFA one time pass code")
	mo, err := assume(c, sts.AssumeRoleInput{RoleArn: &mfaRole, SerialNumber: &u.MFASerial, TokenCode: aws.String(u.Code(now)), DurationSeconds: aws.Int32(43200)})
	if err != nil {
		t.Fatal(err)
	}
	// Chained from an MFA-authenticated role session: MFA carries over.
	if _, err := assume(client(url, fromSTS(mo.Credentials), 1), sts.AssumeRoleInput{RoleArn: &mfaRole}); err != nil {
		t.Errorf("chained from an MFA role session: %v", err)
	}
	plainSession, err := c.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = assume(client(url, fromSTS(plainSession.Credentials), 1), sts.AssumeRoleInput{RoleArn: &mfaRole})
	expectAPIError(t, err, "AccessDenied", "not authorized")
	mfaSession, err := c.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: &u.MFASerial, TokenCode: aws.String(u.Code(now.Add(30 * time.Second)))})
	if err != nil {
		t.Fatal(err)
	}
	// STS counts a role assumed with GetSessionToken credentials as role
	// chaining too (aws-vault#263, aws-runas#11): at most one hour.
	_, err = assume(client(url, fromSTS(mfaSession.Credentials), 1), sts.AssumeRoleInput{RoleArn: &mfaRole, DurationSeconds: aws.Int32(7200)})
	expectAPIError(t, err, "ValidationError", "1 hour session limit for roles assumed by role chaining")
	if _, err := assume(client(url, fromSTS(mfaSession.Credentials), 1), sts.AssumeRoleInput{RoleArn: &mfaRole, DurationSeconds: aws.Int32(3600)}); err != nil {
		t.Errorf("AssumeRole for 1h with an MFA session: %v", err)
	}
}

func TestSDKGetFederationToken(t *testing.T) {
	s, clk := newClockedServer()
	url := listen(t, s)
	u := s.AddUser("alice", false)
	s.AddRole(Role{ARN: "arn:aws:iam::123456789012:role/plain"})
	c := client(url, userCreds(u), 1)
	ctx := context.Background()

	out, err := c.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("bob"), Policy: aws.String(`{"Version":"2012-10-17"}`)})
	if err != nil {
		t.Fatal(err)
	}
	wantARN := "arn:aws:sts::123456789012:federated-user/bob"
	if aws.ToString(out.FederatedUser.Arn) != wantARN || aws.ToString(out.FederatedUser.FederatedUserId) != "123456789012:bob" {
		t.Errorf("federated user %+v", out.FederatedUser)
	}
	if got := aws.ToTime(out.Credentials.Expiration); !got.Equal(clk.Now().Add(12 * time.Hour)) {
		t.Errorf("expiration %v, want now+12h", got)
	}
	fc := client(url, fromSTS(out.Credentials), 1)
	id, err := fc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Arn) != wantARN {
		t.Errorf("federated identity %s, want %s", aws.ToString(id.Arn), wantARN)
	}
	_, err = fc.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("carol")})
	expectAPIError(t, err, "AccessDenied", "Cannot call GetFederationToken with session credentials")
	_, err = fc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/plain"), RoleSessionName: aws.String("x1")})
	expectAPIError(t, err, "AccessDenied", "User: "+wantARN+" is not authorized")
	_, err = c.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("b")})
	expectAPIError(t, err, "ValidationError", "Value 'b' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 2")
	_, err = c.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("bob"), Policy: aws.String("{not json")})
	expectAPIError(t, err, "MalformedPolicyDocument", "")
}

func TestSDKUnknownAction(t *testing.T) {
	s := New()
	url := listen(t, s)
	c := client(url, aws.Credentials{}, 1)
	_, err := c.DecodeAuthorizationMessage(context.Background(), &sts.DecodeAuthorizationMessageInput{
		EncodedMessage: aws.String(strings.Repeat("x", 8)),
	})
	expectAPIError(t, err, "InvalidAction", "Could not find operation DecodeAuthorizationMessage for version 2011-06-15")
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &re) || re.HTTPStatusCode() != 400 {
		t.Errorf("want HTTP 400, got %v", err)
	}
	if s.Count("DecodeAuthorizationMessage") != 1 || s.Total() != 1 {
		t.Errorf("counts %d %d, want 1 1", s.Count("DecodeAuthorizationMessage"), s.Total())
	}
	s.ResetCounts()
	if s.Count("DecodeAuthorizationMessage") != 0 || s.Total() != 0 {
		t.Error("ResetCounts did not reset")
	}
}

func TestSDKClockSkewAndExpiry(t *testing.T) {
	s, clk := newClockedServer()
	url := listen(t, s)
	u := s.AddUser("alice", false)
	ctx := context.Background()
	sess, err := client(url, userCreds(u), 1).GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Hour)
	// Without retries the skewed signature is refused...
	_, err = client(url, userCreds(u), 1).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	expectAPIError(t, err, "SignatureDoesNotMatch", "Signature expired")
	// ...and the SDK corrects its clock from our Date header and retries.
	s.ResetCounts()
	if _, err := client(url, userCreds(u), 3).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("after clock skew correction: %v", err)
	}
	if got := s.Count("GetCallerIdentity"); got != 2 {
		t.Errorf("%d attempts, want 2", got)
	}
	_, err = client(url, fromSTS(sess.Credentials), 3).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	expectAPIError(t, err, "ExpiredToken", "The security token included in the request is expired")
}

func TestSDKDelay(t *testing.T) {
	s := New()
	url := listen(t, s)
	u := s.AddUser("alice", false)
	c := client(url, userCreds(u), 1)
	// The delay outlasts the test's limits: only the deadline, and then
	// Close, end the requests in time.
	s.SetDelay(time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a deadline error, got %v", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("request took %v", d)
	}
	if s.Count("GetSessionToken") != 1 {
		t.Errorf("count %d, want 1", s.Count("GetSessionToken"))
	}

	// Close ends requests that are still being delayed.
	done := make(chan error, 1)
	go func() {
		_, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		done <- err
	}()
	for s.Count("GetCallerIdentity") == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	start = time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Error("delayed request succeeded after Close")
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("Close took %v", d)
	}
	if s.URL() != "" {
		t.Errorf("URL after Close = %q", s.URL())
	}

	s.SetDelay(0)
	url, err = s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client(url, userCreds(u), 1).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("after re-Listen: %v", err)
	}
}

func TestSDKConcurrentUse(t *testing.T) {
	s := New()
	url := listen(t, s)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 8 {
		u := s.AddUser(fmt.Sprintf("user%d", i), false)
		wg.Go(func() {
			c := client(url, userCreds(u), 1)
			for range 3 {
				out, err := c.GetSessionToken(context.Background(), &sts.GetSessionTokenInput{})
				if err != nil {
					errs <- err
					return
				}
				id, err := client(url, fromSTS(out.Credentials), 1).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
				if err != nil {
					errs <- err
					return
				}
				if aws.ToString(id.Arn) != u.ARN {
					errs <- fmt.Errorf("identity %s, want %s", aws.ToString(id.Arn), u.ARN)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if s.Total() != 48 {
		t.Errorf("Total = %d, want 48", s.Total())
	}
}
