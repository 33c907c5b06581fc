package cli

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

func versionCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print awsenv's version",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("version takes no arguments")
			}
			_, err := fmt.Fprintf(io.Out, "awsenv version %s\n", buildVersion())
			return err
		},
	}
}

// shortHelp is what 'awsenv' alone prints: what it is, how to start, the
// commands' names, where the rest is. It goes to stdout with exit status 0,
// as gh and kubectl do: running a command bare asks what it can do (the
// wrappers always pass a command, so nothing evals it).
func shortHelp(app *cli.App) string {
	var names []string
	for _, c := range app.Commands {
		if !c.Hidden && c.Name != "help" {
			names = append(names, c.Name)
		}
	}
	var list strings.Builder
	line := "  "
	for i, n := range names {
		if i < len(names)-1 {
			n += ","
		}
		if len(line)+1+len(n) > 78 {
			list.WriteString(line + "\n")
			line = "  "
		}
		if line != "  " {
			line += " "
		}
		line += n
	}
	list.WriteString(line + "\n")
	return "awsenv: " + app.Usage + ".\n\n" +
		"Usage:\n" +
		"  eval \"$(awsenv init bash)\"   then   ec2switch NAME, ec2mfa, ec2now\n" +
		"  awsenv COMMAND [options] [arguments]\n\n" +
		"Commands:\n" + list.String() + "\n" +
		"New here? 'awsenv sandbox' tries it all without an AWS account.\n" +
		"'awsenv --help' says what each command does, 'awsenv COMMAND --help' lists its options.\n"
}
