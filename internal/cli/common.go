package cli

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/creds"
	"github.com/awsenv/awsenv/internal/exports"
	"github.com/awsenv/awsenv/internal/prompt"
	"github.com/awsenv/awsenv/internal/shellenv"
)

// Flags shared by several commands. Every command declares the ones it
// uses, so that they may stand anywhere on its command line.
var (
	dirFlag = &cli.StringFlag{Name: "dir", Usage: "credential directory (default: $AWSENV_DIR, else ~/aws-creds)"}
	cfgFlag = &cli.StringFlag{Name: "config", Usage: "accounts file (default: $AWSENV_CONFIG, else DIR/accounts.json, else " + config.LegacyAccountsFile + ")"}
	shFlag  = &cli.StringFlag{Name: "shell", Usage: "shell to print statements for: bash, zsh, fish or powershell (default: from $SHELL)"}
	ttlFlag = &cli.StringFlag{Name: "min-ttl", Usage: "cached credentials count as valid while more than this is left (default: $AWSENV_MIN_TTL, else 5m)"}
	tmoFlag = &cli.StringFlag{Name: "timeout", Value: "30s", Usage: "how long an STS call may take"}
	accFlag = &cli.StringFlag{Name: "account", Aliases: []string{"a"}, Usage: "account to use (default: $AWSENV_ACCOUNT, the one ec2switch chose)"}
)

// session is what a command works with: the resolved paths and accounts,
// the cache, and buffered output that reaches stdout only on success.
type session struct {
	io       *IO
	paths    config.Paths
	accounts *config.Accounts
	store    *cache.Store
	out      bytes.Buffer
	warned   map[string]bool
	profs    *config.Profiles
	keyFiles map[string]config.Keys // key files read so far, by account
}

func (s *session) getenv(k string) string { return s.io.Getenv(k) }

// warn prints a warning once per run, however often the same file is read.
func (s *session) warn(msg string) {
	if s.warned[msg] {
		return
	}
	if s.warned == nil {
		s.warned = map[string]bool{}
	}
	s.warned[msg] = true
	fmt.Fprintf(s.io.Err, "awsenv: %s\n", msg)
}

func (s *session) say(format string, a ...any) { fmt.Fprintf(s.io.Err, format+"\n", a...) }

func (s *session) now() time.Time { return s.io.Now() }

// newSession resolves paths and reads the accounts file.
func newSession(c *cli.Context, io *IO) (*session, error) {
	s := &session{io: io}
	p, err := config.Resolve(flagString(c, "dir"), flagString(c, "config"), io.Getenv)
	if err != nil {
		return nil, err
	}
	s.paths = p
	s.accounts, err = config.LoadAccounts(p.Accounts, !p.AccountsExplicit)
	if err != nil {
		return nil, err
	}
	s.store = &cache.Store{Dir: p.CacheDir, Warn: s.warn}
	return s, nil
}

func flagString(c *cli.Context, name string) string {
	for _, f := range c.Command.Flags {
		for _, n := range f.Names() {
			if n == name {
				return c.String(name)
			}
		}
	}
	return ""
}

// account looks NAME up: an entry of the accounts file, or (for commands
// that need only keys) a pair of key files without an entry.
func (s *session) account(name string, keysOK bool) (*config.Account, error) {
	if acc := s.accounts.Get(name); acc != nil {
		return acc, nil
	}
	if config.CheckName(name) == nil && keysOK && config.HasKeys(s.paths.CredDir, name) {
		return &config.Account{Name: name}, nil
	}
	return nil, s.unknown(name)
}

func (s *session) unknown(name string) error {
	names := s.knownNames()
	if len(names) == 0 {
		where := s.paths.Accounts
		if s.accounts.Path == "" {
			where = "no accounts file found"
		}
		return fmt.Errorf("unknown account %q: no accounts are set up (%s): see 'awsenv --help'", name, where)
	}
	return fmt.Errorf("unknown account %q: known accounts are %s", name, strings.Join(names, ", "))
}

// knownNames lists the accounts file's names in file order, then accounts
// that only have key files, sorted.
func (s *session) knownNames() []string {
	names := s.accounts.Names()
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
	}
	ents, _ := os.ReadDir(s.paths.CredDir)
	for _, de := range ents {
		n, ok := strings.CutSuffix(de.Name(), ".access_key")
		if ok && !seen[n] && config.CheckName(n) == nil && config.HasKeys(s.paths.CredDir, n) {
			names = append(names, n)
			seen[n] = true
		}
	}
	return names
}

// current is the account named by --account, else $AWSENV_ACCOUNT.
func (s *session) current(c *cli.Context) (string, error) {
	if n := c.String("account"); n != "" {
		return n, nil
	}
	if n := s.getenv(exports.Account); n != "" {
		return n, nil
	}
	return "", usagef("no account selected: run 'ec2switch NAME' first, or pass --account NAME")
}

func (s *session) shell(c *cli.Context) (shellenv.Shell, error) {
	if v := flagString(c, "shell"); v != "" {
		return shellenv.Parse(v)
	}
	return shellenv.Detect(s.getenv("SHELL")), nil
}

func (s *session) minTTL(c *cli.Context) (time.Duration, error) {
	v := flagString(c, "min-ttl")
	src := "--min-ttl"
	if v == "" {
		v, src = s.getenv("AWSENV_MIN_TTL"), "AWSENV_MIN_TTL"
	}
	switch v {
	case "":
		return 5 * time.Minute, nil
	case "0", "0s":
		return 0, nil // use credentials up to their last second
	}
	d, err := config.ParseDuration(v)
	if err != nil {
		return 0, usagef("%s: %v", src, err)
	}
	return d, nil
}

func (s *session) endpoint(c *cli.Context, region string) (creds.Endpoint, error) {
	t, err := config.ParseDuration(c.String("timeout"))
	if err != nil {
		return creds.Endpoint{}, usagef("--timeout: %v", err)
	}
	return creds.EndpointFromEnv(s.getenv, region, t)
}

// region is where an account's credentials are used and its STS calls go.
func (s *session) region(acc *config.Account) string {
	r := exports.ResolveRegion(acc.Region, s.getenv)
	if acc.Region == "" && s.getenv(exports.Region) == "" && s.getenv(exports.DefaultRegionVar) == "" {
		switch acc.Partition {
		case "aws-us-gov":
			r = "us-gov-west-1"
		case "aws-cn":
			r = "cn-north-1"
		}
	}
	return r
}

func (s *session) user(name string) (string, error) {
	return config.LoadUser(s.paths.CredDir, name, s.getenv)
}

// keys reads an account's key files once per run, however many providers
// (the pre-check before a prompt, the signer) ask for them.
func (s *session) keys(name string) (config.Keys, error) {
	if k, ok := s.keyFiles[name]; ok {
		return k, nil
	}
	k, err := config.LoadKeys(s.paths.CredDir, name, s.warn)
	if err != nil {
		return k, err
	}
	if s.keyFiles == nil {
		s.keyFiles = map[string]config.Keys{}
	}
	s.keyFiles[name] = k
	return k, nil
}

// codeSource is where an MFA code for acc comes from: --code, then
// mfa_process or $AWSENV_MFA_PROCESS, then the terminal.
func (s *session) codeSource(c *cli.Context, acc *config.Account, user string) prompt.Source {
	src := prompt.Source{
		Code:    flagString(c, "code"),
		Process: acc.MFAProcess,
		Prompt:  fmt.Sprintf("Enter token for user %s: ", user),
		Stderr:  s.io.Err,
	}
	if src.Process == "" {
		src.Process = s.getenv("AWSENV_MFA_PROCESS")
	}
	return src
}

// emit renders changes for the shell into the buffered output.
func (s *session) emit(sh shellenv.Shell, changes []shellenv.Change) error {
	return shellenv.Render(&s.out, sh, changes)
}

// flush writes the buffered output to stdout; called once, on success.
func (s *session) flush() error {
	_, err := s.io.Out.Write(s.out.Bytes())
	return err
}

func sessionKey(account string) string { return cache.Key(account) }

func credsOf(e *cache.Entry) exports.Creds {
	return exports.Creds{
		AccessKeyID:     e.Credentials.AccessKeyID,
		SecretAccessKey: e.Credentials.SecretAccessKey,
		Token:           e.Credentials.SessionToken,
		Expiration:      e.Credentials.Expiration,
	}
}

// left formats a remaining duration for people: "7h59m", "4m", "40s".
func left(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	d = d.Round(time.Minute)
	h, m := d/time.Hour, (d%time.Hour)/time.Minute
	if h == 0 {
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%dh%02dm", h, m)
}
