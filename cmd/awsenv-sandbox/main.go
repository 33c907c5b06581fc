// Command awsenv-sandbox is awsenv's playground: a local STS stand-in and
// demo accounts in a subshell. 'awsenv sandbox' runs it; see README.md.
package main

import (
	"os"
	"time"

	"github.com/awsenv/awsenv/internal/sandbox"
)

func main() {
	os.Exit(sandbox.Main(os.Args, &sandbox.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		Getenv: os.Getenv, Environ: os.Environ, Now: time.Now}))
}
