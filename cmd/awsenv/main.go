// Command awsenv switches the current shell between AWS accounts, with MFA
// sessions cached on disk; see README.md.
package main

import (
	"os"

	"github.com/awsenv/awsenv/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args, cli.StdIO())) }
