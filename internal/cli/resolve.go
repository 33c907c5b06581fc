package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/creds"
	"github.com/awsenv/awsenv/internal/exports"
	"github.com/awsenv/awsenv/internal/stsapi"
)

// Flags of the commands that may assume a role.
var (
	roleFlag        = &cli.StringFlag{Name: "role", Aliases: []string{"r"}, Usage: "a role: a name from the account's roles, a role name in the account, or a role ARN"}
	sessionNameFlag = &cli.StringFlag{Name: "session-name", Usage: "role session name (default: the IAM user name)"}
	externalIDFlag  = &cli.StringFlag{Name: "external-id", Usage: "external id the role's trust policy asks for"}
	noSessionFlag   = &cli.BoolFlag{Name: "no-session", Usage: "don't use the cached MFA session: assume the role with the long-lived keys and an MFA code (allows up to 12h)"}
	noMFAFlag       = &cli.BoolFlag{Name: "no-mfa", Usage: "send no MFA code with the long-lived keys (for roles that don't ask for MFA)"}
	forceFlag       = &cli.BoolFlag{Name: "force", Usage: "get new credentials even if valid ones are cached"}
)

// got is a set of credentials for a command to use.
type got struct {
	acc   *config.Account
	label string // MY_AWS_SET_FOR
	creds exports.Creds
	arn   string
	hit   bool // from the cache
}

func (g *got) target(s *session) exports.Target {
	return exports.Target{Account: g.acc.Name, Label: g.label, Region: s.region(g.acc)}
}

func entryGot(acc *config.Account, label string, e *cache.Entry, hit bool) *got {
	return &got{acc: acc, label: label, creds: credsOf(e), arn: e.ARN, hit: hit}
}

// mfaSession returns the account's MFA session: the cached one while valid,
// else a new one from GetSessionToken with a code from the usual sources.
func (s *session) mfaSession(c *cli.Context, name string) (*got, error) {
	acc, ttl, err := s.keyAccount(c, name)
	if err != nil {
		return nil, err
	}
	dur, err := s.sessionDuration(c, acc)
	if err != nil {
		return nil, err
	}
	user, err := s.user(name)
	if err != nil {
		return nil, err
	}
	ep, err := s.endpoint(c, s.region(acc))
	if err != nil {
		return nil, err
	}
	serial := acc.MFASerial(user)
	p := &creds.SessionToken{
		Source:    lazyKeys{s, name},
		Endpoint:  ep,
		Duration:  dur,
		MFASerial: serial,
		Code:      s.codeSource(c, acc, user).Get,
	}
	tmpl := cache.Entry{Account: name, Kind: "session", MFASerial: serial, Source: "keys"}
	return s.cachedGet(c, acc, name+"-MFA-STS", sessionKey(name), tmpl, p, ttl, "the MFA session for account "+name, asked(c, dur, ""))
}

// asked accepts a cached entry only if it was made as the command line
// asks: with an explicit --duration, for about that long; with a source,
// from that source.
func asked(c *cli.Context, dur time.Duration, source string) func(*cache.Entry) bool {
	explicit := flagString(c, "duration") != ""
	return func(e *cache.Entry) bool {
		if explicit && (e.Lifetime()-dur > 2*time.Minute || dur-e.Lifetime() > 2*time.Minute) {
			return false
		}
		return source == "" || e.Source == source
	}
}

// cachedGet gets credentials from the cache entry key, or from p under the
// entry's lock, and labels them.
func (s *session) cachedGet(c *cli.Context, acc *config.Account, label, key string, tmpl cache.Entry, p aws.CredentialsProvider, ttl time.Duration, what string, accept func(*cache.Entry) bool) (*got, error) {
	cached := &creds.Cached{
		Accept:   accept,
		Store:    s.store,
		Key:      key,
		Template: tmpl,
		Provider: p,
		MinTTL:   ttl,
		Now:      s.now,
		Refresh:  c.Bool("force"),
		Waiting:  func() { s.say("Waiting for another awsenv to finish %s ...", what) },
		Warn:     s.warn,
	}
	e, hit, err := cached.Get(c.Context)
	if err != nil {
		return nil, err
	}
	return entryGot(acc, label, e, hit), nil
}

// keyAccount is an accounts-file account with key files, and the cache
// margin: what mfa and role start from.
func (s *session) keyAccount(c *cli.Context, name string) (*config.Account, time.Duration, error) {
	ttl, err := s.minTTL(c)
	if err != nil {
		return nil, 0, err
	}
	acc, err := s.account(name, false)
	if err != nil {
		return nil, 0, err
	}
	if acc.WebIdentity != nil {
		return nil, 0, errNotForWebIdentity(name)
	}
	return acc, ttl, nil
}

// plainKeys returns the account's long-lived keys.
func (s *session) plainKeys(name string) (*got, error) {
	acc, err := s.account(name, true)
	if err != nil {
		return nil, err
	}
	k, err := s.keys(name)
	if err != nil {
		return nil, err
	}
	return &got{acc: acc, label: name, creds: exports.Creds{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey}}, nil
}

// resolveRole turns ROLE into an ARN and a short name: a name from the
// account's roles, a role ARN, or a role name (or path/name) in the account.
func resolveRole(acc *config.Account, role string) (arn, short string, err error) {
	if a, ok := acc.Roles[role]; ok {
		return a, role, nil
	}
	if strings.HasPrefix(role, "arn:") {
		_, name, ok := strings.Cut(role, ":role/")
		if !ok || name == "" || !strings.HasPrefix(role, "arn:aws") {
			return "", "", usagef("%q is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME)", role)
		}
		return role, name[strings.LastIndexByte(name, '/')+1:], nil
	}
	for i := 0; i < len(role); i++ {
		c := role[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_+=,.@-/", c) >= 0) {
			return "", "", fmt.Errorf("unknown role %q for account %s: known roles are %s, or give a role ARN", role, acc.Name, roleList(acc))
		}
	}
	if role == "" || len(role) > 64 && !strings.Contains(role, "/") {
		return "", "", fmt.Errorf("unknown role %q for account %s", role, acc.Name)
	}
	return acc.ARNPrefix + "role/" + role, role[strings.LastIndexByte(role, '/')+1:], nil
}

func roleList(acc *config.Account) string {
	if len(acc.RoleNames) == 0 {
		return "none"
	}
	return strings.Join(acc.RoleNames, ", ")
}

// assumeRole returns the role's credentials: cached while valid, else from
// AssumeRole with the cached MFA session (role chaining, 1h at most) or with
// the long-lived keys and an MFA code.
func (s *session) assumeRole(c *cli.Context, name, role string) (*got, error) {
	acc, ttl, err := s.keyAccount(c, name)
	if err != nil {
		return nil, err
	}
	roleARN, short, err := resolveRole(acc, role)
	if err != nil {
		return nil, err
	}
	user, err := s.user(name)
	if err != nil {
		return nil, err
	}
	sessName := flagString(c, "session-name")
	if sessName == "" {
		sessName = user
	}
	if err := creds.CheckSessionName(sessName); err != nil {
		return nil, err
	}
	var source aws.CredentialsProvider = lazyKeys{s, name}
	chained, serial := false, ""
	if !c.Bool("no-session") {
		sess := &creds.Cached{Store: s.store, Key: sessionKey(name), MinTTL: ttl, Now: s.now}
		if e := sess.Lookup(); e != nil {
			source, chained = entryProvider{e}, true
		}
	}
	if !chained && !c.Bool("no-mfa") {
		serial = acc.MFASerial(user)
	}
	dur := creds.DefaultRoleDuration
	if v := flagString(c, "duration"); v != "" {
		if dur, err = config.ParseDuration(v); err != nil {
			return nil, usagef("--duration: %v", err)
		}
	}
	if err := creds.CheckRoleDuration(dur, chained); err != nil {
		return nil, err
	}
	ep, err := s.endpoint(c, s.region(acc))
	if err != nil {
		return nil, err
	}
	p := &creds.AssumeRole{
		Source:   source,
		Endpoint: ep,
		Input: stsapi.AssumeRoleInput{
			RoleARN: roleARN, SessionName: sessName, Duration: dur,
			ExternalID: flagString(c, "external-id"),
		},
		MFASerial: serial,
		Code:      s.codeSource(c, acc, user).Get,
	}
	src, want := "keys", ""
	if chained {
		src = "session"
	}
	if c.Bool("no-session") {
		want = "keys"
	}
	tmpl := cache.Entry{Account: name, Kind: "role", Role: roleARN, Source: src}
	return s.cachedGet(c, acc, name+"-ROLE-"+short, cache.Key(name, "role", roleARN, sessName), tmpl, p, ttl, "assuming "+short, asked(c, dur, want))
}

// entryProvider signs with cached temporary credentials.
type entryProvider struct{ e *cache.Entry }

func (p entryProvider) Retrieve(context.Context) (aws.Credentials, error) {
	return creds.FromEntry(p.e), nil
}

// obtain picks the credentials for exec, process and write: the role's with
// --role, the long-lived keys with --no-session, else the MFA session.
func (s *session) obtain(c *cli.Context, name string) (*got, error) {
	if p, err := s.profile(name); err != nil {
		return nil, err
	} else if p != nil {
		if role := flagString(c, "role"); role != "" {
			return s.profileRole(c, p, role)
		}
		return s.profileCreds(c, p, !c.Bool("no-session"))
	}
	if acc := s.accounts.Get(name); acc != nil && acc.WebIdentity != nil {
		if flagString(c, "role") != "" {
			return nil, errNotForWebIdentity(name)
		}
		return s.webIdentityAccount(c, acc)
	}
	switch {
	case flagString(c, "role") != "":
		return s.assumeRole(c, name, flagString(c, "role"))
	case c.Bool("no-session"):
		return s.plainKeys(name)
	default:
		return s.mfaSession(c, name)
	}
}
