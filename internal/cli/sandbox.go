package cli

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/proc"
)

// sandboxCommand runs awsenv-sandbox, the playground with the project's STS
// stand-in: a separate binary, so that awsenv itself never links it.
func sandboxCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:            "sandbox",
		Usage:           "try awsenv without an AWS account: a local STS stand-in and demo accounts in a subshell",
		ArgsUsage:       "[--shell SHELL] [-- COMMAND ARGS...] | code [NAME]",
		Description:     "Runs awsenv-sandbox, installed beside awsenv by go install ./cmd/...; see 'awsenv sandbox --help'.",
		SkipFlagParsing: true,
		Action: func(c *cli.Context) error {
			bin, err := sandboxPath()
			if err != nil {
				return err
			}
			cmd := exec.Command(bin, c.Args().Slice()...)
			cmd.Args[0] = "awsenv-sandbox"
			cmd.Stdin, cmd.Stdout, cmd.Stderr = io.In, io.Out, io.Err
			code, err := proc.RunForwarding(cmd)
			if err != nil {
				return err
			}
			return exitStatus(code)
		},
	}
}

// sandboxPath is awsenv-sandbox beside this binary, else on PATH.
func sandboxPath() (string, error) {
	name := "awsenv-sandbox"
	if filepath.Ext(os.Args[0]) == ".exe" {
		name += ".exe"
	}
	if self := selfPath(); filepath.IsAbs(self) {
		p := filepath.Join(filepath.Dir(self), name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", errors.New("awsenv-sandbox is not installed beside awsenv or on PATH: " +
		"install it with: CGO_ENABLED=0 go install -tags urfave_cli_no_docs ./cmd/awsenv ./cmd/awsenv-sandbox")
}
