// The end-to-end scripts drive real Unix shells, FIFOs and process groups.

//go:build unix

package main

import (
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	// stsclock OFFSET: the stand-in's clock (and its Date header) runs
	// OFFSET ahead of the real one (negative: behind); 0 restores it.
	scriptCmds["stsclock"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 1 {
			ts.Fatalf("usage: stsclock OFFSET")
		}
		d, err := time.ParseDuration(args[0])
		ts.Check(err)
		if d == 0 {
			fixtureOf(ts).srv.SetClock(nil)
			return
		}
		fixtureOf(ts).srv.SetClock(func() time.Time { return time.Now().Add(d) })
	}
}
