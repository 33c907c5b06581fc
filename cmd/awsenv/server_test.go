// The end-to-end scripts drive real Unix shells, FIFOs and process groups.

//go:build unix

package main

import (
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	// stslifetime D: the stand-in issues credentials that really expire
	// after D (0 restores STS's lifetimes).
	scriptCmds["stslifetime"] = func(ts *testscript.TestScript, neg bool, args []string) {
		d, err := time.ParseDuration(args[0])
		ts.Check(err)
		fixtureOf(ts).srv.SetLifetime(d)
	}
	// stsexpired N: exactly N calls reached the stand-in with expired credentials.
	scriptCmds["stsexpired"] = func(ts *testscript.TestScript, neg bool, args []string) {
		want, err := strconv.Atoi(args[0])
		ts.Check(err)
		if got := fixtureOf(ts).srv.ExpiredCalls(); (got == want) == neg {
			ts.Fatalf("stand-in got %d calls with expired credentials, want %d", got, want)
		}
	}
	// stsatleast ACTION N: the stand-in got N or more ACTION requests.
	scriptCmds["stsatleast"] = func(ts *testscript.TestScript, neg bool, args []string) {
		want, err := strconv.Atoi(args[1])
		ts.Check(err)
		if got := fixtureOf(ts).srv.Count(args[0]); (got >= want) == neg {
			ts.Fatalf("stand-in got %d %s requests, want at least %d", got, args[0], want)
		}
	}
	// goclient: build the Go SDK client of testdata/goclient (its own
	// module) once, and set $GOCLIENT to it.
	scriptCmds["goclient"] = func(ts *testscript.TestScript, neg bool, args []string) {
		path, err := buildGoclient()
		if err != nil {
			ts.Logf("cannot build testdata/goclient: %v", err)
			ts.Fatalf("goclient did not build")
		}
		ts.Setenv("GOCLIENT", path)
	}
}

var (
	goclientOnce sync.Once
	goclientPath string
	goclientErr  error
)

func buildGoclient() (string, error) {
	goclientOnce.Do(func() {
		dir, err := os.MkdirTemp("", "awsenv-goclient-")
		if err != nil {
			goclientErr = err
			return
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(build.Default.GOROOT, "bin", "go")
		}
		goclientPath = filepath.Join(dir, "goclient")
		cmd := exec.Command(goTool, "build", "-o", goclientPath, ".")
		cmd.Dir = filepath.Join("..", "..", "testdata", "goclient")
		if out, err := cmd.CombinedOutput(); err != nil {
			goclientErr = &buildError{err, string(out)}
		}
	})
	return goclientPath, goclientErr
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }
