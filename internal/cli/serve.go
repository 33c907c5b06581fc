package cli

import (
	"errors"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/render"
	"github.com/awsenv/awsenv/internal/resolve"
)

// The shell-tied credential server of ec2switch NAME --serve: switch
// spawns 'awsenv __serve' (resolve.SpawnServer), handing it the plan it has
// just served as data on its standard input.

// shellPIDVar is how the wrappers tell awsenv which shell the server serves.
const shellPIDVar = "AWSENV_SHELL_PID"

func serveCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:   resolve.ServeCommand,
		Hidden: true,
		Action: func(c *cli.Context) error {
			if c.NArg() != 0 {
				return usagef("__serve is started by switch --serve")
			}
			r := newRun(io)
			ctx, cancel := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
			defer cancel()
			return resolve.RunServer(ctx, io.In, nil, resolve.Options{Getenv: io.Getenv, Now: io.Now,
				Stderr: io.Err, Say: r.say, Warn: r.warn})
		},
	}
}

// serve points the shell at a new shell-tied credential server for the
// plan just served, replacing the server it had: the statements set the
// server's address and unset every fixed credential (the SDKs would
// prefer them).
func (r *run) serve(got *resolve.Resolved, o common, wrapper, command string) (shown bool, err error) {
	h, err := startServer(r, r.res, got.Plan)
	if err != nil {
		return false, err
	}
	stopServed(r)
	p := got.Plan
	rn := r.res.Renewal(p)
	t := render.Target{Account: p.Account, Label: got.Label, Region: p.Region, Login: loginOf(p)}
	if err := render.Statements(&r.out, o.Shell, render.Served(t, h.URL, h.Token, h.PID, rn.Until, got.Creds.AccountID)); err != nil {
		return false, err
	}
	if shown, err := r.statements(o, wrapper, command); err != nil || !shown {
		return shown, err
	}
	r.say("Serving %s to this shell from a local credential server (pid %d)%s", got.Label, h.PID, renewable(rn, r.now()))
	r.served = true
	return true, nil
}

// startServer spawns the shell-tied server of the plan just served.
func startServer(r *run, res *resolve.Resolver, plan *resolve.Plan) (resolve.Handoff, error) {
	shell, err := strconv.Atoi(r.io.Getenv(shellPIDVar))
	if err != nil || shell <= 0 {
		return resolve.Handoff{}, errors.New("--serve ties a credential server to your shell: run it as ec2switch NAME --serve (from 'awsenv init')")
	}
	return res.SpawnServer(selfPath(), plan, shell)
}

// stopServed stops the credential server this shell was switched to, if
// any, so that a second one never stays behind; it reports whether the
// shell had one (its variables are then unset).
func stopServed(r *run) bool {
	v := r.io.Getenv(render.ServerPID)
	if v == "" {
		return false
	}
	resolve.StopServed(v)
	return true
}
