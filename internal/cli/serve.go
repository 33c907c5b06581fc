package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/credserver"
	"github.com/awsenv/awsenv/internal/render"
	"github.com/awsenv/awsenv/internal/resolve"
)

// The shell-tied credential server of ec2switch NAME --serve: switch starts
// 'awsenv __serve' detached in its own session; it serves NAME's
// credentials on 127.0.0.1 and hands its URL and token back on a pipe (fd
// 3), never on a command line; it ends when the shell that asked for it
// exits, or when ec2clear or the next ec2switch stops it.

// shellPIDVar is how the wrappers tell awsenv which shell the server serves.
const shellPIDVar = "AWSENV_SHELL_PID"

func serveCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:   "__serve",
		Hidden: true,
		Flags:  append(chainFlags(), &cli.IntFlag{Name: "parent", Usage: "the shell to serve; the server ends with it"}),
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 || c.Int("parent") <= 0 {
				return usagef("__serve is started by switch --serve")
			}
			o, req, err := chainOptionsFrom(c, io, resolve.Switch)
			if err != nil {
				return err
			}
			return runServe(c.Context, newRun(io), o, c.Args().First(), req, c.Int("parent"))
		},
	}
}

func runServe(ctx context.Context, r *run, o common, name string, req resolve.Request, parent int) error {
	handoff := os.NewFile(3, "handoff")
	if handoff == nil {
		return errors.New("__serve needs the handoff pipe on fd 3")
	}
	res, err := r.resolver(o)
	if err != nil {
		return err
	}
	plan, err := res.Plan(name, req)
	if err != nil {
		return err
	}
	// Serving the MFA session: when it expires the server says so, instead
	// of falling back to the long-lived keys under the shell's tools.
	// A session no longer valid is as none: the keys are served.
	if last := plan.Last(); last.OnlyCached && res.ValidCached(last.Key) {
		plan.FallbackLabel = ""
	}
	ctx, cancel := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer cancel()
	srv, err := serve(ctx, res, plan)
	if err != nil {
		return err
	}
	defer srv.Close()
	gone, err := credserver.WatchParent(ctx, parent)
	if err != nil {
		return err
	}
	if err := srv.Handoff().Write(handoff); err != nil {
		return err
	}
	handoff.Close()
	select {
	case <-gone:
	case <-ctx.Done():
	case <-srv.Done():
	}
	return nil
}

// startServer starts the shell-tied server for name and returns where it
// listens.
func startServer(r *run, o common, name string, req resolve.Request) (credserver.Handoff, error) {
	shell, err := strconv.Atoi(r.io.Getenv(shellPIDVar))
	if err != nil || shell <= 0 {
		return credserver.Handoff{}, errors.New("--serve ties a credential server to your shell: run it as ec2switch NAME --serve (from 'awsenv init')")
	}
	args := []string{"__serve", "--parent", strconv.Itoa(shell), "--min-ttl", o.MinTTL.String(), "--timeout", o.Timeout.String()}
	for flag, v := range map[string]string{"--dir": o.Dir, "--config": o.Config, "--role": req.Role, "--session-name": req.SessionName, "--external-id": req.ExternalID} {
		if v != "" {
			args = append(args, flag, v)
		}
	}
	args = append(args, "--", name)
	pr, pw, err := os.Pipe()
	if err != nil {
		return credserver.Handoff{}, err
	}
	defer pr.Close()
	cmd := exec.Command(selfPath(), args...)
	cmd.ExtraFiles = []*os.File{pw}
	cmd.SysProcAttr = detached()
	if err := cmd.Start(); err != nil {
		pw.Close()
		return credserver.Handoff{}, fmt.Errorf("cannot start the credential server: %w", err)
	}
	pw.Close()
	type answer struct {
		h   credserver.Handoff
		err error
	}
	got := make(chan answer, 1)
	go func() {
		h, err := credserver.ReadHandoff(pr)
		got <- answer{h, err}
	}()
	select {
	case a := <-got:
		if a.err == nil && a.h.PID != cmd.Process.Pid {
			a.err = errors.New("the credential server answered for another process")
		}
		if a.err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			return credserver.Handoff{}, a.err
		}
		cmd.Process.Release()
		return a.h, nil
	case <-time.After(o.Timeout + 5*time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		return credserver.Handoff{}, errors.New("the credential server did not start in time")
	}
}

// stopServed stops the credential server this shell was switched to, if
// any, so that a second one never stays behind; it reports whether the
// shell had one (its variables are then unset).
func stopServed(r *run) bool {
	v := r.io.Getenv(render.ServerPID)
	if v == "" {
		return false
	}
	if pid, err := strconv.Atoi(v); err == nil && pid > 0 {
		stopServer(pid)
	}
	return true
}
