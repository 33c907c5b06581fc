// Package shell holds the wrapper functions (ec2switch, ec2mfa, ec2now,
// ec2role, ec2clear) that `awsenv init SHELL` prints, embedded in the binary.
package shell

import (
	_ "embed"
	"strings"
)

var (
	//go:embed awsenv.bash
	bash string
	//go:embed awsenv.zsh
	zsh string
	//go:embed awsenv.fish
	fish string
	//go:embed awsenv.ps1
	powershell string
)

// Script returns the wrapper script for shell ("bash", "zsh", "fish" or
// "powershell") with quotedBin, the awsenv binary already quoted for that
// shell, in place of @AWSENV@. ok is false for an unknown shell.
func Script(shell, quotedBin string) (script string, ok bool) {
	var s string
	switch shell {
	case "bash":
		s = bash
	case "zsh":
		s = zsh
	case "fish":
		s = fish
	case "powershell", "pwsh":
		s = powershell
	default:
		return "", false
	}
	return strings.ReplaceAll(s, "@AWSENV@", quotedBin), true
}
