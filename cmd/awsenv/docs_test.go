// The end-to-end scripts drive real Unix shells, FIFOs and process groups.

//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() { scriptCmds["docs"] = docsCmd }

// docMirrors are the pages whose commands need what the sandbox has not
// (a keyring, moto's IAM, an OIDC provider): each of their awsenv commands
// must be mirrored by a line of the named script (the same subcommand and
// every flag), which runs it against the real thing.
var docMirrors = map[string]string{
	"docs/keyrings.md":     "keyring.txt",
	"docs/web-identity.md": "webidentity.txt",
}

// docStubs stand in for the programs the docs run under awsenv exec: they
// say what they were given and whether credentials were in their
// environment.
var docStubs = []string{"terraform", "aws"}

// docs --linked: every docs/*.md page is linked from README.md.
// docs FILE: every awsenv command in FILE's ```sh blocks (README.md or
// docs/NAME.md, from the repository's root), in order, in one sandbox
// session with the wrappers loaded; each must succeed. awsenv add reads
// the sandbox's demo keys from stdin. Lines that are not awsenv commands
// (git, go install, export) are left out.
func docsCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: docs FILE")
	}
	rel := args[0]
	if rel == "--linked" {
		readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
		ts.Check(err)
		pages, _ := filepath.Glob(filepath.Join("..", "..", "docs", "*.md"))
		for _, p := range pages {
			if link := "(docs/" + filepath.Base(p) + ")"; !strings.Contains(string(readme), link) {
				ts.Fatalf("README.md does not link %s", link)
			}
		}
		return
	}
	data, err := os.ReadFile(filepath.Join("..", "..", rel))
	ts.Check(err)
	cmds := docCommands(string(data))
	if len(cmds) == 0 {
		ts.Fatalf("%s shows no awsenv command", rel)
	}
	if mirror, ok := docMirrors[rel]; ok {
		script, err := os.ReadFile(filepath.Join("..", "..", "testdata", "script", mirror))
		ts.Check(err)
		for _, c := range cmds {
			if !mirrored(c, string(script)) {
				ts.Fatalf("%s: %q is run by no line of testdata/script/%s", rel, c, mirror)
			}
			ts.Logf("mirrored by %s: %s", mirror, c)
		}
		return
	}
	stubs := filepath.Join(ts.Getenv("WORK"), "stubs")
	ts.Check(os.MkdirAll(stubs, 0o755))
	for _, s := range docStubs {
		ts.Check(os.WriteFile(filepath.Join(stubs, s), []byte("#!/bin/sh\necho \"stub "+s+": $*; key: ${AWS_ACCESS_KEY_ID:+set}${AWS_CONTAINER_CREDENTIALS_FULL_URI:+served}\"\n"), 0o755))
	}
	var sh strings.Builder
	sh.WriteString("eval \"$(awsenv init bash)\"\n")
	sh.WriteString("keys=\"$AWSENV_DIR/.sandbox/doc-keys\"\ncat \"$AWSENV_DIR/personal.access_key\" \"$AWSENV_DIR/personal.secret_key\" > \"$keys\"\n")
	for _, c := range cmds {
		in := "/dev/null"
		if strings.HasPrefix(c, "awsenv add ") {
			in = "\"$keys\""
		}
		q := strings.ReplaceAll(c, "'", `'\''`)
		sh.WriteString("printf '%s\\n' '+ " + q + "' >&2\n")
		sh.WriteString(c + " <" + in + " || { echo 'docs: failed: " + q + "' >&2; exit 1; }\n")
	}
	cmd := exec.Command("awsenv", "sandbox", "--", "bash", "--norc", "--noprofile", "-c", sh.String())
	cmd.Env = append(scriptEnv(ts), "PATH="+stubs+string(filepath.ListSeparator)+ts.Getenv("PATH"), "SHELL=/bin/bash")
	var out, errs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errs
	// A credential server a command started may hold the output open a
	// moment after the shell ends (it follows the shell out).
	cmd.WaitDelay = time.Minute
	err = cmd.Run()
	ts.Logf("%s\n%s", out.String(), errs.String())
	if err != nil {
		ts.Fatalf("the commands of %s: %v", rel, err)
	}
}

var shBlock = regexp.MustCompile("(?ms)^```sh\n(.*?)^```")

// docCommands are the awsenv commands of text's ```sh blocks: continuation
// lines joined, comments dropped.
func docCommands(text string) []string {
	var cmds []string
	for _, m := range shBlock.FindAllStringSubmatch(text, -1) {
		block := strings.ReplaceAll(m[1], "\\\n", " ")
		for _, line := range strings.Split(block, "\n") {
			if i := strings.Index(line, " #"); i >= 0 {
				line = line[:i]
			}
			line = strings.Join(strings.Fields(line), " ")
			first, _, _ := strings.Cut(line, " ")
			switch {
			case first == "awsenv", strings.HasPrefix(first, "ec2"), strings.HasPrefix(line, `eval "$(awsenv `):
				cmds = append(cmds, line)
			}
		}
	}
	return cmds
}

// mirrored says whether a line of script runs the same awsenv subcommand
// as c with every flag c gives.
func mirrored(c, script string) bool {
	words := strings.Fields(c)
	sub := strings.Join(words[:2], " ")
	if len(words) > 2 && (words[1] == "keys" || words[1] == "sso") {
		sub = strings.Join(words[:3], " ")
	}
	for _, line := range strings.Split(script, "\n") {
		if !strings.Contains(line, sub+" ") && !strings.HasSuffix(line, sub) {
			continue
		}
		all := true
		for _, w := range words {
			if strings.HasPrefix(w, "--") && !strings.Contains(line, w) {
				all = false
			}
		}
		if all {
			return true
		}
	}
	return false
}
