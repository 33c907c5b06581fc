// Command awsenv switches the current shell between AWS accounts, with MFA
// sessions cached on disk; see README.md.
package main

import (
	"os"
	"runtime/debug"

	"github.com/awsenv/awsenv/internal/cli"
)

func main() {
	// Most runs last milliseconds, and collecting their heap at the
	// default 4 MiB cost list at organisation scale a quarter of its time
	// for memory returned at exit anyway; the runs that stay (exec, the
	// credential server) hold a few megabytes, for which 400 is still
	// little. GOGC set by the user still rules.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	os.Exit(cli.Main(os.Args, cli.StdIO()))
}
