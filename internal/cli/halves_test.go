package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/render"
)

// fakeIO is a command's world in a test: buffers for its streams, and the
// environment of a setup in a temporary folder with one account, work.
func fakeIO(t *testing.T) (*IO, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	home := t.TempDir()
	dir := filepath.Join(home, "aws-creds")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"accounts.json":   `{"work": {"arn": "arn:aws:iam::123456789012:", "region": "eu-west-1"}}`,
		"work.access_key": "AKIAWORKWORKWORK0001\n",
		"work.secret_key": "worksecretworksecretworksecret\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"HOME": home, "USER": "tester", "SHELL": "/bin/bash",
		"AWS_CONFIG_FILE": filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "credentials")}
	var out, errs bytes.Buffer
	return &IO{In: strings.NewReader(""), Out: &out, Err: &errs, Getenv: func(k string) string { return env[k] },
		Environ: func() []string { return nil }, Now: time.Now}, &out, &errs
}

// parse runs a command line through cmd's flag parsing only.
func parse(t *testing.T, io *IO, cmd *cli.Command, args ...string) error {
	t.Helper()
	app := &cli.App{Name: "awsenv", Commands: []*cli.Command{cmd}, Writer: io.Out, ErrWriter: io.Err,
		ExitErrHandler: func(*cli.Context, error) {}}
	return app.RunContext(context.Background(), append([]string{"awsenv", cmd.Name}, args...))
}

func TestSwitchOptions(t *testing.T) {
	io, _, _ := fakeIO(t)
	var got switchOptions
	record := func(_ context.Context, _ *run, o switchOptions) error { got = o; return nil }
	if err := parse(t, io, switchCommand(io, record), "--shell", "fish", "--min-ttl", "0", "--serve", "work"); err != nil {
		t.Fatal(err)
	}
	if got.Name != "work" || got.Shell != render.Fish || got.MinTTL != 0 || !got.Serve || got.Timeout != 30*time.Second {
		t.Errorf("options %+v", got)
	}
	for _, bad := range [][]string{{"a", "b"}, {"--shell", "tcsh", "work"}, {"--timeout", "soon", "work"}, {"--min-ttl", "-1h", "work"}} {
		if err := parse(t, io, switchCommand(io, record), bad...); err == nil {
			t.Errorf("%q: no usage error", bad)
		}
	}
}

func TestRunSwitchOverFakeIO(t *testing.T) {
	io, out, errs := fakeIO(t)
	if err := runSwitch(context.Background(), newRun(io), switchOptions{common: common{Shell: render.POSIX, MinTTL: 5 * time.Minute}, Name: "work"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"export AWS_ACCESS_KEY_ID='AKIAWORKWORKWORK0001'", "export AWS_REGION='eu-west-1'", "export MY_AWS_SET_FOR='work'"} {
		if !strings.Contains(out.String(), want+"\n") {
			t.Errorf("stdout lacks %s:\n%s", want, out)
		}
	}
	if want := "Cache invalid or not present for account work\nSet keys for work AWS account\n"; errs.String() != want {
		t.Errorf("stderr %q, want %q", errs, want)
	}

	// An unknown name: an error, and nothing for eval.
	io, out, _ = fakeIO(t)
	if err := runSwitch(context.Background(), newRun(io), switchOptions{common: common{Shell: render.POSIX}, Name: "wrok"}); err == nil || !strings.Contains(err.Error(), "work") {
		t.Errorf("unknown name: %v, want an error that suggests work", err)
	}
	if out.Len() != 0 {
		t.Errorf("stdout after a failure: %q", out)
	}
}

func TestForgetHalves(t *testing.T) {
	io, _, errs := fakeIO(t)
	var got forgetOptions
	record := func(_ *run, o forgetOptions) error { got = o; return nil }
	if err := parse(t, io, forgetCommand(io, record), "--all"); err != nil || !got.All || got.Name != "" {
		t.Errorf("forget --all: %v %+v", err, got)
	}
	if err := parse(t, io, forgetCommand(io, record), "--all", "work"); err == nil {
		t.Error("forget --all work: no usage error")
	}
	if err := runForget(newRun(io), forgetOptions{Name: "work"}); err != nil {
		t.Fatal(err)
	}
	if errs.String() != "Nothing cached for account work\n" {
		t.Errorf("stderr %q", errs)
	}
	if err := runForget(newRun(io), forgetOptions{Name: "nosuch"}); err == nil {
		t.Error("forget of an unknown name succeeded")
	}
}

func TestListHalves(t *testing.T) {
	io, out, _ := fakeIO(t)
	var got listOptions
	if err := parse(t, io, listCommand(io, func(_ *run, o listOptions) error { got = o; return nil }), "--names"); err != nil || !got.Names {
		t.Errorf("list --names: %v %+v", err, got)
	}
	if err := runList(newRun(io), listOptions{Names: true}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "work\n" {
		t.Errorf("list --names printed %q", out)
	}
	out.Reset()
	if err := runList(newRun(io), listOptions{common: common{MinTTL: 5 * time.Minute}}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "ACCOUNT  ID            REGION     MFA SESSION  ROLES\nwork     123456789012  eu-west-1  none         -\n") {
		t.Errorf("list printed\n%s", out)
	}
}
