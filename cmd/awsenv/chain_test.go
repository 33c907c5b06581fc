// The end-to-end scripts drive real Unix shells, FIFOs and process groups.

//go:build unix

package main

import (
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/awsenv/awsenv/internal/ststest"
)

func init() {
	// stsrole ARN: the stand-in has a role ARN that any of its users may
	// assume without MFA (a role in another account, for instance).
	scriptCmds["stsrole"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 1 {
			ts.Fatalf("usage: stsrole ARN")
		}
		fixtureOf(ts).srv.AddRole(ststest.Role{ARN: args[0]})
	}
}
