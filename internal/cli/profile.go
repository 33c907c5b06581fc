package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/creds"
	"github.com/awsenv/awsenv/internal/exports"
	"github.com/awsenv/awsenv/internal/prompt"
	"github.com/awsenv/awsenv/internal/stsapi"
)

// profiles loads ~/.aws/config and ~/.aws/credentials on first use: the
// commands that run in every prompt on an account never read them.
func (s *session) profiles() (*config.Profiles, error) {
	if s.profs == nil {
		ps, err := config.LoadProfiles(config.ProfileFiles(s.getenv))
		if err != nil {
			return nil, err
		}
		s.profs = ps
	}
	return s.profs, nil
}

// profile returns the named profile when NAME is not an account, or nil.
func (s *session) profile(name string) (*config.Profile, error) {
	if s.accounts.Get(name) != nil || (config.CheckName(name) == nil && config.HasKeys(s.paths.CredDir, name)) {
		return nil, nil
	}
	ps, err := s.profiles()
	if err != nil {
		return nil, err
	}
	return ps.Get(name), nil
}

// profileNS starts the cache keys of profiles; no account name can start
// with "@", so a profile never shares an entry with an account.
const profileNS = "@profile"

// chain is how a profile's credentials are made: a base (keys, a
// credential_process, or a web identity role) and the roles assumed on
// top of it, innermost first.
type chain struct {
	base     *config.Profile
	baseKeys bool // the base's own static keys (it may also be the first role)
	roles    []*config.Profile
}

// resolveChain follows source_profile links and reports loops.
func (s *session) resolveChain(name string) (*chain, error) {
	ps, err := s.profiles()
	if err != nil {
		return nil, err
	}
	p := ps.Get(name)
	if p == nil {
		return nil, s.unknown(name)
	}
	ch := &chain{}
	var path []string
	seen := map[string]bool{}
	for {
		if p.Err != nil {
			return nil, fmt.Errorf("profile %q: %v", p.Name, p.Err)
		}
		if seen[p.Name] {
			return nil, fmt.Errorf("profile %q: source_profile loop %s -> %s: fix source_profile in %s", name, strings.Join(path, " -> "), p.Name, s.configFile())
		}
		seen[p.Name] = true
		path = append(path, p.Name)
		switch {
		case p.RoleARN != "" && p.WebIdentityTokenFile != "":
			ch.base = p
			return ch, nil
		case p.RoleARN != "":
			ch.roles = append([]*config.Profile{p}, ch.roles...)
			if p.SourceProfile == "" {
				if p.CredentialSource != "" {
					return nil, fmt.Errorf("profile %q: credential_source %s is not supported by awsenv: use source_profile", p.Name, p.CredentialSource)
				}
				return nil, fmt.Errorf("profile %q has role_arn but no source_profile: add one in %s", p.Name, s.configFile())
			}
			if p.SourceProfile == p.Name && p.AccessKeyID != "" {
				ch.base, ch.baseKeys = p, true
				return ch, nil
			}
			next := ps.Get(p.SourceProfile)
			if next == nil {
				return nil, fmt.Errorf("profile %q: source_profile %q does not exist in %s", p.Name, p.SourceProfile, s.configFile())
			}
			p = next
		case p.AccessKeyID != "":
			if p.SecretAccessKey == "" {
				return nil, fmt.Errorf("profile %q has aws_access_key_id but no aws_secret_access_key", p.Name)
			}
			ch.base, ch.baseKeys = p, true
			return ch, nil
		case p.CredentialProcess != "":
			ch.base = p
			return ch, nil
		default:
			return nil, fmt.Errorf("profile %q has no credentials (aws_access_key_id, role_arn or credential_process)", p.Name)
		}
	}
}

func (s *session) configFile() string {
	f, _ := config.ProfileFiles(s.getenv)
	return f
}

// profileAccount is the account-like view of a profile for output.
func profileAccount(p *config.Profile) *config.Account {
	return &config.Account{Name: p.Name, Region: p.Region}
}

// step is one cached link of a profile's chain.
type step struct {
	prof     *config.Profile
	kind     string // "session" or "role"
	key      string
	fp       string // fingerprint of everything the credentials depend on
	serial   string // MFA device whose code this step sends
	dur      time.Duration
	sessName string
}

// fingerprint hashes what a cache entry was made from: an entry made
// from another config (an edited role_arn, another AWS_CONFIG_FILE, new
// keys) does not match and is not used.
func fingerprint(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// profileKey names a profile's cache entries; the profile name stays in
// the first part, so forget finds them even when the key is hashed.
func profileKey(name string, rest ...string) string {
	return cache.Key(append([]string{profileNS + ":" + name}, rest...)...)
}

// profileCreds makes a profile's credentials. For a plain keys profile,
// wantSession says whether an MFA session is wanted (exec, process, write)
// or the cached one is merely used while valid (switch).
func (s *session) profileCreds(c *cli.Context, p *config.Profile, wantSession bool) (*got, error) {
	ch, err := s.resolveChain(p.Name)
	if err != nil {
		return nil, err
	}
	ttl, err := s.minTTL(c)
	if err != nil {
		return nil, err
	}
	acc := profileAccount(p)
	b := ch.base
	cfg, credFile := config.ProfileFiles(s.getenv)

	// Plan the chain: the base, an MFA session for keys that a role (or
	// the caller) wants one for, then the roles.
	var steps []step
	var baseFP string
	mfaDone := false
	switch {
	case ch.baseKeys:
		baseFP = fingerprint("keys", cfg, credFile, b.Name, b.AccessKeyID, b.SessionToken)
		serial := b.MFASerial
		if len(ch.roles) > 0 {
			serial = ch.roles[0].MFASerial
			if ch.roles[0].Duration > creds.MaxChainedDuration {
				serial = "" // that role is assumed with the keys and a code: up to 12h
			}
		}
		noSession := c.Bool("no-session") && len(ch.roles) == 0
		if b.SessionToken == "" && serial != "" && !noSession {
			st := step{prof: b, kind: "session", key: profileKey(b.Name, "session"), serial: serial, dur: creds.DefaultSessionDuration}
			st.fp = fingerprint(baseFP, "session", serial)
			if len(ch.roles) == 0 && !wantSession {
				// switch on a keys profile: its MFA session while valid, else its keys.
				if e := s.lookup(st, ttl); e != nil {
					return entryGot(acc, p.Name+"-MFA-STS", e, true), nil
				}
			} else {
				steps = append(steps, st)
				mfaDone = true
			}
		}
	case b.CredentialProcess != "" && b.RoleARN == "":
		baseFP = fingerprint("process", b.CredentialProcess)
	default:
		baseFP = fingerprint("web-identity", b.RoleARN, absPath(b.WebIdentityTokenFile), b.RoleSessionName, b.Duration.String())
	}
	prev, temporary := baseFP, !ch.baseKeys || b.SessionToken != "" || len(steps) > 0
	for _, r := range ch.roles {
		st := step{prof: r, kind: "role", key: profileKey(r.Name), dur: r.Duration, sessName: r.RoleSessionName}
		if st.dur == 0 {
			st.dur = creds.DefaultRoleDuration
		}
		if err := creds.CheckRoleDuration(st.dur, false); err != nil {
			return nil, fmt.Errorf("profile %q: duration_seconds: %v", r.Name, err)
		}
		if temporary && st.dur > creds.MaxChainedDuration {
			return nil, fmt.Errorf("profile %q: duration_seconds %d is more than sts allows for a role assumed from temporary credentials (role chaining): 3600 at most", r.Name, int(st.dur/time.Second))
		}
		if st.sessName == "" {
			st.sessName = defaultSessionName(s.getenv)
		}
		if err := creds.CheckSessionName(st.sessName); err != nil {
			return nil, fmt.Errorf("profile %q: role_session_name: %v", r.Name, err)
		}
		// A role with mfa_serial gets a code unless the credentials it is
		// assumed with already carry MFA (the source's session, or a role
		// assumed with a code).
		if r.MFASerial != "" && !mfaDone {
			st.serial, mfaDone = r.MFASerial, true
		}
		st.fp = fingerprint(prev, r.RoleARN, st.sessName, st.dur.String(), r.ExternalID, st.serial)
		prev, temporary = st.fp, true
		steps = append(steps, st)
	}

	// The last step's entry, while valid, is all that is needed: no base
	// credentials, no credential_process run, no code.
	if n := len(steps); n > 0 {
		if e := s.lookup(steps[n-1], ttl); e != nil {
			g := entryGot(acc, p.Name, e, true)
			if steps[n-1].kind == "session" {
				g.label = p.Name + "-MFA-STS"
			}
			return g, nil
		}
	}

	ep, err := s.endpoint(c, exports.ResolveRegion(p.Region, s.getenv))
	if err != nil {
		return nil, err
	}
	var cur aws.CredentialsProvider
	var g *got
	switch {
	case ch.baseKeys:
		cur = keysWithToken{creds.Static{Keys: config.Keys{AccessKeyID: b.AccessKeyID, SecretAccessKey: b.SecretAccessKey}}, b.SessionToken}
		g = &got{acc: acc, label: p.Name, creds: exports.Creds{AccessKeyID: b.AccessKeyID, SecretAccessKey: b.SecretAccessKey, Token: b.SessionToken}}
	case b.CredentialProcess != "" && b.RoleARN == "":
		if g, err = s.runCredentialProcess(c, b, acc); err != nil {
			return nil, err
		}
		cur = credsProvider{g.creds}
	default:
		if g, err = s.webIdentityProfile(c, b, baseFP); err != nil {
			return nil, err
		}
		cur = credsProvider{g.creds}
	}
	for _, st := range steps {
		var pr aws.CredentialsProvider
		tmpl := cache.Entry{Account: st.prof.Name, Config: st.fp}
		if st.kind == "session" {
			pr = &creds.SessionToken{Source: cur, Endpoint: ep, Duration: st.dur, MFASerial: st.serial,
				Code: s.profileCode(c, st.prof, st.serial).Get}
			tmpl.Kind, tmpl.MFASerial, tmpl.Source = "session", st.serial, "keys"
		} else {
			pr = &creds.AssumeRole{Source: cur, Endpoint: ep, MFASerial: st.serial, Code: s.profileCode(c, st.prof, st.serial).Get,
				Input: stsapi.AssumeRoleInput{RoleARN: st.prof.RoleARN, SessionName: st.sessName, Duration: st.dur, ExternalID: st.prof.ExternalID}}
			tmpl.Kind, tmpl.Role = "role", st.prof.RoleARN
		}
		fp := st.fp
		g, err = s.cachedGet(c, profileAccount(st.prof), st.prof.Name, st.key, tmpl, pr, ttl,
			"the credentials of profile "+st.prof.Name, func(e *cache.Entry) bool { return e.Config == fp })
		if err != nil {
			return nil, err
		}
		cur = credsProvider{g.creds}
	}
	g.acc, g.label = acc, p.Name
	if n := len(steps); n > 0 && steps[n-1].kind == "session" {
		g.label = p.Name + "-MFA-STS"
	}
	return g, nil
}

// lookup returns a step's cached entry while it is valid and was made from
// the same configuration.
func (s *session) lookup(st step, ttl time.Duration) *cache.Entry {
	cached := &creds.Cached{Store: s.store, Key: st.key, MinTTL: ttl, Now: s.now,
		Accept: func(e *cache.Entry) bool { return e.Config == st.fp }}
	return cached.Lookup()
}

// runCredentialProcess runs a profile's credential_process, refusing one
// that comes back to the same profile (credential_process = awsenv process
// X, where X is this very profile), which would recurse without end.
func (s *session) runCredentialProcess(c *cli.Context, p *config.Profile, acc *config.Account) (*got, error) {
	chain := s.getenv("AWSENV_PROCESS_CHAIN")
	for _, n := range strings.Split(chain, ",") {
		if n == p.Name {
			return nil, fmt.Errorf("profile %q: its credential_process comes back to profile %q (a loop): point it at an account or another profile", p.Name, p.Name)
		}
	}
	if chain != "" {
		chain += ","
	}
	pr := &creds.Process{Command: p.CredentialProcess, Stderr: s.io.Err, Env: []string{"AWSENV_PROCESS_CHAIN=" + chain + p.Name}}
	cr, err := pr.Retrieve(c.Context)
	if err != nil {
		return nil, fmt.Errorf("profile %q: %w", p.Name, err)
	}
	return &got{acc: acc, label: p.Name, creds: exports.Creds{AccessKeyID: cr.AccessKeyID, SecretAccessKey: cr.SecretAccessKey, Token: cr.SessionToken, Expiration: cr.Expires}}, nil
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// keysWithToken signs with static profile keys, with their session token.
type keysWithToken struct {
	keys  creds.Static
	token string
}

func (k keysWithToken) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := k.keys.Retrieve(ctx)
	c.SessionToken = k.token
	return c, err
}

// credsProvider signs with credentials already in hand.
type credsProvider struct{ c exports.Creds }

func (p credsProvider) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: p.c.AccessKeyID, SecretAccessKey: p.c.SecretAccessKey, SessionToken: p.c.Token,
		CanExpire: !p.c.Expiration.IsZero(), Expires: p.c.Expiration}, nil
}

// profileCode is where an MFA code for a profile's device comes from.
func (s *session) profileCode(c *cli.Context, p *config.Profile, serial string) prompt.Source {
	who := serial[strings.LastIndexByte(serial, '/')+1:]
	src := prompt.Source{Code: flagString(c, "code"), Process: p.MFAProcess, Stderr: s.io.Err,
		Prompt: fmt.Sprintf("Enter token for user %s: ", who)}
	if src.Process == "" {
		src.Process = s.getenv("AWSENV_MFA_PROCESS")
	}
	return src
}

// defaultSessionName is the role session name of profiles without
// role_session_name: the login name when STS accepts it.
func defaultSessionName(getenv func(string) string) string {
	if u := getenv("USER"); creds.CheckSessionName(u) == nil {
		return u
	}
	return "awsenv"
}

// profileRole assumes ROLE with a profile's credentials: ROLE is another
// profile with a role_arn, or a role ARN (chained, so 1h at most).
func (s *session) profileRole(c *cli.Context, p *config.Profile, role string) (*got, error) {
	ps, err := s.profiles()
	if err != nil {
		return nil, err
	}
	if rp := ps.Get(role); rp != nil && rp.RoleARN != "" {
		return s.profileCreds(c, rp, true)
	}
	if !strings.HasPrefix(role, "arn:") || !strings.Contains(role, ":role/") {
		return nil, fmt.Errorf("unknown role %q for profile %s: give a role ARN or the name of a profile with role_arn", role, p.Name)
	}
	src, err := s.profileCreds(c, p, true)
	if err != nil {
		return nil, err
	}
	ttl, err := s.minTTL(c)
	if err != nil {
		return nil, err
	}
	dur := creds.DefaultRoleDuration
	if v := flagString(c, "duration"); v != "" {
		if dur, err = config.ParseDuration(v); err != nil {
			return nil, usagef("--duration: %v", err)
		}
	}
	chained := src.creds.Token != ""
	if err := creds.CheckRoleDuration(dur, chained); err != nil {
		return nil, err
	}
	sessName := flagString(c, "session-name")
	if sessName == "" {
		sessName = defaultSessionName(s.getenv)
	}
	if err := creds.CheckSessionName(sessName); err != nil {
		return nil, err
	}
	ep, err := s.endpoint(c, exports.ResolveRegion(p.Region, s.getenv))
	if err != nil {
		return nil, err
	}
	short := role[strings.LastIndexByte(role, '/')+1:]
	ap := &creds.AssumeRole{Source: credsProvider{src.creds}, Endpoint: ep,
		Input: stsapi.AssumeRoleInput{RoleARN: role, SessionName: sessName, Duration: dur, ExternalID: flagString(c, "external-id")}}
	tmpl := cache.Entry{Account: p.Name, Kind: "role", Role: role, Source: "session"}
	return s.cachedGet(c, profileAccount(p), p.Name+"-ROLE-"+short, profileKey(p.Name, "role", role, sessName), tmpl, ap, ttl, "assuming "+short, asked(c, dur, ""))
}
