// Package doctor checks an awsenv setup and says, one line a finding, what
// is wrong and what to do: file modes, the accounts file and ~/.aws files,
// every name's chain, the cache, the wrappers, the clock and the endpoint.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/creds"
	"github.com/awsenv/awsenv/internal/iamapi"
	"github.com/awsenv/awsenv/internal/resolve"
	"github.com/awsenv/awsenv/internal/signin"
	"github.com/awsenv/awsenv/internal/xerr"
)

// Finding is one line of the report.
type Finding struct {
	OK   bool
	Text string // what was found, and what to do when it is a problem
}

// Options are what the checks need from the outside.
type Options struct {
	Dir, Config string
	Getenv      func(string) string
	Now         func() time.Time
	Timeout     time.Duration
	// Offline skips the checks that call STS.
	Offline bool
}

// MaxSkew is how far the clock may be off STS's before TOTP codes and
// signatures start to fail (codes are valid for 30 s either side).
const MaxSkew = 30 * time.Second

// Run runs every check.
func Run(ctx context.Context, o Options) []Finding {
	var f []Finding
	add := func(ok bool, format string, a ...any) {
		f = append(f, Finding{OK: ok, Text: fmt.Sprintf(format, a...)})
	}
	env, err := resolve.NewEnv(o.Dir, o.Config, o.Getenv)
	if err != nil {
		add(false, "%v", err)
		return f
	}
	p := env.Paths
	if env.Accounts.Path != "" {
		add(true, "accounts file %s: %d accounts", env.Accounts.Path, len(env.Accounts.Names()))
	}
	checkDir(add, p.CredDir)
	names := env.AccountNames()
	var ages keyAges
	if !o.Offline {
		ages = checkKeyAges(ctx, env, names, o)
	}
	for _, n := range names {
		checkAccount(add, env, n)
		if a, ok := ages.found[n]; ok {
			add(a.OK, "%s", a.Text)
		}
	}
	if ages.skipped > 0 {
		add(true, "the age of the access keys of %d more accounts is unknown: iam was not asked once it could not be reached", ages.skipped)
	}
	checkProfiles(add, env)
	checkLogins(add, env, o)
	checkCache(add, p.CacheDir)
	if w := o.Getenv("AWSENV_WRAPPERS"); w != "" {
		add(true, "the ec2* wrappers are loaded (%s)", w)
	} else {
		add(false, "the ec2* wrappers are not loaded in this shell: add eval \"$(awsenv init bash)\" (or zsh, fish, powershell) to your shell's start-up file")
	}
	if !o.Offline {
		checkSTS(ctx, add, env, o)
	}
	return f
}

func checkDir(add func(bool, string, ...any), dir string) {
	st, err := os.Stat(dir)
	if err != nil {
		add(false, "credential directory %s: %v: run 'awsenv add NAME' to set up an account", dir, xerr.Root(err))
		return
	}
	if m := st.Mode().Perm(); m&0o077 != 0 {
		add(false, "credential directory %s is open to others (mode %04o): run chmod 700 %s", dir, m, dir)
	}
}

func checkAccount(add func(bool, string, ...any), env *resolve.Env, name string) {
	acc := env.Accounts.Get(name)
	if acc != nil && acc.WebIdentity != nil {
		add(true, "account %s logs in through %s", name, acc.WebIdentity.Issuer)
		return
	}
	if acc != nil && acc.KeyStore != "" {
		add(true, "account %s: keys in the keyring (%s), not in plain files", name, acc.KeyStore)
		return
	}
	ak, sk := config.KeyFiles(env.Paths.CredDir, name)
	bad := false
	for _, path := range []string{ak, sk} {
		st, err := os.Stat(path)
		if err != nil {
			add(false, "account %s: %v: put its key there, or run 'awsenv add %s'", name, xerr.Root(err), name)
			bad = true
			continue
		}
		if m := st.Mode().Perm(); m&0o077 != 0 {
			add(false, "key file %s is readable by others (mode %04o): run chmod 600 %s", path, m, path)
			bad = true
		}
	}
	if _, err := config.LoadKeys(env.Paths.CredDir, name, nil); err != nil && !bad {
		add(false, "account %s: %v", name, err)
		bad = true
	}
	if acc == nil {
		add(false, "account %s has key files but no entry in %s: MFA sessions and roles need its \"arn\": run 'awsenv add %s --force' or add the entry", name, orNone(env.Accounts.Path), name)
		return
	}
	if _, err := config.LoadUser(env.Paths.CredDir, name, env.Getenv); err != nil {
		add(false, "account %s: %v", name, err)
		bad = true
	}
	if !bad {
		add(true, "account %s: keys readable only by you", name)
	}
}

// MaxKeyAge is how old an access key may be before doctor says to rotate it.
const MaxKeyAge = 90 * 24 * time.Hour

// checkKeyAge asks IAM how old an account's access key is (key files
// only: doctor never unlocks a keyring). Where IAM cannot say, it says so
// without calling it a problem.
// keyAges are the findings of checkKeyAges, by account, and how many
// accounts it did not ask about.
type keyAges struct {
	found   map[string]Finding
	skipped int
}

// keyAgeWorkers is how many accounts checkKeyAges asks IAM about at once:
// thousands of accounts are thousands of calls.
const keyAgeWorkers = 8

// checkKeyAges asks IAM the age of each account's key-file key, a few
// accounts at a time. Once IAM cannot be reached (no answer, not a
// refusal), the accounts not yet asked are not: a machine without the
// network would otherwise wait the timeout once an account. What a call
// needs is read here, in the caller's goroutine (the Env is not for
// sharing), as the calls go.
func checkKeyAges(ctx context.Context, env *resolve.Env, names []string, o Options) keyAges {
	type job struct {
		i   int
		ask keyAsk
	}
	found := make([]*Finding, len(names))
	asked := make([]bool, len(names))
	var unreachable atomic.Bool
	jobs := make(chan job)
	var wg sync.WaitGroup
	for range keyAgeWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if unreachable.Load() {
					continue
				}
				f, answered := j.ask.age(ctx, o)
				found[j.i], asked[j.i] = f, true
				if !answered {
					unreachable.Store(true)
				}
			}
		}()
	}
	sent := make([]bool, len(names))
	for i, n := range names {
		if !keyAgeKnowable(env, n) {
			continue
		}
		sent[i] = true
		if unreachable.Load() {
			continue
		}
		if a, ok := keyAskOf(env, n, o); ok {
			jobs <- job{i, a}
		} else {
			sent[i] = false
		}
	}
	close(jobs)
	wg.Wait()
	ages := keyAges{found: map[string]Finding{}}
	for i, n := range names {
		switch {
		case found[i] != nil:
			ages.found[n] = *found[i]
		case sent[i] && !asked[i]:
			ages.skipped++
		}
	}
	return ages
}

// keyAgeKnowable says whether IAM can be asked the age of the account's
// key: an account of the accounts file whose keys are key files.
func keyAgeKnowable(env *resolve.Env, name string) bool {
	acc := env.Accounts.Get(name)
	return acc != nil && acc.WebIdentity == nil && acc.KeyStore == ""
}

// keyAsk is one account's question to IAM: the key and who to ask.
type keyAsk struct {
	name, keyID string
	iam         *iamapi.Client
}

// keyAskOf is the question for the account, if IAM can be asked: an
// account of the accounts file whose keys are key files.
func keyAskOf(env *resolve.Env, name string, o Options) (keyAsk, bool) {
	if !keyAgeKnowable(env, name) {
		return keyAsk{}, false
	}
	acc := env.Accounts.Get(name)
	keys, err := config.LoadKeys(env.Paths.CredDir, name, nil)
	if err != nil {
		return keyAsk{}, false
	}
	ep, err := iamapi.ResolveEndpoint(acc.Partition, o.Getenv)
	if err != nil {
		return keyAsk{}, false
	}
	sts, err := env.AccountEndpoint(acc.Region, acc.Partition, o.Timeout)
	if err != nil {
		return keyAsk{}, false
	}
	hc, err := sts.HTTPClient()
	if err != nil {
		return keyAsk{}, false
	}
	return keyAsk{name: name, keyID: keys.AccessKeyID,
		iam: iamapi.NewClient(ep, creds.Static{AccessKeyID: keys.AccessKeyID, SecretAccessKey: keys.SecretAccessKey}, hc)}, true
}

// age is the finding on the age of the key, and whether IAM answered.
func (a keyAsk) age(ctx context.Context, o Options) (*Finding, bool) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	list, err := a.iam.ListAccessKeys(ctx, "")
	if err != nil {
		return &Finding{OK: true, Text: fmt.Sprintf("account %s: the age of its access key is unknown (%s)", a.name, strings.TrimSuffix(xerr.Root(err).Error(), "."))},
			iamapi.Answered(err)
	}
	for _, k := range list {
		if k.AccessKeyID != a.keyID {
			continue
		}
		age := o.Now().Sub(k.CreateDate)
		days := int(age / (24 * time.Hour))
		if age > MaxKeyAge {
			return &Finding{Text: fmt.Sprintf("the access key of account %s is %d days old: run 'awsenv rotate %s'", a.name, days, a.name)}, true
		}
		return &Finding{OK: true, Text: fmt.Sprintf("the access key of account %s is %d days old", a.name, days)}, true
	}
	return nil, true // not listed: nothing to say of its age
}

// checkProfiles loads ~/.aws/config and credentials and plans every
// profile as switch would, so that loops, missing source profiles and bad
// settings show here, not on the first switch.
func checkProfiles(add func(bool, string, ...any), env *resolve.Env) {
	cfg, _ := env.ProfileFiles()
	ps, err := env.Profiles()
	if err != nil {
		add(false, "%v", err)
		return
	}
	for _, w := range ps.Warnings() {
		add(false, "%s", w)
	}
	names, _ := env.ProfileNames()
	bad := 0
	for _, n := range names {
		src, err := env.Lookup(n)
		if err == nil {
			_, err = src.Plan(resolve.Request{Purpose: resolve.Switch}, nil)
		}
		if err != nil {
			add(false, "%v", err)
			bad++
		}
	}
	if len(names) > 0 && bad == 0 {
		add(true, "%s: %d profiles resolve", cfg, len(names))
	}
}

// checkLogins reports the aws login sessions of login_session profiles:
// there, renewable, and kept 0600 in a 0700 folder.
func checkLogins(add func(bool, string, ...any), env *resolve.Env, o Options) {
	ps, err := env.Profiles()
	if err != nil {
		return // checkProfiles said so
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	c := &signin.Client{Getenv: env.Getenv}
	for _, n := range ps.Names() {
		p := ps.Get(n)
		if p == nil || p.LoginSession == "" || p.Err != nil {
			continue
		}
		st, err := c.Status(p.LoginSession)
		switch {
		case errors.Is(err, os.ErrNotExist):
			add(false, "profile %s: %v: run 'awsenv login %s'", n, err, n)
			continue
		case err != nil:
			add(false, "profile %s: %v: remove it and run 'awsenv login %s'", n, err, n)
			continue
		}
		if st.FileMode&0o077 != 0 {
			add(false, "the aws login cache file %s is open to others (mode %04o): run chmod 600 %s", st.Path, st.FileMode, st.Path)
		}
		if st.DirMode&0o077 != 0 {
			add(false, "the aws login cache folder %s is open to others (mode %04o): run chmod 700 %s", filepath.Dir(st.Path), st.DirMode, filepath.Dir(st.Path))
		}
		until := "expired"
		if d := st.Expires.Sub(now()); d > 0 {
			until = "valid until " + st.Expires.Local().Format("15:04 MST")
		}
		key := "its key in the cache file"
		if st.Keyring != "" {
			key = "its key in " + st.Keyring + ", so only awsenv renews it"
		}
		renews := "for up to 12h from the sign-in"
		if !st.RenewsUntil.IsZero() {
			renews = "until " + st.RenewsUntil.Local().Format("15:04 MST") + " at most, 12h from the sign-in"
		}
		if !st.RenewsUntil.IsZero() && !st.RenewsUntil.After(now()) {
			add(false, "profile %s: the aws login session of %s ended at %s, 12h after the sign-in: run 'awsenv login %s'", n, st.LoginSession, st.RenewsUntil.Local().Format("15:04 MST"), n)
		} else {
			add(true, "profile %s: aws login session of %s (credentials %s; renewed with its refresh token %s, then run 'awsenv login %s'; %s)", n, st.LoginSession, until, renews, n, key)
		}
	}
}

// checkCache reads every entry: a corrupt or foreign one is reported (and
// would be ignored by the commands).
func checkCache(add func(bool, string, ...any), dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return // no cache yet
	}
	var problems []string
	store := &cache.Store{Dir: dir, Warn: func(s string) { problems = append(problems, strings.TrimPrefix(s, "warning: ")) }}
	n := 0
	for _, de := range ents {
		name := de.Name()
		if !strings.HasSuffix(name, ".json") || strings.HasPrefix(name, ".") {
			continue
		}
		k, ok := cache.ParseKey(strings.TrimSuffix(name, ".json"))
		if !ok {
			problems = append(problems, fmt.Sprintf("cache file %s was not written by this awsenv: remove it", filepath.Join(dir, name)))
			continue
		}
		if store.Get(k) != nil {
			n++
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		add(false, "%s: run 'awsenv forget --all' or remove it", strings.TrimSuffix(p, " (it will be replaced)"))
	}
	if len(problems) == 0 {
		add(true, "cache %s: %d entries", dir, n)
	}
}

// checkSTS asks the STS endpoint anything, unsigned: the answer (a
// refusal) shows that it answers, and its Date header how far the clock
// is off.
func checkSTS(ctx context.Context, add func(bool, string, ...any), env *resolve.Env, o Options) {
	ep, err := env.AccountEndpoint("", "aws", o.Timeout)
	if err != nil {
		add(false, "%v", err)
		return
	}
	hc, err := ep.HTTPClient()
	if err != nil {
		add(false, "%v", err)
		return
	}
	target := ep.Address()
	ctx, cancel := context.WithTimeout(ctx, ep.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	if err != nil {
		add(false, "sts endpoint %s: %v", target, err)
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sent := o.Now()
	resp, err := hc.Do(req)
	if err != nil {
		add(false, "cannot reach sts at %s: %v: check the network, a proxy, or AWS_ENDPOINT_URL_STS", target, xerr.Root(err))
		return
	}
	resp.Body.Close()
	got := o.Now()
	add(true, "sts at %s answers (%s)", target, got.Sub(sent).Round(time.Millisecond))
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return
	}
	// Date is truncated to the second: its middle is the best guess.
	date = date.Add(500 * time.Millisecond)
	mid := sent.Add(got.Sub(sent) / 2)
	skew := mid.Sub(date)
	if skew < 0 {
		skew = -skew
	}
	if skew > MaxSkew+time.Second {
		dir := "ahead of"
		if mid.Before(date) {
			dir = "behind"
		}
		add(false, "the clock is %s %s sts's: mfa codes and signatures will be refused; set the time right (timedatectl set-ntp true, or your system's time settings)", skew.Round(time.Second), dir)
		return
	}
	add(true, "the clock agrees with sts's (within %s)", MaxSkew)
}

func orNone(s string) string {
	if s == "" {
		return "the accounts file (there is none)"
	}
	return s
}
