// Package resolve is the one place that decides what a NAME is and how its
// credentials are made. Lookup finds the account or profile a name stands for
// and describes its configuration as a Source; Plan applies STS's rules to a
// typed Request and returns the chain of steps; Build turns a plan into a
// provider. Commands call Resolver.Resolve and render the result; they never
// assemble a chain themselves.
package resolve

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/creds"
	"github.com/awsenv/awsenv/internal/index"
	"github.com/awsenv/awsenv/internal/xerr"
)

// Env is what lookups read: the paths, the accounts file, the profiles of
// ~/.aws/config (loaded on first use: a switch to an account never reads
// them) and the caller's environment.
type Env struct {
	Paths    config.Paths
	Accounts *config.Accounts
	Getenv   func(string) string

	profiles *config.Profiles
	profErr  error
	loaded   bool

	index *index.Index // the files are read through it; nil reads them whole
}

// NewEnv resolves the paths from the --dir and --config flags (empty when not
// given) and the environment, and reads the accounts file.
func NewEnv(dirFlag, configFlag string, getenv func(string) string) (*Env, error) {
	p, err := config.Resolve(dirFlag, configFlag, getenv)
	if err != nil {
		return nil, err
	}
	ix := index.New(p.CacheDir, index.Settle)
	accounts, err := ix.Accounts(p.Accounts, !p.AccountsExplicit)
	if err != nil {
		return nil, err
	}
	return &Env{Paths: p, Accounts: accounts, Getenv: getenv, index: ix}, nil
}

// Profiles returns the profiles of the config and credentials files.
func (e *Env) Profiles() (*config.Profiles, error) {
	if !e.loaded {
		e.profiles, e.profErr = e.index.Profiles(e.ProfileFiles())
		e.loaded = true
	}
	return e.profiles, e.profErr
}

// ProfileFiles are the config and credentials files in use.
func (e *Env) ProfileFiles() (configFile, credentialsFile string) {
	return config.ProfileFiles(e.Getenv)
}

// Source is what a name stands for, as configured: where the credentials
// start (Base) and, for a profile, the profile to plan from. An accounts-file
// account is a chain whose base is its key files; a profile's chain follows
// its source_profile links when it is planned.
type Source struct {
	Name  string
	Scope cache.Scope // ScopeAccount or ScopeProfile
	// Region is where the credentials are used and STS is called: the
	// configured one, else the caller's AWS_REGION / AWS_DEFAULT_REGION,
	// else the partition's default.
	Region    string
	Partition string
	AccountID string // "" when the configuration does not say
	// User is the person's name: the account's IAM user (NAME.user, else
	// $USER) or, for profiles, $USER. Role session names default to it.
	User    string
	UserErr error // NAME.user is unreadable or malformed

	userLoaded bool

	// Account is the accounts-file entry (nil for profiles and for key
	// files without an entry).
	Account *config.Account
	// Listed says the account has an entry in the accounts file: MFA
	// sessions and roles need its ARN prefix.
	Listed bool
	// KeyDir holds the account's key files.
	KeyDir string

	// Profile and Profiles: the profile named, for planning its chain.
	Profile     *config.Profile
	Profiles    *config.Profiles
	ConfigFiles [2]string // config and credentials file, for fingerprints

	// Endpoint is the configured STS endpoint ("" for the region's) and the
	// setting it comes from, for error messages.
	Endpoint, EndpointFrom string

	unknown func() error // the "unknown account" error, with the known names
}

// Lookup is the one place that decides what NAME is: an account of the
// accounts file (key files, or an identity-provider login), an account that
// only has key files, or a profile of ~/.aws/config and ~/.aws/credentials.
func (e *Env) Lookup(name string) (*Source, error) {
	acc, err := e.Accounts.Entry(name)
	if err != nil {
		return nil, err
	}
	if acc != nil {
		src := e.accountSource(name, acc)
		src.Listed = true
		return src, nil
	}
	if config.CheckName(name) == nil && config.HasKeys(e.Paths.CredDir, name) {
		src := e.accountSource(name, &config.Account{Name: name})
		src.unknown = func() error { return e.unlisted(name) }
		return src, nil
	}
	ps, err := e.Profiles()
	if err != nil {
		return nil, err
	}
	p := ps.Get(name)
	if p == nil {
		return nil, e.Unknown(name)
	}
	cfg, credFile := e.ProfileFiles()
	src := &Source{
		Name: name, Scope: cache.ScopeProfile, Profile: p, Profiles: ps, ConfigFiles: [2]string{cfg, credFile},
		Region: e.region(p.Region, partitionOf(p.RoleARN)), Partition: partitionOf(p.RoleARN), User: e.loginName(),
	}
	src.AccountID = accountOf(p.RoleARN)
	if p.RoleARN == "" && p.SSOAccountID != "" {
		src.AccountID = p.SSOAccountID
	}
	if p.RoleARN == "" && p.LoginSession != "" {
		src.AccountID = accountOf(p.LoginSession) // the principal aws login signed in
	}
	if src.Partition == "aws" && p.SSORegion != "" {
		src.Partition = regionPartition(p.SSORegion)
	}
	src.Endpoint, src.EndpointFrom = e.stsEndpoint(p, ps)
	return src, nil
}

func (e *Env) accountSource(name string, acc *config.Account) *Source {
	src := &Source{
		Name: name, Scope: cache.ScopeAccount, Account: acc, KeyDir: e.Paths.CredDir,
		Region: e.region(acc.Region, acc.Partition), Partition: acc.Partition, AccountID: acc.AccountID,
	}
	// The IAM user (NAME.user) is read by LoadUser when a plan needs it:
	// switch, in every prompt, does not.
	src.User = e.loginName()
	src.Endpoint, src.EndpointFrom = e.stsEndpoint(nil, nil)
	src.unknown = func() error { return e.Unknown(name) }
	return src
}

// WebIdentityPlan plans the web-identity command's request: a role assumed
// with an ID token from tokenFile, or from a login when tokenFile is "".
func (e *Env) WebIdentityPlan(roleARN, tokenFile string, login *config.WebIdentity, region string, req Request) (*Plan, error) {
	p, err := webIdentityPlan(roleARN, tokenFile, login, e.region(region, partitionOf(roleARN)), req, e.loginName())
	if err != nil {
		return nil, err
	}
	p.Endpoint, p.EndpointFrom = e.stsEndpoint(nil, nil)
	return p, nil
}

// LoadUser fills in the IAM user of a key-files account from NAME.user.
func (e *Env) LoadUser(src *Source) {
	if src.Scope == cache.ScopeAccount && src.Account.WebIdentity == nil && !src.userLoaded {
		src.User, src.UserErr = config.LoadUser(e.Paths.CredDir, src.Name, e.Getenv)
		src.userLoaded = true
	}
}

// unlisted is the error for key files without an accounts-file entry,
// which MFA sessions and roles need (its ARN names the device).
func (e *Env) unlisted(name string) error {
	where := "the accounts file " + e.Paths.Accounts
	if e.Accounts.Path == "" {
		where = "no accounts file (" + e.Paths.Accounts + " is missing)"
	}
	return xerr.New(xerr.Failed, fmt.Errorf("account %q has key files in %s but no entry in %s", name, e.Paths.CredDir, where),
		fmt.Sprintf("add \"%s\": \"arn:aws:iam::ACCOUNT_ID:\" to it, or run 'awsenv add %s --force'", name, name))
}

// Unknown is the error for a name that is neither an account nor a profile.
func (e *Env) Unknown(name string) error {
	names := e.AccountNames()
	if len(names) == 0 {
		where := e.Paths.Accounts
		if e.Accounts.Path == "" {
			where = "no accounts file found"
		}
		return xerr.New(xerr.Failed, fmt.Errorf("unknown account %q: no accounts are set up (%s)", name, where),
			"run 'awsenv add "+name+"' with an IAM user's access key")
	}
	candidates := names
	if profiles, err := e.ProfileNames(); err == nil {
		candidates = append(candidates[:len(candidates):len(candidates)], profiles...)
	}
	return xerr.New(xerr.Failed, fmt.Errorf("unknown account %q%s: known accounts are %s", name, xerr.DidYouMean(name, candidates), strings.Join(names, ", ")), "")
}

// AccountNames lists the accounts file's names in file order, then the
// accounts that only have key files, sorted.
func (e *Env) AccountNames() []string {
	names := e.Accounts.Names()
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		seen[n] = true
	}
	return append(names, e.keyOnlyNames(seen)...)
}

// keyOnlyNames are the names with key files that are not in seen (the
// accounts file's), in the order of their files; seen gains them.
func (e *Env) keyOnlyNames(seen map[string]bool) []string {
	names, _ := e.keyOnly(seen)
	return names
}

// keyOnly is keyOnlyNames, and whether the key files' listing is what
// its directory's stamp says (see index.Index.KeyFileNames).
func (e *Env) keyOnly(seen map[string]bool) ([]string, bool) {
	var out []string
	names, stamped := e.index.KeyFileNames(e.Paths.CredDir)
	for _, n := range names {
		if !seen[n] && config.CheckName(n) == nil {
			out = append(out, n)
			seen[n] = true
		}
	}
	return out, stamped
}

// ProfileNames lists the profiles that are not accounts, in file order.
func (e *Env) ProfileNames() ([]string, error) {
	// One listing of the key files and one set of account names, not a
	// lookup of each profile in both (list --names runs on every TAB).
	accounts := e.Accounts.Names()
	taken := make(map[string]bool, len(accounts))
	for _, n := range accounts {
		taken[n] = true
	}
	e.keyOnlyNames(taken)
	return e.profilesNotIn(taken)
}

// profilesNotIn lists the profiles whose names are not taken, in file order.
func (e *Env) profilesNotIn(taken map[string]bool) ([]string, error) {
	ps, err := e.Profiles()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range ps.Names() {
		if !taken[n] {
			out = append(out, n)
		}
	}
	return out, nil
}

// Names are AccountNames then ProfileNames, with ProfileNames's error:
// every name a switch takes, which completion offers on every TAB. With
// thousands of them they come from the index (index.Index.Names), kept
// while none of the files they come from changes.
func (e *Env) Names() ([]string, error) {
	cfg, cred := e.ProfileFiles()
	files := [4]string{e.Paths.Accounts, e.Paths.CredDir, cfg, cred}
	return e.index.Names(files, func() ([]string, bool, error) {
		accounts := e.Accounts.Names()
		taken := make(map[string]bool, len(accounts))
		for _, n := range accounts {
			taken[n] = true
		}
		keyOnly, stamped := e.keyOnly(taken)
		names := append(accounts, keyOnly...)
		profiles, err := e.profilesNotIn(taken)
		if err != nil {
			return names, stamped, err
		}
		return append(names, profiles...), stamped, nil
	})
}

// rawListing is what list shows: the accounts of AccountNames and the
// profiles of ProfileNames, in that order, as rows. They come from the
// index when it is current.
type rawListing struct {
	// Accounts: an account with key files and no entry in the accounts
	// file has only its name.
	Accounts []config.AccountRow
	Profiles []config.ProfileRow
	// ProfilesErr is a config or credentials file that cannot be read:
	// the accounts are listed all the same.
	ProfilesErr error
}

// Rows are what list shows of the accounts and profiles, without the
// cache; err is a file that cannot be read (what could be read is there).
func (e *Env) Rows() (accounts []config.AccountRow, profiles []config.ProfileRow, err error) {
	l, err := e.listing()
	if err == nil {
		err = l.ProfilesErr
	}
	return l.Accounts, l.Profiles, err
}

// listing reads what list shows; an error is an accounts file that no
// longer loads.
func (e *Env) listing() (rawListing, error) {
	rows, err := e.Accounts.Rows()
	if err != nil {
		return rawListing{}, err
	}
	taken := make(map[string]bool, len(rows))
	for _, r := range rows {
		taken[r.Name] = true
	}
	for _, n := range e.keyOnlyNames(taken) {
		rows = append(rows, config.AccountRow{Name: n})
	}
	l := rawListing{Accounts: rows}
	ps, err := e.Profiles()
	if err != nil {
		l.ProfilesErr = err
		return l, nil
	}
	prows := ps.Rows() // a fresh slice: filtered in place
	l.Profiles = prows[:0]
	for _, r := range prows {
		if !taken[r.Name] {
			l.Profiles = append(l.Profiles, r)
		}
	}
	return l, nil
}

// Current is the name commands without a NAME work on: the flag's value,
// else the account ec2switch chose ($AWSENV_ACCOUNT), else $AWS_PROFILE or
// $AWS_DEFAULT_PROFILE, as the AWS CLI and SDKs would pick.
func (e *Env) Current(flag string) (string, bool) {
	for _, v := range []string{flag, e.Getenv("AWSENV_ACCOUNT"), e.Getenv("AWS_PROFILE"), e.Getenv("AWS_DEFAULT_PROFILE")} {
		if v != "" {
			return v, true
		}
	}
	return "", false
}

// region is the configured region, else the caller's, else the partition's
// default.
func (e *Env) region(configured, partition string) string {
	for _, r := range []string{configured, e.Getenv("AWS_REGION"), e.Getenv("AWS_DEFAULT_REGION")} {
		if r != "" {
			return r
		}
	}
	switch partition {
	case "aws-us-gov":
		return "us-gov-west-1"
	case "aws-cn":
		return "cn-north-1"
	}
	return "us-east-1"
}

// loginName is the person's login name; role session names default to it.
func (e *Env) loginName() string {
	for _, v := range []string{"USER", "LOGNAME"} {
		if u := e.Getenv(v); u != "" {
			return u
		}
	}
	return ""
}

// AccountEndpoint is where STS calls made for no profile go (add, keys,
// rotate, doctor): the configured endpoint, in region, else the caller's,
// else the partition's default, with the caller's CA bundle.
func (e *Env) AccountEndpoint(region, partition string, timeout time.Duration) (creds.Endpoint, error) {
	url, from := e.stsEndpoint(nil, nil)
	return newEndpoint(url, from, e.region(region, partition), timeout, e.Getenv)
}

// stsEndpoint is the configured STS endpoint, in the order the AWS SDKs
// use (checked against the Go SDK and botocore): AWS_ENDPOINT_URL_STS,
// AWS_ENDPOINT_URL, the sts endpoint_url of the profile's [services]
// section, the profile's endpoint_url; none of them when
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (else the profile's
// ignore_configured_endpoint_urls) is true.
func (e *Env) stsEndpoint(p *config.Profile, ps *config.Profiles) (url, from string) {
	ignore := false
	if v := e.Getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"); v != "" {
		ignore = strings.EqualFold(v, "true")
	} else if p != nil {
		ignore = p.IgnoreConfiguredEndpointURLs
	}
	if ignore {
		return "", ""
	}
	for _, v := range []string{"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"} {
		if u := e.Getenv(v); u != "" {
			return u, v
		}
	}
	if p == nil {
		return "", ""
	}
	cfg, _ := e.ProfileFiles()
	if p.Services != "" {
		if u := ps.ServiceEndpoint(p.Services, "sts"); u != "" {
			return u, fmt.Sprintf("endpoint_url of sts in [services %s] of %s", p.Services, cfg)
		}
	}
	if p.EndpointURL != "" {
		return p.EndpointURL, fmt.Sprintf("endpoint_url of profile %s in %s", p.Name, cfg)
	}
	return "", ""
}

// regionPartition is the partition a region is in.
func regionPartition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// partitionOf is the partition of an ARN ("aws" when it is not one).
func partitionOf(arn string) string {
	if rest, ok := strings.CutPrefix(arn, "arn:"); ok {
		if part, _, ok := strings.Cut(rest, ":"); ok && part != "" {
			return part
		}
	}
	return "aws"
}

// accountOf is the account id of an ARN, "" when it has none.
func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && len(parts[4]) == 12 && strings.Trim(parts[4], "0123456789") == "" {
		return parts[4]
	}
	return ""
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
