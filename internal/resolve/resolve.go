package resolve

import (
	"context"
	"io"
	"time"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/config"
)

// Resolver answers a command's request for a name: Lookup, Plan, Build and
// Retrieve, in that order. It is made ready to use by New, with its mode
// fixed: a command never reconfigures it, and never sees the builder or the
// cache behind it.
type Resolver struct {
	env *Env
	b   *builder
}

// Options are a resolver's mode and where its messages go; New fixes them.
type Options struct {
	Dir, Config string // --dir, --config: where the setup is read
	Getenv      func(string) string
	Now         func() time.Time
	MinTTL      time.Duration // cached credentials count while more is left
	Timeout     time.Duration // of each call to AWS
	Code        string        // --code
	Open        bool          // open identity-provider logins in the browser
	DeviceCode  bool          // IAM Identity Center logins by device code
	Headless    bool          // SAML sign-ins in a browser without a window
	// Unattended resolvers never ask a person: no code from the terminal,
	// no browser login; where one is needed the chain fails with an
	// xerr.NeedsPerson error that says what to run. mfa_process still runs.
	Unattended bool
	Stderr     io.Writer // prompts' helpers and credential_process write here
	Say        func(format string, a ...any)
	Warn       func(string)
	// Progress, when set, shows what a slow call waits for.
	Progress func(what string) (done func())
}

// New reads where the setup is (nothing is parsed before it is needed) and
// makes a resolver in the mode o gives.
func New(o Options) (*Resolver, error) {
	env, err := NewEnv(o.Dir, o.Config, o.Getenv)
	if err != nil {
		return nil, err
	}
	return newResolver(env, o), nil
}

func newResolver(env *Env, o Options) *Resolver {
	if o.Say == nil {
		o.Say = func(string, ...any) {}
	}
	if o.Warn == nil {
		o.Warn = func(string) {}
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	b := &builder{
		Store:  &cache.Store{Dir: env.Paths.CacheDir, Warn: o.Warn},
		Getenv: env.Getenv, Now: o.Now, MinTTL: o.MinTTL, Timeout: o.Timeout,
		Code: o.Code, Open: o.Open, DeviceCode: o.DeviceCode, Headless: o.Headless, NoPrompt: o.Unattended,
		Stderr: o.Stderr, Say: o.Say, Warn: o.Warn, Progress: o.Progress, CredDir: env.Paths.CredDir,
	}
	return &Resolver{env: env, b: b}
}

// Resolved is a request's answer: the plan it followed and what it served.
type Resolved struct {
	*Result
	Plan *Plan
}

// Plan looks name up and plans req for it, without building anything.
func (r *Resolver) Plan(name string, req Request) (*Plan, error) {
	src, err := r.env.Lookup(name)
	if err != nil {
		return nil, err
	}
	if req.Purpose != Switch {
		r.env.LoadUser(src)
	}
	return src.Plan(req, r.unexpired)
}

// unexpired is the planner's view of the cache: whether key has an entry
// that has not expired. A role is chained from an MFA session until its
// end, inside the --min-ttl margin too (the role's own lifetime does not
// depend on the session's), so that no code is asked for a role while the
// session lasts; the session step warns that it is ending (creds.Cached).
func (r *Resolver) unexpired(key cache.Key) bool {
	if key.Name == "" {
		return false
	}
	e := r.b.Store.Get(key)
	return e != nil && e.Valid(r.b.now(), 0)
}

// Resolve gets the credentials req asks for on name.
func (r *Resolver) Resolve(ctx context.Context, name string, req Request) (*Resolved, error) {
	p, err := r.Plan(name, req)
	if err != nil {
		return nil, err
	}
	return r.Run(ctx, p)
}

// Run builds a plan and retrieves its credentials.
func (r *Resolver) Run(ctx context.Context, p *Plan) (*Resolved, error) {
	for _, n := range p.Notes {
		r.b.Warn(n)
	}
	ch, err := r.b.Build(p)
	if err != nil {
		return nil, err
	}
	res, err := ch.Get(ctx)
	if err != nil {
		return nil, err
	}
	return &Resolved{Result: res, Plan: p}, nil
}

// ValidCached is the planner's view of the cache: whether key has a valid
// entry (more than MinTTL left).
func (r *Resolver) ValidCached(key cache.Key) bool { return r.validCached(key) != nil }

func (b *builder) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

// Renewal is how long a plan's credentials renew without a person.
type Renewal struct {
	// Until is when a person is needed; zero when no step needs one, or
	// when the end cannot be told (While).
	Until time.Time
	// While names what lasts an end no client is told of (an IAM
	// Identity Center session, whose refresh token renews the role
	// credentials); "" otherwise.
	While string
	// Then is what the person runs when it ends.
	Then string
}

// Renewal says how long the plan's credentials renew without a person:
// until the valid cached credentials of the first step only a person
// renews (an MFA session, a role assumed with a code, a browser login)
// expire, or, without such a step, while an IAM Identity Center session
// lasts. It reads caches only: no lock, no refresh, no call.
func (r *Resolver) Renewal(p *Plan) Renewal {
	now := r.b.now()
	var sso *Renewal // a later step that needs a person ends renewal first
	for _, st := range p.Steps {
		if st.Kind == Login {
			if rn := r.loginRenewal(p, &st); sso == nil {
				sso = &rn
			}
			continue
		}
		if st.Kind == SSO {
			sess := st.SSO.SSOSession()
			rn := Renewal{Until: now, Then: sess.LoginCommand()}
			expires, refreshable := r.b.ssoClient().Renewal(sess)
			switch {
			case refreshable:
				rn = Renewal{While: "the IAM Identity Center session lasts", Then: rn.Then}
			case expires.After(now):
				rn.Until = expires
			}
			// Without a refresh, the role credentials cached from the
			// last login are served until they expire.
			if e := r.validCached(st.Key); e != nil && rn.While == "" && e.Credentials.Expiration.After(rn.Until) {
				rn.Until = e.Credentials.Expiration
			}
			if sso == nil {
				sso = &rn
			}
			continue
		}
		person := st.MFASerial != "" || (st.Kind == WebIdentity && st.TokenFile == "") || (st.Kind == Session && st.OnlyCached) || st.Kind == SAML
		if !person {
			continue
		}
		then := "ec2mfa"
		if st.Kind == WebIdentity || st.Kind == SAML {
			then = "ec2switch " + p.Name // its browser login
		}
		if e := r.validCached(st.Key); e != nil {
			return Renewal{Until: e.Credentials.Expiration, Then: then}
		}
		if st.OnlyCached {
			continue // none valid: the plan falls back to what needs no person
		}
		return Renewal{Until: now, Then: then} // a person is needed now
	}
	if sso != nil {
		return *sso
	}
	return Renewal{}
}

// validCached is the step's cached entry while it is valid (more than
// MinTTL left), nil otherwise or when the step is not cached.
func (r *Resolver) validCached(key cache.Key) *cache.Entry {
	if key.Name == "" {
		return nil
	}
	e := r.b.Store.Get(key)
	if e == nil || !e.Valid(r.b.now(), r.b.MinTTL) {
		return nil
	}
	return e
}

// Current is the name commands without a NAME work on: the flag's value,
// else the account ec2switch chose, else $AWS_PROFILE (Env.Current).
func (r *Resolver) Current(flag string) (string, bool) { return r.env.Current(flag) }

// AccountNames are the accounts of the accounts file and the key files.
func (r *Resolver) AccountNames() []string { return r.env.AccountNames() }

// Names are every switchable name, for completion and list --names.
func (r *Resolver) Names() ([]string, error) { return r.env.Names() }

// Paths are where the setup lives.
func (r *Resolver) Paths() config.Paths { return r.env.Paths }

// Noun is what the plan's name is to a person: "account" or "profile".
func (p *Plan) Noun() string {
	if p.Scope == cache.ScopeProfile {
		return "profile"
	}
	return "account"
}

// ShowsLifetime says whether a switch tells how long the credentials last:
// profiles and web identities do; an account's MFA session says it with
// ec2now.
func (p *Plan) ShowsLifetime() bool {
	return p.Scope == cache.ScopeProfile || p.Steps[0].Kind == WebIdentity || p.Steps[0].Kind == SAML
}

// OnAccountKeys says whether the plan is an account's switch on its
// long-lived keys, whose cached MFA session is used while it is valid.
func (p *Plan) OnAccountKeys() bool {
	return p.Scope == cache.ScopeAccount && p.Steps[0].Kind == KeyFiles
}

// ResolveWebIdentity gets the credentials of a role assumed with a web
// identity that no account or profile names (awsenv web-identity).
func (r *Resolver) ResolveWebIdentity(ctx context.Context, w WebIdentityRequest, req Request) (*Resolved, error) {
	p, err := r.env.WebIdentityPlan(w.RoleARN, w.TokenFile, w.Login, w.Region, req)
	if err != nil {
		return nil, err
	}
	return r.Run(ctx, p)
}

// WebIdentityRequest is a web identity role and where its token comes
// from: a file, or a browser login at an OIDC provider.
type WebIdentityRequest struct {
	RoleARN, TokenFile, Region string
	Login                      *config.WebIdentity
}
