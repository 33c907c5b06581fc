// The end-to-end scripts drive real Unix shells, FIFOs and process groups.

//go:build unix

package main

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/awsenv/awsenv/internal/ststest"
)

// consoles are the console stand-ins the scripts started.
var consoles sync.Map // *testscript.TestScript -> *ststest.Console

func init() {
	// consolestandin: start a stand-in of the AWS console's pages (see
	// ststest.Console) and set $CONSOLE_ADDR to its HOST:PORT.
	scriptCmds["consolestandin"] = func(ts *testscript.TestScript, neg bool, args []string) {
		c := ststest.NewConsole()
		consoles.Store(ts, c)
		ts.Defer(func() {
			stopBrowser(ts)
			c.Close()
			consoles.Delete(ts)
		})
		ts.Setenv("CONSOLE_ADDR", c.Addr())
	}
	// consolevisit URL: wait (up to two minutes) until the browser has
	// fetched URL from the console stand-in.
	scriptCmds["consolevisit"] = func(ts *testscript.TestScript, neg bool, args []string) {
		v, ok := consoles.Load(ts)
		if !ok || len(args) != 1 {
			ts.Fatalf("usage: consolevisit URL, after consolestandin")
		}
		c := v.(*ststest.Console)
		deadline := time.After(2 * time.Minute)
		for {
			seen := c.Visited()
			if slices.Contains(c.Visits(), args[0]) {
				return
			}
			select {
			case <-seen:
			case <-deadline:
				ts.Fatalf("the browser did not reach %s within two minutes; it fetched %q", args[0], c.Visits())
			}
		}
	}
}

// stopBrowser ends the browser a script started, if any: the process group
// whose leader's pid the script's browser wrapper wrote to chromium.pid.
// SIGTERM lets Chromium end its helpers; SIGKILL after a generous wait.
func stopBrowser(ts *testscript.TestScript) {
	b, err := os.ReadFile(filepath.Join(ts.Getenv("WORK"), "chromium.pid"))
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		return
	}
	if syscall.Kill(-pid, syscall.SIGTERM) != nil {
		return
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if syscall.Kill(-pid, 0) != nil {
			return
		}
	}
	syscall.Kill(-pid, syscall.SIGKILL)
}
