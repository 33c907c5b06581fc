package cli

import (
	"github.com/awsenv/awsenv/internal/render"

	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/shell"
)

func initCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "print the shell functions ec2switch, ec2mfa, ec2now, ec2role, ec2clear and completion",
		ArgsUsage: "bash|zsh|fish|powershell",
		Description: "bash:  eval \"$(awsenv init bash)\"          in ~/.bashrc\n" +
			"zsh:   eval \"$(awsenv init zsh)\"           in ~/.zshrc\n" +
			"fish:  awsenv init fish | source           in ~/.config/fish/config.fish\n" +
			"pwsh:  Invoke-Expression (& awsenv init powershell | Out-String)   in $PROFILE",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("init needs one shell: bash, zsh, fish or powershell")
			}
			name := c.Args().First()
			sh, err := render.Parse(name)
			if err != nil {
				return usagef("%v", err)
			}
			if sh == render.POSIX && name != "bash" && name != "zsh" {
				return usagef("init supports bash and zsh among POSIX shells, not %q", name)
			}
			script, ok := shell.Script(name, render.Quote(sh, selfPath()))
			if !ok {
				return usagef("init: unknown shell %q", name)
			}
			_, err = fmt.Fprint(io.Out, script)
			return err
		},
	}
}

// selfPath is how the wrappers call this binary: the absolute path it was
// started as (not resolved through symlinks, so an upgrade of a linked
// install is picked up), else "awsenv" from PATH.
func selfPath() string {
	arg0 := os.Args[0]
	if !strings.ContainsRune(arg0, filepath.Separator) {
		p, err := exec.LookPath(arg0)
		if err != nil {
			return "awsenv"
		}
		arg0 = p
	}
	if abs, err := filepath.Abs(arg0); err == nil {
		return abs
	}
	return arg0
}
