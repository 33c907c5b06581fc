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

// profileCreds makes a profile's credentials. For a plain keys profile,
// session says whether an MFA session is wanted (exec, process, write) or
// the cached one is merely used when valid (switch).
func (s *session) profileCreds(c *cli.Context, p *config.Profile, wantSession bool) (*got, error) {
	ch, err := s.resolveChain(p.Name)
	if err != nil {
		return nil, err
	}
	ttl, err := s.minTTL(c)
	if err != nil {
		return nil, err
	}
	ep, err := s.endpoint(c, exports.ResolveRegion(p.Region, s.getenv))
	if err != nil {
		return nil, err
	}
	acc := profileAccount(p)
	b := ch.base
	var cur aws.CredentialsProvider
	chained := false
	var last *got
	switch {
	case ch.baseKeys:
		keys := creds.Static{Keys: config.Keys{AccessKeyID: b.AccessKeyID, SecretAccessKey: b.SecretAccessKey}}
		cur = keysWithToken{keys, b.SessionToken}
		chained = b.SessionToken != ""
		serial := b.MFASerial
		if len(ch.roles) > 0 {
			serial = ch.roles[0].MFASerial
			if ch.roles[0].Duration > creds.MaxChainedDuration {
				serial = "" // the first role is assumed with the keys and a code: up to 12h
			}
		}
		cached := &creds.Cached{Store: s.store, Key: cache.Key(profileNS, b.Name, "session"), MinTTL: ttl, Now: s.now}
		switch {
		case chained || serial == "":
		case len(ch.roles) == 0 && !wantSession:
			// switch on a keys profile: the MFA session while it is valid.
			if e := cached.Lookup(); e != nil {
				return entryGot(acc, p.Name+"-MFA-STS", e, true), nil
			}
		default:
			// One MFA session per source profile, reused by every role on it.
			dur := creds.DefaultSessionDuration
			sp := &creds.SessionToken{Source: cur, Endpoint: ep, Duration: dur, MFASerial: serial,
				Code: s.profileCode(c, b, serial).Get}
			tmpl := cache.Entry{Account: b.Name, Kind: "session", MFASerial: serial, Source: "keys"}
			g, err := s.cachedGet(c, acc, b.Name+"-MFA-STS", cached.Key, tmpl, sp, ttl, "the MFA session of profile "+b.Name, nil)
			if err != nil {
				return nil, err
			}
			if len(ch.roles) == 0 {
				g.label = p.Name + "-MFA-STS"
				return g, nil
			}
			cur, chained, last = credsProvider{g.creds}, true, g
		}
		if len(ch.roles) == 0 {
			return &got{acc: acc, label: p.Name, creds: exports.Creds{AccessKeyID: b.AccessKeyID, SecretAccessKey: b.SecretAccessKey, Token: b.SessionToken}}, nil
		}
	case b.CredentialProcess != "" && b.RoleARN == "":
		cr, err := (&creds.Process{Command: b.CredentialProcess, Stderr: s.io.Err}).Retrieve(c.Context)
		if err != nil {
			return nil, err
		}
		g := &got{acc: acc, label: p.Name, creds: exports.Creds{AccessKeyID: cr.AccessKeyID, SecretAccessKey: cr.SecretAccessKey, Token: cr.SessionToken, Expiration: cr.Expires}}
		if len(ch.roles) == 0 {
			return g, nil
		}
		cur, chained, last = credsProvider{g.creds}, cr.SessionToken != "", g
	default: // web identity
		g, err := s.webIdentityProfile(c, b)
		if err != nil {
			return nil, err
		}
		if len(ch.roles) == 0 {
			return g, nil
		}
		cur, chained, last = credsProvider{g.creds}, true, g
	}
	for _, r := range ch.roles {
		dur := r.Duration
		if dur == 0 {
			dur = creds.DefaultRoleDuration
		}
		if err := creds.CheckRoleDuration(dur, false); err != nil {
			return nil, fmt.Errorf("profile %q: duration_seconds: %v", r.Name, err)
		}
		if chained && dur > creds.MaxChainedDuration {
			return nil, fmt.Errorf("profile %q: duration_seconds %d is more than sts allows for a role assumed from temporary credentials (role chaining): 3600 at most", r.Name, int(dur/time.Second))
		}
		serial := ""
		if !chained && r.MFASerial != "" {
			serial = r.MFASerial
		}
		sessName := r.RoleSessionName
		if sessName == "" {
			sessName = defaultSessionName(s.getenv)
		}
		if err := creds.CheckSessionName(sessName); err != nil {
			return nil, fmt.Errorf("profile %q: role_session_name: %v", r.Name, err)
		}
		ap := &creds.AssumeRole{Source: cur, Endpoint: ep, MFASerial: serial, Code: s.profileCode(c, r, serial).Get,
			Input: stsapi.AssumeRoleInput{RoleARN: r.RoleARN, SessionName: sessName, Duration: dur, ExternalID: r.ExternalID}}
		src := "keys"
		if chained {
			src = "session"
		}
		tmpl := cache.Entry{Account: r.Name, Kind: "role", Role: r.RoleARN, Source: src}
		g, err := s.cachedGet(c, profileAccount(r), r.Name, cache.Key(profileNS, r.Name), tmpl, ap, ttl, "assuming the role of profile "+r.Name, nil)
		if err != nil {
			return nil, err
		}
		cur, chained, last = credsProvider{g.creds}, true, g
	}
	last.acc, last.label = acc, p.Name
	return last, nil
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
	return s.cachedGet(c, profileAccount(p), p.Name+"-ROLE-"+short, cache.Key(profileNS, p.Name, "role", role, sessName), tmpl, ap, ttl, "assuming "+short, asked(c, dur, ""))
}
