package cli

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/proc"
	"github.com/awsenv/awsenv/internal/render"
	"github.com/awsenv/awsenv/internal/resolve"
)

// execOptions are exec's command line.
type execOptions struct {
	common
	Name    string
	Argv    []string
	Request resolve.Request
	// Server gives COMMAND a local credential server instead of fixed
	// credentials, refreshed for as long as that needs no person.
	Server bool
}

func execCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:      "exec",
		Usage:     "run a command with an account's (or role's) credentials in its environment",
		ArgsUsage: "NAME -- COMMAND [ARGS...]",
		Description: "COMMAND gets the MFA session (cached, or asked for), the role's credentials with --role,\n" +
			"or the long-lived keys with --no-session, and none of the caller's AWS credentials or\n" +
			"profile. Signals are passed on; the exit status is COMMAND's.\n" +
			"Example:  awsenv exec work --role admin -- aws s3 ls",
		Flags: append(chainFlags(), &cli.BoolFlag{Name: "server", Usage: "serve the credentials to COMMAND from a local credential server that renews them (roles again and again from the MFA session) for as long as no person is needed"}),
		Action: func(c *cli.Context) error {
			args := c.Args().Slice()
			if len(args) > 0 && args[0] == "--" {
				args = args[1:]
			}
			if len(args) < 1 {
				return usagef("exec needs an account NAME, then -- COMMAND")
			}
			name, argv := args[0], args[1:]
			if len(argv) > 0 && argv[0] == "--" {
				argv = argv[1:]
			}
			if len(argv) == 0 {
				return usagef("exec needs a COMMAND after the account name: awsenv exec %s -- COMMAND", name)
			}
			o, req, err := chainOptionsFrom(c, io, resolve.Use)
			if err != nil {
				return err
			}
			return runExec(c.Context, newRun(io), execOptions{common: o, Name: name, Argv: argv, Request: req, Server: c.Bool("server")})
		},
	}
}

func runExec(ctx context.Context, r *run, o execOptions) error {
	path, err := exec.LookPath(o.Argv[0])
	if err != nil {
		return fmt.Errorf("cannot run %q: %v", o.Argv[0], errors.Unwrap(err))
	}
	res, err := r.resolver(o.common)
	if err != nil {
		return err
	}
	// The first credentials are made here, where a person may be asked.
	got, err := res.Resolve(ctx, o.Name, o.Request)
	if err != nil {
		return err
	}
	cmd := exec.Command(path, o.Argv[1:]...)
	cmd.Args[0] = o.Argv[0]
	cmd.Env = childEnv(r.io.Environ(), render.Changes(render.Target{Account: got.Plan.Account, Label: got.Label, Region: got.Plan.Region, Login: loginOf(got.Plan)}, got.Creds))
	if o.Server {
		srv, err := res.Serve(ctx, got.Plan)
		if err != nil {
			return err
		}
		defer srv.Close()
		cmd.Env = srv.ChildEnv(cmd.Env)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = r.io.In, r.io.Out, r.io.Err
	code, err := proc.RunForwarding(cmd)
	if err != nil {
		return err
	}
	return exitStatus(code)
}

// childEnv is the caller's environment without any variable the changes
// touch (so no stale AWS credential or profile survives), plus the changes.
func childEnv(environ []string, changes []render.Change) []string {
	drop := make(map[string]bool, len(changes))
	for _, ch := range changes {
		drop[ch.Name] = true
	}
	env := make([]string, 0, len(environ)+len(changes))
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			env = append(env, kv)
		}
	}
	for _, ch := range changes {
		if !ch.Unset {
			env = append(env, ch.Name+"="+ch.Value)
		}
	}
	return env
}
