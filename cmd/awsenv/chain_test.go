// The end-to-end scripts drive real Unix shells, FIFOs and process groups.

//go:build unix

package main

import (
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/awsenv/awsenv/internal/cache"
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
	// cacheexpires ACCOUNT DURATION: the account's cached MFA session now
	// says it expires DURATION from now (negative: already expired); STS
	// still takes its keys, as it would until their real end.
	scriptCmds["cacheexpires"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 2 {
			ts.Fatalf("usage: cacheexpires ACCOUNT DURATION")
		}
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		store := &cache.Store{Dir: ts.Getenv("CACHE")}
		key := cache.AccountSession(args[0])
		e := store.Get(key)
		if e == nil {
			ts.Fatalf("no cached session for %s", args[0])
		}
		e.Credentials.Expiration = time.Now().Add(d).UTC().Truncate(time.Second)
		e.Created = e.Credentials.Expiration.Add(-8 * time.Hour)
		ts.Check(store.Put(key, e))
	}
}
