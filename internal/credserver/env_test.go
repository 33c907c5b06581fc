package credserver

import (
	"github.com/awsenv/awsenv/internal/render"

	"bytes"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestChildEnv(t *testing.T) {
	s := start(t, &fakeProvider{clock: newClock(), life: time.Hour}, Options{})
	base := []string{
		"PATH=/usr/bin", "HOME=/home/me", "AWS_REGION=eu-west-1", "AWS_ACCOUNT_ID=123456789012",
		"AWS_ACCESS_KEY_ID=AKIA", "AWS_SECRET_ACCESS_KEY=x", "AWS_SESSION_TOKEN=t", "AWS_SECURITY_TOKEN=t",
		"AWS_PROFILE=work", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/creds",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/tmp/tok", "AWS_CONTAINER_AUTHORIZATION_TOKEN=old",
		"AWS_WEB_IDENTITY_TOKEN_FILE=/tmp/jwt", "AWS_ROLE_ARN=arn:aws:iam::1:role/r",
		"AWS_CREDENTIAL_EXPIRATION=2030-01-01T00:00:00Z", "MY_AWS_SET_FOR=work-MFA-STS",
	}
	got := s.ChildEnv(base)
	want := []string{"PATH=/usr/bin", "HOME=/home/me", "AWS_REGION=eu-west-1", "AWS_ACCOUNT_ID=123456789012",
		"MY_AWS_SET_FOR=work-MFA-STS", render.ContainerURI + "=" + s.URL(), render.ContainerToken + "=" + s.Token()}
	if !slices.Equal(got, want) {
		t.Errorf("ChildEnv:\n got %q\nwant %q", got, want)
	}
}

func TestHandoff(t *testing.T) {
	s := start(t, &fakeProvider{clock: newClock(), life: time.Hour}, Options{})
	var buf bytes.Buffer
	if err := s.Handoff().Write(&buf); err != nil {
		t.Fatal(err)
	}
	if strings.Count(buf.String(), "\n") != 1 || !strings.HasSuffix(buf.String(), "\n") {
		t.Errorf("handoff is not one line: %q", buf.String())
	}
	h, err := ReadHandoff(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if h.URL != s.URL() || h.Token != s.Token() || h.PID != os.Getpid() {
		t.Errorf("read back %+v", h)
	}
	if !slices.Equal(h.Env(), s.Env()) {
		t.Errorf("Env %q, want %q", h.Env(), s.Env())
	}

	tok := s.Token()
	for _, tc := range []struct{ name, line, want string }{
		{"empty", "", "ended before"},
		{"no newline", `{"url":"` + s.URL() + `","token":"` + tok + `","pid":1}`, "ended before"},
		{"not json", "hello\n", "not a handoff line"},
		{"other host", `{"url":"http://10.0.0.1:80/credentials","token":"` + tok + `","pid":1}` + "\n", "not on 127.0.0.1"},
		{"localhost", `{"url":"http://localhost:80/credentials","token":"` + tok + `","pid":1}` + "\n", "not on 127.0.0.1"},
		{"https", `{"url":"https://127.0.0.1:80/credentials","token":"` + tok + `","pid":1}` + "\n", "not on 127.0.0.1"},
		{"other path", `{"url":"http://127.0.0.1:80/x","token":"` + tok + `","pid":1}` + "\n", "not on 127.0.0.1"},
		{"no port", `{"url":"http://127.0.0.1/credentials","token":"` + tok + `","pid":1}` + "\n", "not on 127.0.0.1"},
		{"user info", `{"url":"http://u@127.0.0.1:80/credentials","token":"` + tok + `","pid":1}` + "\n", "not on 127.0.0.1"},
		{"short token", `{"url":"http://127.0.0.1:80/credentials","token":"abc","pid":1}` + "\n", "token is malformed"},
		{"no pid", `{"url":"http://127.0.0.1:80/credentials","token":"` + tok + `"}` + "\n", "process id"},
		{"too long", strings.Repeat(" ", maxHandoff+10) + "\n", "ended before"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadHandoff(strings.NewReader(tc.line))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), tok) {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}
