// The end-to-end scripts drive real Unix shells, FIFOs and process groups.

//go:build unix

package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/awsenv/awsenv/internal/cli"
	"github.com/awsenv/awsenv/internal/saml/browser"
	"github.com/awsenv/awsenv/internal/sandbox"
)

func TestMain(m *testing.M) {
	commands := map[string]func(){
		"awsenv": func() { os.Exit(cli.Main(os.Args, cli.StdIO())) },
		"awsenv-sandbox": func() {
			os.Exit(sandbox.Main(os.Args, &sandbox.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
				Getenv: os.Getenv, Environ: os.Environ, Now: time.Now}))
		},
		// The SAML sign-in's browser driver, which awsenv finds on PATH.
		"awsenv-saml-browser": func() { os.Exit(browser.Main(os.Stdin, os.Stdout, os.Stderr)) },
	}
	if commands[filepath.Base(os.Args[0])] == nil { // the test binary, not a command
		scriptParallelism()
	}
	testscript.Main(m, commands)
}

// scriptParallelism runs four scripts per core unless -parallel says
// otherwise: the scripts mostly wait (for shells, real clients, credential
// lifetimes, TOTP steps), and -parallel's default of one per core left the
// two cores idle while they did, half of the suite's time.
func scriptParallelism() {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		flag.Set("test.parallel", strconv.Itoa(4*runtime.GOMAXPROCS(0)))
	}
}

// TestScripts runs the end-to-end scripts in testdata/script against the real
// binary, each with its own HOME, credential directory and STS stand-in.
func TestScripts(t *testing.T) {
	startMoto(t)
	// The clients built or installed once for all scripts.
	t.Cleanup(func() {
		if jsDir != "" {
			os.RemoveAll(jsDir)
		}
		if goclientPath != "" {
			os.RemoveAll(filepath.Dir(goclientPath))
		}
	})
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("..", "..", "testdata", "script"),
		Setup:               setupScript,
		Cmds:                scriptCmds,
		Condition:           condition,
		RequireExplicitExec: true,
	})
}

// condition answers [moto], [aws], [boto3], [jssdk], [root], [bash], [zsh],
// [fish], [tmux]: whether that real component is on this machine. A script
// that needs one skips without it, with a line that says what to install.
func condition(cond string) (bool, error) {
	switch cond {
	case "moto":
		return motoURL() != "", nil
	case "boto3":
		return hasBoto3(), nil
	case "aws":
		_, err := os.Stat(awsCLI)
		return err == nil, nil
	case "jssdk":
		_, err := installJS()
		return err == nil, nil
	case "root":
		return os.Geteuid() == 0, nil
	case "bash", "zsh", "fish", "tmux":
		_, err := exec.LookPath(cond)
		return err == nil, nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}

var (
	boto3Once sync.Once
	boto3OK   bool
)

// hasBoto3 says whether the python3 first on PATH, the one the scripts
// run, can import boto3 (Debian's python3 cannot; the pyenv one can).
func hasBoto3() bool {
	boto3Once.Do(func() {
		boto3OK = exec.Command("python3", "-c", "import boto3").Run() == nil
	})
	return boto3OK
}
