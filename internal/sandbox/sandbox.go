// Package sandbox is awsenv's playground: the project's STS stand-in on
// 127.0.0.1, a throwaway credential directory with demo accounts, and a
// subshell wired to both. It is its own binary, awsenv-sandbox, so that the
// awsenv a user runs in every prompt never links the stand-in.
package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/awsenv/awsenv/internal/proc"
	"github.com/awsenv/awsenv/internal/render"
	"github.com/awsenv/awsenv/internal/ststest"
)

// accounts are the demo accounts: name, IAM user, region.
var accounts = []struct{ name, user, region string }{
	{"work", "alice", "eu-west-1"},
	{"personal", "bob", ""},
}

// ssoAccounts are the Identity Center demo: account id, name, roles; and
// the profiles of ~/.aws/config (the sandbox's) that reach them.
var ssoAccounts = []struct {
	id, name string
	roles    []string
}{
	{"111111111111", "demo-dev", []string{"Admin", "ReadOnly"}},
	{"222222222222", "demo-prod", []string{"ReadOnly"}},
}

const ssoConfig = `# The sandbox's IAM Identity Center demo: one session, two accounts.
[sso-session demo]
sso_start_url = @START@
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

[profile dev-admin]
sso_session = demo
sso_account_id = 111111111111
sso_role_name = Admin
region = eu-west-1

[profile dev-readonly]
sso_session = demo
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = eu-west-1

[profile prod-readonly]
sso_session = demo
sso_account_id = 222222222222
sso_role_name = ReadOnly
region = eu-west-1
`

const usage = `usage: awsenv sandbox [--shell bash|zsh|fish] [-- COMMAND ARGS...]
       awsenv sandbox code [NAME]

Starts the project's STS stand-in on 127.0.0.1 (STS, IAM, IAM Identity
Center, the console's federation endpoint), writes a throwaway credential
directory with the demo accounts work and personal and the Identity Center
profiles dev-admin, dev-readonly and prod-readonly, and opens a subshell with
the wrappers loaded and every endpoint pointed at the stand-in. Everything it
writes is in its folder; exit the subshell to stop it all and delete it.
'awsenv sandbox code [NAME]' prints an MFA code the stand-in has not seen
used (the demo accounts' mfa_process runs it). With -- COMMAND, runs COMMAND
instead of an interactive shell.
`

// TryLine and TrySSO are what the banner suggests, run as printed by the
// tests.
const (
	TryLine = "ec2switch work; ec2mfa; ec2now; ec2role admin; awsenv console work --role admin"
	TrySSO  = "ec2switch dev-admin; ec2now; awsenv list; ec2switch prod-readonly"
	// TryLogin is the aws login demo (the stand-in's sign-in service).
	TryLogin = "awsenv login demo; ec2switch demo"
	// TrySAML is the SAML demo (the stand-in's identity provider).
	TrySAML = "ec2switch corp; awsenv saml roles corp-any"
)

// IO is the outside world of a sandbox run.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
	Getenv   func(string) string
	Environ  func() []string
	Now      func() time.Time
}

// Main runs awsenv-sandbox with args (os.Args) and returns the exit code.
func Main(args []string, io *IO) int {
	err := run(args[1:], io)
	var st exitStatus
	switch {
	case err == nil:
		return 0
	case errors.As(err, &st):
		return int(st)
	}
	fmt.Fprintf(io.Err, "awsenv sandbox: %s\n", err)
	return 1
}

type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func run(args []string, io *IO) error {
	shName := ""
	for len(args) > 0 {
		switch a := args[0]; {
		case a == "-h" || a == "--help" || a == "help":
			fmt.Fprint(io.Out, usage)
			return nil
		case a == "browse" && len(args) == 2:
			return browse(io, args[1])
		case a == "code":
			if len(args) > 2 {
				return errors.New("code takes at most one account name")
			}
			name := ""
			if len(args) == 2 {
				name = args[1]
			}
			return code(io, name)
		case a == "--shell" && len(args) > 1:
			shName, args = args[1], args[2:]
		case strings.HasPrefix(a, "--shell="):
			shName, args = strings.TrimPrefix(a, "--shell="), args[1:]
		case a == "--":
			return start(io, shName, args[1:])
		default:
			return fmt.Errorf("unknown argument %q: run 'awsenv sandbox --help'", a)
		}
	}
	return start(io, shName, nil)
}

func code(io *IO, name string) error {
	dir := io.Getenv("AWSENV_DIR")
	if io.Getenv("AWSENV_SANDBOX") == "" || dir == "" {
		return errors.New("not inside an awsenv sandbox: run 'awsenv sandbox' first")
	}
	if name == "" {
		if name = io.Getenv("AWSENV_ACCOUNT"); name == "" {
			name = accounts[0].name
		}
	}
	// The sandbox knows which codes the stand-in has seen used: ask it for
	// one that works, so that codes in a row (ec2mfa, then a role from the
	// keys) need no wait for the next.
	if codes := io.Getenv("AWSENV_SANDBOX_CODES"); codes != "" {
		c, err := freshCode(io.Err, codes, name)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(io.Out, c)
		return err
	}
	secret, err := os.ReadFile(filepath.Join(dir, ".sandbox", name+".totp"))
	if err != nil {
		return fmt.Errorf("no sandbox account %q", name)
	}
	c, err := ststest.TOTP(strings.TrimSpace(string(secret)), io.Now())
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(io.Out, c)
	return err
}

func start(io *IO, shName string, args []string) error {
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
	bin, err := awsenvPath()
	if err != nil {
		return err
	}
	sweep()
	srv := ststest.New()
	url, err := srv.Listen()
	if err != nil {
		return fmt.Errorf("cannot start the sts stand-in: %w", err)
	}
	defer srv.Close()
	for _, a := range ssoAccounts {
		srv.AddSSOAccount(a.id, a.name, a.roles...)
	}
	dir, err := os.MkdirTemp("", "awsenv-sandbox-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	side := filepath.Join(dir, ".sandbox")
	if err := os.Mkdir(side, 0o700); err != nil {
		return err
	}
	// Who owns the folder, so that the next sandbox can remove it if this
	// one is killed (kill -9 leaves no chance to clean up).
	if err := os.WriteFile(filepath.Join(side, "pid"), []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		return err
	}
	entries := map[string]any{}
	users := map[string]*ststest.User{}
	for _, a := range accounts {
		u := srv.AddUser(a.user, true)
		users[a.name] = u
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
		// Codes come from the sandbox itself, as they would from a
		// hardware key's command (ykman) on a real account.
		entry := map[string]any{"arn": prefix, "mfa_process": "awsenv sandbox code " + a.name}
		entries[a.name] = entry
		if a.region == "" {
			continue
		}
		// The work account has a role to try ec2role and console --role on.
		role := prefix + "role/" + a.name + "-admin"
		srv.AddRole(ststest.Role{ARN: role, MaxSessionDuration: 12 * time.Hour, RequireMFA: true})
		entry["region"], entry["roles"] = a.region, map[string]string{"admin": role}
	}
	cfg := strings.ReplaceAll(ssoConfig, "@START@", ststest.DefaultSSOStartURL)
	if err := os.WriteFile(filepath.Join(dir, "aws-config"), []byte(cfg), 0o600); err != nil {
		return err
	}
	codes, stopCodes, err := serveCodes(srv, users)
	if err != nil {
		return err
	}
	defer stopCodes()
	// This program, as installed beside awsenv (os.Executable may name
	// a file that does not answer to awsenv-sandbox's name).
	self := filepath.Join(filepath.Dir(bin), "awsenv-sandbox"+filepath.Ext(bin))
	if _, err := os.Stat(self); err != nil {
		if self, err = os.Executable(); err != nil {
			return err
		}
	}
	data, _ := json.MarshalIndent(entries, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "accounts.json"), data, 0o600); err != nil {
		return err
	}
	set := map[string]string{
		"AWSENV_DIR":       dir,
		"AWSENV_CONFIG":    filepath.Join(dir, "accounts.json"),
		"AWSENV_CACHE_DIR": filepath.Join(dir, ".cache"),
		// Every endpoint awsenv (and the AWS CLI, the SDKs) can call is
		// the stand-in: AWS_ENDPOINT_URL for any service, and each one
		// awsenv calls by name, so that nothing reaches AWS.
		"AWS_ENDPOINT_URL":          url,
		"AWS_ENDPOINT_URL_STS":      url,
		"AWS_ENDPOINT_URL_IAM":      url,
		"AWS_ENDPOINT_URL_SSO":      url,
		"AWS_ENDPOINT_URL_SSO_OIDC": url,
		"AWS_ENDPOINT_URL_SIGNIN":   url,
		// aws login sessions against the stand-in's sign-in service.
		"AWS_LOGIN_CACHE_DIRECTORY": filepath.Join(dir, "login-cache"),
		"AWSENV_SIGNIN_URL":         url + "/federation",
		"AWSENV_SANDBOX":            "1",
		"AWSENV_SANDBOX_CODES":      codes,
		// Logins to the stand-in's Identity Center stay in the folder,
		// and its sign-in pages are opened by a browser of the sandbox's
		// own that goes nowhere but 127.0.0.1.
		"AWSENV_SSO_CACHE_DIR": filepath.Join(dir, "sso-cache"),
		"BROWSER":              render.Quote(render.POSIX, self) + " browse",
		// Nothing is written outside the sandbox's folder: not the user's
		// ~/.aws files (awsenv write), not the shell's history.
		"AWS_CONFIG_FILE":             filepath.Join(dir, "aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "aws-credentials"),
		"HISTFILE":                    filepath.Join(side, "history"),
		// awsenv itself first on PATH, so the commands it suggests work.
		"PATH": filepath.Dir(bin) + string(filepath.ListSeparator) + io.Getenv("PATH"),
	}
	if err := samlDemo(srv, url, dir, set, io.Getenv); err != nil {
		return err
	}
	env := environment(io.Environ(), set)
	var cmd *exec.Cmd
	if len(args) > 0 {
		cmd = exec.Command(args[0], args[1:]...)
	} else if cmd, err = shell(shName, bin, side, &env); err != nil {
		return err
	}
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, io.In, io.Out, io.Err
	fmt.Fprintf(io.Err, "awsenv sandbox: STS stand-in at %s, demo accounts work and personal in %s\n", url, dir)
	if len(args) == 0 {
		fmt.Fprintln(io.Err, "Try: "+TryLine)
		fmt.Fprintln(io.Err, "Identity Center: "+TrySSO)
		fmt.Fprintln(io.Err, "An aws login session: "+TryLogin)
		fmt.Fprintln(io.Err, "SAML (a browser sign-in): "+TrySAML)
		fmt.Fprintln(io.Err, "MFA codes come from 'awsenv sandbox code' (the demo accounts' mfa_process), so nothing asks for one.")
		fmt.Fprintln(io.Err, "Exit the shell to stop the sandbox; its files are deleted then.")
	}
	// Ctrl-C in the subshell reaches the sandbox too: it must not end the
	// stand-in under the shell, nor skip the clean-up of the keys.
	status, err := proc.RunForwarding(cmd)
	if err != nil {
		return err
	}
	return exitStatus(status)
}

// sweep removes the folders of sandboxes that were killed before they
// could clean up: folders of this user whose owner process is gone.
func sweep() {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), "awsenv-sandbox-*"))
	for _, d := range matches {
		data, err := os.ReadFile(filepath.Join(d, ".sandbox", "pid"))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil || pid <= 0 || alive(pid) {
			continue
		}
		os.RemoveAll(d)
	}
}

// awsenvPath is the awsenv the sandbox's shell runs: the one installed
// beside this binary, else the one on PATH.
func awsenvPath() (string, error) {
	name := "awsenv"
	if filepath.Ext(os.Args[0]) == ".exe" {
		name += ".exe"
	}
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath("awsenv"); err == nil {
		return filepath.Abs(p)
	}
	return "", errors.New("cannot find the awsenv binary beside awsenv-sandbox or on PATH: install both with go install ./cmd/awsenv ./cmd/awsenv-sandbox")
}

// environment is the caller's environment without AWS credentials or
// profiles (which would shadow the sandbox's), plus set.
func environment(environ []string, set map[string]string) []string {
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

// shell starts an interactive shell that loads the user's own rc file and
// then the awsenv wrappers.
func shell(name, bin, side string, env *[]string) (*exec.Cmd, error) {
	switch name {
	case "zsh":
		zdot := filepath.Join(side, "zsh")
		if err := os.Mkdir(zdot, 0o700); err != nil {
			return nil, err
		}
		rc := "[ -f ~/.zshrc ] && source ~/.zshrc\n" +
			"eval \"$(" + render.Quote(render.POSIX, bin) + " init zsh)\"\n" +
			"PS1=\"(awsenv sandbox) $PS1\"\n"
		if err := os.WriteFile(filepath.Join(zdot, ".zshrc"), []byte(rc), 0o600); err != nil {
			return nil, err
		}
		*env = append(*env, "ZDOTDIR="+zdot)
		return exec.Command("zsh", "-i"), nil
	case "fish":
		init := render.Quote(render.Fish, bin) + " init fish | source; " +
			"functions -c fish_prompt __awsenv_sandbox_prompt 2>/dev/null; " +
			"function fish_prompt; printf '(awsenv sandbox) '; __awsenv_sandbox_prompt; end"
		return exec.Command("fish", "--private", "-C", init), nil
	default:
		rcPath := filepath.Join(side, "bashrc")
		rc := "[ -f ~/.bashrc ] && . ~/.bashrc\n" +
			"eval \"$(" + render.Quote(render.POSIX, bin) + " init bash)\"\n" +
			"PS1=\"(awsenv sandbox) ${PS1:-\\$ }\"\n"
		if err := os.WriteFile(rcPath, []byte(rc), 0o600); err != nil {
			return nil, err
		}
		return exec.Command("bash", "--rcfile", rcPath, "-i"), nil
	}
}
