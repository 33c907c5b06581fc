// Command awsenv switches the current shell between AWS accounts, with MFA
// sessions cached on disk; see README.md.
package main

import (
	"os"
	"runtime/debug"

	"github.com/awsenv/awsenv/internal/cli"
)

func main() {
	// A run lasts milliseconds and its heap a few megabytes: collecting
	// it at the default 4 MiB would cost list at organisation scale a
	// quarter of its time, for memory returned at exit anyway. GOGC set
	// by the user still rules.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	os.Exit(cli.Main(os.Args, cli.StdIO()))
}
