// The end-to-end scripts drive real Unix shells, FIFOs and process groups.

//go:build unix

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	// jsclient: set $NODE_PATH to the AWS SDK for JavaScript v3
	// (client-sts and credential-providers, from npm), installed once per
	// test run; the [jssdk] condition says whether that could be done.
	scriptCmds["jsclient"] = func(ts *testscript.TestScript, neg bool, args []string) {
		dir, err := installJS()
		if err != nil {
			ts.Fatalf("the AWS SDK for JavaScript cannot be installed here (use [jssdk]): %v", err)
		}
		ts.Setenv("NODE_PATH", filepath.Join(dir, "node_modules"))
	}
}

// jsSDKVersion is the JS SDK the scripts were last run with: pinned, so a
// new release cannot change a run.
const jsSDKVersion = "3.1178.0"

var (
	jsOnce sync.Once
	jsDir  string
	jsErr  error
)

func installJS() (string, error) {
	jsOnce.Do(func() {
		for _, tool := range []string{"node", "npm"} {
			if _, jsErr = exec.LookPath(tool); jsErr != nil {
				return
			}
		}
		if jsDir, jsErr = os.MkdirTemp("", "awsenv-jsclient-"); jsErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", jsDir,
			"@aws-sdk/client-sts@"+jsSDKVersion, "@aws-sdk/credential-providers@"+jsSDKVersion)
		if out, err := cmd.CombinedOutput(); err != nil {
			jsErr = &buildError{err, string(out)}
		}
	})
	return jsDir, jsErr
}
