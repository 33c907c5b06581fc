package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/shellenv"
	"github.com/awsenv/awsenv/internal/ststest"
)

// sandboxAccounts are the demo accounts: name, IAM user, region.
var sandboxAccounts = []struct{ name, user, region string }{
	{"work", "alice", "eu-west-1"},
	{"personal", "bob", ""},
}

func sandboxCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:      "sandbox",
		Usage:     "try awsenv without an AWS account: a local STS stand-in and demo accounts in a subshell",
		ArgsUsage: "[-- COMMAND ARGS...]",
		Description: "Starts the project's STS stand-in on 127.0.0.1, writes a throwaway credential directory\n" +
			"with the demo accounts work and personal, and opens a subshell with the wrappers loaded and\n" +
			"the endpoint set. Exit the subshell to stop it all. 'awsenv sandbox code' prints the current\n" +
			"MFA code inside it. With -- COMMAND, runs COMMAND instead of an interactive shell.",
		Flags: []cli.Flag{shFlag},
		Subcommands: []*cli.Command{{
			Name:      "code",
			Usage:     "print the current MFA code of a sandbox account (default: the current account)",
			ArgsUsage: "[NAME]",
			Action: func(c *cli.Context) error {
				return sandboxCode(io, c.Args().First())
			},
		}},
		Action: func(c *cli.Context) error { return runSandbox(c, io) },
	}
}

func sandboxCode(io *IO, name string) error {
	dir := io.Getenv("AWSENV_DIR")
	if io.Getenv("AWSENV_SANDBOX") == "" || dir == "" {
		return errors.New("not inside an awsenv sandbox: run 'awsenv sandbox' first")
	}
	if name == "" {
		if name = io.Getenv("AWSENV_ACCOUNT"); name == "" {
			name = sandboxAccounts[0].name
		}
	}
	secret, err := os.ReadFile(filepath.Join(dir, ".sandbox", name+".totp"))
	if err != nil {
		return fmt.Errorf("no sandbox account %q", name)
	}
	code, err := ststest.TOTP(strings.TrimSpace(string(secret)), io.Now())
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(io.Out, code)
	return err
}

func runSandbox(c *cli.Context, io *IO) error {
	args := c.Args().Slice()
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	shName := flagString(c, "shell")
	if shName == "" {
		shName = filepath.Base(io.Getenv("SHELL"))
	}
	switch shName {
	case "bash", "zsh", "fish":
	default:
		if len(args) == 0 {
			shName = "bash"
		}
	}
	srv := ststest.New()
	url, err := srv.Listen()
	if err != nil {
		return fmt.Errorf("cannot start the sts stand-in: %w", err)
	}
	defer srv.Close()
	dir, err := os.MkdirTemp("", "awsenv-sandbox-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	side := filepath.Join(dir, ".sandbox")
	if err := os.Mkdir(side, 0o700); err != nil {
		return err
	}
	accounts := map[string]any{}
	var first *ststest.User
	for _, a := range sandboxAccounts {
		u := srv.AddUser(a.user, true)
		if first == nil {
			first = u
		}
		files := map[string]string{
			a.name + ".access_key":         u.AccessKeyID,
			a.name + ".secret_key":         u.SecretAccessKey,
			a.name + ".user":               u.Name,
			".sandbox/" + a.name + ".totp": u.TOTPSecret,
		}
		for f, v := range files {
			if err := os.WriteFile(filepath.Join(dir, f), []byte(v+"\n"), 0o600); err != nil {
				return err
			}
		}
		prefix := "arn:aws:iam::" + u.AccountID + ":"
		if a.region == "" {
			accounts[a.name] = prefix
			continue
		}
		// The work account has a role to try ec2role and console --role on.
		role := prefix + "role/" + a.name + "-admin"
		srv.AddRole(ststest.Role{ARN: role, MaxSessionDuration: 12 * time.Hour, RequireMFA: true})
		accounts[a.name] = map[string]any{"arn": prefix, "region": a.region, "roles": map[string]string{"admin": role}}
	}
	data, _ := json.MarshalIndent(accounts, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "accounts.json"), data, 0o600); err != nil {
		return err
	}
	env := sandboxEnv(io.Environ(), map[string]string{
		"AWSENV_DIR":           dir,
		"AWSENV_CONFIG":        filepath.Join(dir, "accounts.json"),
		"AWSENV_CACHE_DIR":     filepath.Join(dir, ".cache"),
		"AWS_ENDPOINT_URL_STS": url,
		"AWSENV_SANDBOX":       "1",
		"AWSENV_SIGNIN_URL":    url + "/federation",
		// awsenv itself first on PATH, so the commands it suggests work.
		"PATH": filepath.Dir(selfPath()) + string(filepath.ListSeparator) + io.Getenv("PATH"),
	})
	var cmd *exec.Cmd
	if len(args) > 0 {
		cmd = exec.CommandContext(c.Context, args[0], args[1:]...)
	} else {
		if cmd, err = sandboxShell(shName, side, &env); err != nil {
			return err
		}
	}
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, io.In, io.Out, io.Err
	code, _ := ststest.TOTP(first.TOTPSecret, io.Now())
	fmt.Fprintf(io.Err, "awsenv sandbox: STS stand-in at %s, demo accounts work and personal in %s\n", url, dir)
	if len(args) == 0 {
		fmt.Fprintf(io.Err, "Try: ec2switch work; ec2mfa; ec2now; ec2role admin; awsenv console work --role admin\n")
		fmt.Fprintf(io.Err, "MFA code for alice now: %s ('awsenv sandbox code' prints a fresh one)\n", code)
		fmt.Fprintln(io.Err, "Exit the shell to stop the sandbox; its files are deleted then.")
	}
	// Ctrl-C in the subshell reaches awsenv too: it must not end the
	// stand-in under the shell, nor skip the clean-up of the keys.
	return runForwarding(cmd, cmd.Path)
}

// sandboxEnv is the caller's environment without AWS credentials or
// profiles (which would shadow the sandbox's), plus set.
func sandboxEnv(environ []string, set map[string]string) []string {
	var env []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if _, over := set[k]; over || (strings.HasPrefix(k, "AWS_") && k != "AWS_CA_BUNDLE") || strings.HasPrefix(k, "AWSENV_") || k == "MY_AWS_SET_FOR" {
			continue
		}
		env = append(env, kv)
	}
	for k, v := range set {
		env = append(env, k+"="+v)
	}
	return env
}

// sandboxShell starts an interactive shell that loads the user's own rc
// file and then the awsenv wrappers.
func sandboxShell(name, side string, env *[]string) (*exec.Cmd, error) {
	bin := selfPath()
	switch name {
	case "zsh":
		zdot := filepath.Join(side, "zsh")
		if err := os.Mkdir(zdot, 0o700); err != nil {
			return nil, err
		}
		rc := "[ -f ~/.zshrc ] && source ~/.zshrc\n" +
			"eval \"$(" + shellenv.Quote(shellenv.POSIX, bin) + " init zsh)\"\n" +
			"PS1=\"(awsenv sandbox) $PS1\"\n"
		if err := os.WriteFile(filepath.Join(zdot, ".zshrc"), []byte(rc), 0o600); err != nil {
			return nil, err
		}
		*env = append(*env, "ZDOTDIR="+zdot)
		return exec.Command("zsh", "-i"), nil
	case "fish":
		init := shellenv.Quote(shellenv.Fish, bin) + " init fish | source; " +
			"functions -c fish_prompt __awsenv_sandbox_prompt 2>/dev/null; " +
			"function fish_prompt; printf '(awsenv sandbox) '; __awsenv_sandbox_prompt; end"
		return exec.Command("fish", "-C", init), nil
	default:
		rcPath := filepath.Join(side, "bashrc")
		rc := "[ -f ~/.bashrc ] && . ~/.bashrc\n" +
			"eval \"$(" + shellenv.Quote(shellenv.POSIX, bin) + " init bash)\"\n" +
			"PS1=\"(awsenv sandbox) ${PS1:-\\$ }\"\n"
		if err := os.WriteFile(rcPath, []byte(rc), 0o600); err != nil {
			return nil, err
		}
		return exec.Command("bash", "--rcfile", rcPath, "-i"), nil
	}
}
