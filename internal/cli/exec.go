package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/exports"
)

func execCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:      "exec",
		Usage:     "run a command with an account's (or role's) credentials in its environment",
		ArgsUsage: "NAME -- COMMAND [ARGS...]",
		Description: "COMMAND gets the MFA session (cached, or asked for), the role's credentials with --role,\n" +
			"or the long-lived keys with --no-session, and none of the caller's AWS credentials or\n" +
			"profile. Signals are passed on; the exit status is COMMAND's.\n" +
			"Example:  awsenv exec work --role admin -- aws s3 ls",
		Flags: []cli.Flag{roleFlag, durationFlag, sessionNameFlag, externalIDFlag, codeFlag,
			noSessionFlag, noMFAFlag, forceFlag, ttlFlag, tmoFlag, dirFlag, cfgFlag},
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
			s, err := newSession(c, io)
			if err != nil {
				return err
			}
			path, err := exec.LookPath(argv[0])
			if err != nil {
				return fmt.Errorf("cannot run %q: %v", argv[0], errors.Unwrap(err))
			}
			g, err := s.obtain(c, name)
			if err != nil {
				return err
			}
			return runChild(io, path, argv, childEnv(io.Environ(), s, g))
		},
	}
}

// childEnv is the caller's environment without any AWS credential or
// profile variable, plus what awsenv sets for g.
func childEnv(environ []string, s *session, g *got) []string {
	changes := exports.Changes(g.target(s), g.creds)
	drop := map[string]bool{}
	for _, ch := range changes {
		drop[ch.Name] = true
	}
	env := make([]string, 0, len(environ)+len(changes))
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if drop[k] {
			continue
		}
		env = append(env, kv)
	}
	for _, ch := range changes {
		if !ch.Unset {
			env = append(env, ch.Name+"="+ch.Value)
		}
	}
	return env
}

// runChild runs the command, passing on the signals a terminal or a
// supervisor sends, and returns its exit status.
func runChild(io *IO, path string, argv, env []string) error {
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = io.In, io.Out, io.Err
	return runForwarding(cmd, argv[0])
}

// runForwarding runs cmd; the signals awsenv gets go to it instead of
// ending awsenv, so awsenv outlives it and can clean up. The error is the
// command's exit status (128+N for signal N).
func runForwarding(cmd *exec.Cmd, name string) error {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cannot run %q: %v", name, err)
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-sigs:
				cmd.Process.Signal(sig)
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return exitStatus(128 + int(ws.Signal()))
		}
		return exitStatus(ee.ExitCode())
	}
	return err
}
