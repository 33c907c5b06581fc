package console

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestEndpoint(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	for part, want := range map[string]string{
		"aws":        "https://signin.aws.amazon.com/federation",
		"aws-us-gov": "https://signin.amazonaws-us-gov.com/federation",
		"aws-cn":     "https://signin.amazonaws.cn/federation",
	} {
		if got, _ := Endpoint(part, getenv); got != want {
			t.Errorf("%s: %s, want %s", part, got, want)
		}
	}
	env["AWSENV_SIGNIN_URL"] = "http://127.0.0.1:9"
	if got, _ := Endpoint("aws", getenv); got != "http://127.0.0.1:9/federation" {
		t.Errorf("override: %s", got)
	}
	env["AWSENV_SIGNIN_URL"] = "ftp://x"
	if _, err := Endpoint("aws", getenv); err == nil {
		t.Error("ftp URL accepted")
	}
	if got := DefaultDestination("aws-cn", "cn-north-1"); got != "https://console.amazonaws.cn/console/home?region=cn-north-1" {
		t.Errorf("destination %s", got)
	}
}

func TestLink(t *testing.T) {
	var got url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		got = r.PostForm
		if r.PostForm.Get("Session") == "" || r.URL.RawQuery != "" {
			http.Error(w, "Invalid credentials parameter", http.StatusBadRequest)
			return
		}
		if strings.Contains(r.PostForm.Get("Session"), "REFUSE") {
			http.Error(w, "Invalid credentials parameter", http.StatusBadRequest)
			return
		}
		w.Write([]byte(`{"SigninToken":"tok123"}`))
	}))
	defer srv.Close()
	r := Request{Endpoint: srv.URL + "/federation", AccessKeyID: "ASIA1", SecretAccessKey: "sec", SessionToken: "t",
		SessionDuration: time.Hour, Issuer: "awsenv", Destination: "https://console.aws.amazon.com/"}
	link, err := Link(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if got.Get("Action") != "getSigninToken" || got.Get("SessionDuration") != "3600" || !strings.Contains(got.Get("Session"), `"sessionKey":"sec"`) {
		t.Errorf("request %v", got)
	}
	u, _ := url.Parse(link)
	q := u.Query()
	if q.Get("Action") != "login" || q.Get("SigninToken") != "tok123" || q.Get("Destination") != r.Destination || q.Get("Issuer") != "awsenv" {
		t.Errorf("link %s", link)
	}
	if strings.Contains(link, "sec") {
		t.Error("the link holds the secret key")
	}
	r.SessionDuration = 0
	r.AccessKeyID = "REFUSE"
	_, err = Link(context.Background(), r)
	if err == nil || !strings.Contains(err.Error(), "refused the credentials (400 Invalid credentials parameter)") || strings.Contains(err.Error(), "sec") {
		t.Errorf("refusal: %v", err)
	}
	if got.Has("SessionDuration") {
		t.Error("SessionDuration sent when not asked")
	}
}
