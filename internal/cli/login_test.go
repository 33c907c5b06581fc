package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/awsenv/awsenv/internal/xerr"
)

func TestLoginOptions(t *testing.T) {
	io, _, _ := fakeIO(t)
	var got loginOptions
	record := func(_ context.Context, _ *run, o loginOptions) error { got = o; return nil }
	if err := parse(t, io, loginCommand(io, record), "--remote", "--region", "eu-west-1", "dev"); err != nil {
		t.Fatal(err)
	}
	if got.Name != "dev" || !got.Remote || got.Region != "eu-west-1" {
		t.Errorf("options %+v", got)
	}
	if err := parse(t, io, loginCommand(io, record), "a", "b"); err == nil {
		t.Error("two names: no usage error")
	}
	got = loginOptions{}
	if err := parse(t, io, logoutCommand(io, record)); err != nil || got.Name != "" {
		t.Errorf("logout without NAME: %v %+v", err, got)
	}
}

func TestRunLogoutOverFakeIO(t *testing.T) {
	io, out, _ := fakeIO(t)
	err := runLogout(context.Background(), newRun(io), loginOptions{Name: "dev"})
	if err == nil || !strings.Contains(err.Error(), `profile "dev" in `) || !strings.Contains(err.Error(), "has no login_session") || out.Len() != 0 {
		t.Fatalf("logout of a missing profile: %v, stdout %q", err, out)
	}
	// The accounts file's names come first: no login into one of them.
	err = runLogin(context.Background(), newRun(io), loginOptions{Name: "work"})
	if err == nil || !strings.Contains(err.Error(), "account of the accounts file") || xerr.KindOf(err) == xerr.Usage {
		t.Fatalf("login work: %v", err)
	}
}
