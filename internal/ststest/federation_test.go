package ststest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// noRedirect is an HTTP client that returns redirects instead of following them.
var noRedirect = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       10 * time.Second,
}

func sessionParam(c aws.Credentials) string {
	b, _ := json.Marshal(map[string]string{
		"sessionId": c.AccessKeyID, "sessionKey": c.SecretAccessKey, "sessionToken": c.SessionToken,
	})
	return string(b)
}

// fedGet calls /federation with q and returns the status, Location and body.
func fedGet(t *testing.T, base string, q url.Values) (int, string, string) {
	t.Helper()
	resp, err := noRedirect.Get(base + "/federation?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// getSigninToken asks for a sign-in token; duration "" leaves SessionDuration out.
func getSigninToken(t *testing.T, base string, c aws.Credentials, duration string) (int, string) {
	t.Helper()
	q := url.Values{"Action": {"getSigninToken"}, "Session": {sessionParam(c)}}
	if duration != "" {
		q.Set("SessionDuration", duration)
	}
	status, _, body := fedGet(t, base, q)
	if status != http.StatusOK {
		return status, ""
	}
	var out struct{ SigninToken string }
	if err := json.Unmarshal([]byte(body), &out); err != nil || out.SigninToken == "" {
		t.Fatalf("getSigninToken body %q: %v", body, err)
	}
	return status, out.SigninToken
}

func TestFederation(t *testing.T) {
	s, clk := newClockedServer()
	base := listen(t, s)
	u := s.AddUser("alice", false)
	roleARN := "arn:aws:iam::123456789012:role/console"
	s.AddRole(Role{ARN: roleARN, MaxSessionDuration: 12 * time.Hour})
	s.AddRole(Role{ARN: "arn:aws:iam::123456789012:role/other"})
	ctx := context.Background()
	uc := client(base, userCreds(u), 1)

	ro, err := uc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: &roleARN, RoleSessionName: aws.String("web")})
	if err != nil {
		t.Fatal(err)
	}
	role := fromSTS(ro.Credentials)
	co, err := client(base, role, 1).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/other"), RoleSessionName: aws.String("web2")})
	if err != nil {
		t.Fatal(err)
	}
	chained := fromSTS(co.Credentials)
	so, err := uc.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	fo, err := uc.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	fed := fromSTS(fo.Credentials)
	wrong := role
	wrong.SecretAccessKey = strings.Repeat("x", 40)

	tests := []struct {
		name     string
		creds    aws.Credentials
		duration string
		status   int
	}{
		{"role", role, "", 200},
		{"role with SessionDuration", role, "43200", 200},
		{"SessionDuration too short", role, "899", 400},
		{"SessionDuration too long", role, "43201", 400},
		{"SessionDuration not a number", role, "1h", 400},
		{"chained role", chained, "", 200},
		{"chained role with SessionDuration", chained, "3600", 400},
		{"federated user", fed, "", 200},
		{"federated user with SessionDuration", fed, "3600", 400},
		{"GetSessionToken credentials", fromSTS(so.Credentials), "", 400},
		{"long-lived keys", userCreds(u), "", 400},
		{"wrong secret", wrong, "", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, _ := getSigninToken(t, base, tt.creds, tt.duration); status != tt.status {
				t.Errorf("status %d, want %d", status, tt.status)
			}
		})
	}
	if status, _, _ := fedGet(t, base, url.Values{"Action": {"getSigninToken"}, "Session": {"{not json"}}); status != 400 {
		t.Errorf("malformed Session: status %d, want 400", status)
	}
	if s.Count("getSigninToken") != len(tests)+1 {
		t.Errorf("Count(getSigninToken) = %d, want %d", s.Count("getSigninToken"), len(tests)+1)
	}

	// POST works as well.
	resp, err := noRedirect.PostForm(base+"/federation", url.Values{"Action": {"getSigninToken"}, "Session": {sessionParam(fed)}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("POST getSigninToken: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	// login redirects once per token.
	_, token := getSigninToken(t, base, role, "3600")
	dest := "https://console.aws.amazon.com/console/home?region=eu-west-1"
	login := func(token, dest string) (int, string) {
		status, loc, _ := fedGet(t, base, url.Values{"Action": {"login"}, "Issuer": {"https://example.com"}, "Destination": {dest}, "SigninToken": {token}})
		return status, loc
	}
	if status, loc := login(token, "/relative"); status != 400 || loc != "" {
		t.Errorf("relative destination: %d %q", status, loc)
	}
	if status, loc := login(token, dest); status != http.StatusFound || loc != dest {
		t.Errorf("login: %d %q, want 302 to %s", status, loc, dest)
	}
	if status, _ := login(token, dest); status != 400 {
		t.Errorf("second login with the same token: %d, want 400", status)
	}
	if status, _ := login("bogus", dest); status != 400 {
		t.Errorf("unknown token: %d, want 400", status)
	}
	logins := s.Logins()
	if len(logins) != 1 || s.SigninSessions() != 1 {
		t.Fatalf("logins %+v", logins)
	}
	if l := logins[0]; l.ARN != aws.ToString(ro.AssumedRoleUser.Arn) || l.Destination != dest || l.SessionDuration != time.Hour || l.Issuer != "https://example.com" {
		t.Errorf("login record %+v", l)
	}

	// A sign-in token lasts 15 minutes.
	_, token = getSigninToken(t, base, fed, "")
	clk.Add(16 * time.Minute)
	if status, _ := login(token, dest); status != 400 {
		t.Errorf("16-minute-old token: %d, want 400", status)
	}
	// Expired credentials get no token.
	clk.Add(time.Hour)
	if status, _ := getSigninToken(t, base, chained, ""); status != 400 {
		t.Errorf("expired credentials: %d, want 400", status)
	}
	if status, _, _ := fedGet(t, base, url.Values{"Action": {"bogus"}}); status != 400 {
		t.Errorf("unknown action: %d, want 400", status)
	}
	if s.Count("login") != 5 || s.Count("bogus") != 1 {
		t.Errorf("Count(login) = %d, Count(bogus) = %d; want 5, 1", s.Count("login"), s.Count("bogus"))
	}
}
