package resolve

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/console"
	"github.com/awsenv/awsenv/internal/creds"
	"github.com/awsenv/awsenv/internal/keystore"
	"github.com/awsenv/awsenv/internal/prompt"
	"github.com/awsenv/awsenv/internal/signin"
	"github.com/awsenv/awsenv/internal/xerr"
)

// signinClient is the run's `aws login` client, made on first use; its
// calls follow the policy of region's STS endpoint (AWS_CA_BUNDLE).
func (b *builder) signinClient(region string) (*signin.Client, error) {
	if b.signin != nil {
		return b.signin, nil
	}
	ep, err := creds.NewEndpoint("", "", region, b.Timeout, b.Getenv("AWS_CA_BUNDLE"), false)
	if err != nil {
		return nil, err
	}
	hc, err := ep.HTTPClient()
	if err != nil {
		return nil, err
	}
	b.signin = &signin.Client{Getenv: b.Getenv, HTTP: hc, Timeout: b.Timeout, Now: b.Now, Warn: b.Warn,
		Waiting: func(msg string) { b.Say("%s", msg) }, Progress: b.Progress, Vault: b.Secrets}
	return b.signin, nil
}

// loginStep is a login_session profile's credentials, renewed once less
// than the cache's margin (a server's, when longer) is left, so that what
// the Cached decorator asks for is always fresh enough for it.
func (b *builder) loginStep(p *Plan, st *Step) aws.CredentialsProvider {
	region := st.LoginRegion
	if region == "" {
		region = p.Region
	}
	sess := signin.Session{Profile: st.Name, LoginSession: st.LoginSession, Region: region}
	window := max(b.MinTTL, b.RefreshBefore)
	return aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
		c, err := b.signinClient(region)
		if err != nil {
			return aws.Credentials{}, err
		}
		return (&creds.Login{Client: c, Session: sess, Window: window}).Retrieve(ctx)
	})
}

// LoginRequest is what `awsenv login` asks for.
type LoginRequest struct {
	Name   string // the profile; "" for the current one, else "default"
	Region string // --region: the profile's region (written when given or new)
	Remote bool   // the cross-device flow: a code pasted from another device
	// Keyring (--keyring) keeps the session's DPoP key in that keyring
	// backend ("auto", "pass", ...) instead of the cache file; "": the file.
	Keyring string
}

// LoginResult is what a login did.
type LoginResult struct {
	Profile, LoginSession, AccountID, Region string
	ConfigFile                               string
	Created                                  bool   // the profile was made
	Keyring                                  string // where the session's key is, when not in the cache file
	Expires                                  time.Time
}

// loginTarget is the profile a login or logout works on.
func (r *Resolver) loginTarget(name string) (string, *config.Profile, error) {
	if name == "" {
		if cur, ok := r.env.Current(""); ok {
			name = cur
		} else {
			name = "default"
		}
		if acc, _ := r.env.Accounts.Entry(name); acc != nil {
			return "", nil, xerr.New(xerr.Failed, fmt.Errorf("the current name %q is an account of the accounts file, not a profile", name), "name the profile to log in: awsenv login NAME")
		}
	} else if acc, _ := r.env.Accounts.Entry(name); acc != nil {
		return "", nil, xerr.New(xerr.Failed, fmt.Errorf("%q is an account of the accounts file, which comes before any profile of that name", name),
			"choose another name for the aws login profile")
	}
	ps, err := r.env.Profiles()
	if err != nil {
		return "", nil, err
	}
	return name, ps.Get(name), nil
}

// Login signs in the way `aws login` does and records the session in the
// profile (login_session, and region when given or new), creating it when
// absent. A profile that gets its credentials another way is refused.
func (r *Resolver) Login(ctx context.Context, req LoginRequest) (*LoginResult, error) {
	if r.b.NoPrompt {
		return nil, xerr.New(xerr.NeedsPerson, fmt.Errorf("a sign-in needs a person"), "run 'awsenv login' in a terminal")
	}
	name, p, err := r.loginTarget(req.Name)
	if err != nil {
		return nil, err
	}
	cfg, _ := r.env.ProfileFiles()
	if p != nil {
		if p.Err != nil {
			return nil, xerr.New(xerr.Failed, fmt.Errorf("profile %q: %w", name, p.Err), "")
		}
		if k := p.Kind(); k != "login" && k != "none" {
			return nil, xerr.New(xerr.Failed, fmt.Errorf("profile %q in %s already gets its credentials another way (%s)", name, cfg, k),
				"log in to a profile of its own: awsenv login NEWNAME")
		}
	}
	var keyring string
	if req.Keyring != "" {
		loc, err := keystore.ForNew(req.Keyring, r.b.storeOptions(r.b.CredDir))
		if err != nil {
			return nil, xerr.New(xerr.Usage, err, "")
		}
		if !loc.Keyring {
			return nil, xerr.New(xerr.Usage, fmt.Errorf("--keyring %s keeps the key in the cache file, as without --keyring", req.Keyring), "name a keyring backend, or leave --keyring out")
		}
		keyring = loc.String()
	}
	region := req.Region
	if region == "" && p != nil {
		region = p.Region
	}
	if region == "" {
		region = r.env.region("", "")
	}
	client, err := r.b.signinClient(region)
	if err != nil {
		return nil, err
	}
	opts := signin.LoginOptions{Profile: name, Region: region, Remote: req.Remote, Keyring: keyring,
		Show: func(u string) error {
			if req.Remote {
				r.b.Say("Open this address on any device, sign in, and paste the code the page shows: %s", u)
			} else {
				r.b.Say("Sign in to AWS in your browser: %s", u)
			}
			return nil
		},
		ReadCode: func(q string) (string, error) { return prompt.Ask(nil, q, false) },
	}
	if !req.Remote && CanOpenBrowser(r.b.Getenv, r.b.Open) {
		opts.Open = func(u string) error { return console.Browse(u, r.b.Getenv) }
	}
	l, err := client.Login(ctx, opts)
	if err != nil {
		return nil, err
	}
	set := [][2]string{{"login_session", l.LoginSession}}
	if req.Region != "" || p == nil || p.Region == "" {
		set = append(set, [2]string{"region", region})
	}
	created, err := config.SetProfile(ctx, cfg, name, set)
	if err != nil {
		return nil, fmt.Errorf("signed in, but cannot record login_session in profile %s: %w", name, err)
	}
	if p != nil && p.LoginSession != l.LoginSession {
		r.forgetLogin(name) // credentials cached from another principal's session
	}
	return &LoginResult{Profile: name, LoginSession: l.LoginSession, AccountID: l.AccountID, Region: region,
		ConfigFile: cfg, Created: created, Expires: l.Expires, Keyring: l.Keyring}, nil
}

// LogoutResult is what a logout did.
type LogoutResult struct {
	Profile, LoginSession string
	Deleted               bool // the login cache file was there
	Forgotten             int  // awsenv's cached credentials dropped
}

// Logout deletes the cached login of a login_session profile and the
// credentials awsenv cached from it (its own and its role profiles').
func (r *Resolver) Logout(ctx context.Context, name string) (*LogoutResult, error) {
	name, p, err := r.loginTarget(name)
	if err != nil {
		return nil, err
	}
	cfg, _ := r.env.ProfileFiles()
	if p == nil || p.LoginSession == "" {
		return nil, xerr.New(xerr.Failed, fmt.Errorf("profile %q in %s has no login_session", name, cfg), "")
	}
	client, err := r.b.signinClient(p.Region)
	if err != nil {
		return nil, err
	}
	deleted, err := client.Logout(ctx, signin.Session{Profile: name, LoginSession: p.LoginSession, Region: p.Region})
	if err != nil {
		return nil, err
	}
	return &LogoutResult{Profile: name, LoginSession: p.LoginSession, Deleted: deleted, Forgotten: r.forgetLogin(name)}, nil
}

// forgetLogin drops awsenv's cached credentials of profile name and of the
// role profiles whose source_profile chain leads to it.
func (r *Resolver) forgetLogin(name string) int {
	ps, err := r.env.Profiles()
	if err != nil {
		return 0
	}
	owners := map[string]bool{name: true}
	for _, n := range ps.Names() {
		seen := map[string]bool{}
		for p := ps.Get(n); p != nil && !seen[p.Name]; p = ps.Get(p.SourceProfile) {
			seen[p.Name] = true
			if p.Name == name {
				owners[n] = true
				break
			}
			if p.SourceProfile == "" {
				break
			}
		}
	}
	n := 0
	for _, k := range r.b.Store.Keys() {
		if k.Scope != cache.ScopeProfile || !owners[k.Name] {
			continue
		}
		if ok, _ := r.b.Store.Delete(k); ok {
			n++
		}
	}
	return n
}

// loginRenewal is how long a login step renews without a person: while
// the sign-in's refresh token lasts, 12 hours from the sign-in when the
// cache says when that was (a time no client is told: at most), else until
// its credentials expire.
func (r *Resolver) loginRenewal(p *Plan, st *Step) Renewal {
	then := "awsenv login " + st.Name
	region := cmp.Or(st.LoginRegion, p.Region)
	c, err := r.b.signinClient(region)
	if err != nil {
		return Renewal{Until: r.b.now(), Then: then}
	}
	var expires time.Time
	if s, err := c.Status(st.LoginSession); err == nil {
		switch {
		case s.RenewsUntil.After(r.b.now()):
			return Renewal{Until: s.RenewsUntil, Then: then}
		case s.RenewsUntil.IsZero():
			return Renewal{While: "the aws login session lasts (at most 12h from the sign-in)", Then: then}
		}
		expires = s.Expires
	}
	if e := r.validCached(st.Key); e != nil && e.Credentials.Expiration.After(expires) {
		expires = e.Credentials.Expiration
	}
	if expires.IsZero() {
		expires = r.b.now()
	}
	return Renewal{Until: expires, Then: then}
}

// LoginState is what the cache says of an aws login session, for ec2now.
type LoginState struct {
	Found       bool      // the session is cached (with its refresh token)
	Expires     time.Time // its cached credentials'
	RenewsUntil time.Time // at most (12h from the sign-in); zero when unknown
	// Problem is why the cache cannot be read, when it cannot; Broken
	// says the file is there but not one awsenv can use (remove it).
	Problem string
	Broken  bool
}

// LoginStateOf reads the aws login cache for loginSession (no lock, no
// call): for ec2now, which reads one file only when a shell was switched
// to an aws login session.
func LoginStateOf(getenv func(string) string, loginSession string) LoginState {
	st, err := (&signin.Client{Getenv: getenv}).Status(loginSession)
	var fe *signin.FileError
	switch {
	case errors.As(err, &fe):
		return LoginState{Found: true, Problem: fe.Error(), Broken: true}
	case errors.Is(err, fs.ErrNotExist):
		return LoginState{}
	case err != nil:
		return LoginState{Found: true, Problem: xerr.OneLine(err.Error())}
	}
	return LoginState{Found: true, Expires: st.Expires, RenewsUntil: st.RenewsUntil}
}
