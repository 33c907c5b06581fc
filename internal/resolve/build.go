package resolve

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/awsquery"
	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/console"
	"github.com/awsenv/awsenv/internal/creds"
	"github.com/awsenv/awsenv/internal/httpx"
	"github.com/awsenv/awsenv/internal/keystore"
	"github.com/awsenv/awsenv/internal/oidclogin"
	"github.com/awsenv/awsenv/internal/prompt"
	"github.com/awsenv/awsenv/internal/signin"
	"github.com/awsenv/awsenv/internal/sso"
	"github.com/awsenv/awsenv/internal/stsapi"
	"github.com/awsenv/awsenv/internal/xerr"
)

// builder turns plans into providers. It holds what every chain of one run
// shares: the cache, the clock, where codes come from and where messages go.
type builder struct {
	Store   *cache.Store
	Getenv  func(string) string
	Now     func() time.Time
	MinTTL  time.Duration
	Timeout time.Duration // of each STS call
	Code    string        // --code
	Open    bool          // open identity-provider logins in the browser
	Stderr  io.Writer     // prompts' helpers and credential_process write here
	Say     func(format string, a ...any)
	Warn    func(string)
	// NoPrompt builds chains that run unattended (a credential server):
	// a code from the terminal or a browser login is never asked for;
	// where one is needed the chain fails with an xerr.NeedsPerson error
	// that says what to run. mfa_process still runs.
	NoPrompt bool
	// RefreshBefore, when more than MinTTL, is the margin of the plan's
	// last step: a server renews what it serves that long before expiry.
	RefreshBefore time.Duration
	// DeviceCode logs in to IAM Identity Center by device code even where
	// a browser could open.
	DeviceCode bool
	// Headless runs SAML sign-ins in a browser without a window.
	Headless bool
	// Progress, when set, shows what a slow call waits for (stderr is a
	// terminal).
	Progress func(what string) (done func())

	// CredDir is the credential directory: the key files, and the
	// encrypted-file keyring's default folder.
	CredDir string

	keyFiles map[string]config.Keys // read once per run, however many steps ask
	stores   map[string]keystore.Store
	secrets  map[string]keystore.Secrets
	sso      *sso.Client
	signin   *signin.Client
}

// Chain is a built plan: a provider of the plan's credentials that also
// tells what it served.
type Chain struct {
	Plan *Plan
	top  aws.CredentialsProvider
	// last decorates the plan's last step when it is cached; fallback is
	// the step before it, used when that step is OnlyCached and misses.
	last     *creds.Cached
	fallback aws.CredentialsProvider
	arn      interface{ ARN() string }
	result   Result
}

// Result is what a chain served.
type Result struct {
	Creds aws.Credentials
	Label string // MY_AWS_SET_FOR
	ARN   string // the assumed-role or federated-user ARN, when known
	Hit   bool   // the last step's entry came from the cache
}

// Retrieve makes the plan's credentials (an aws.CredentialsProvider).
func (c *Chain) Retrieve(ctx context.Context) (aws.Credentials, error) {
	r, err := c.Get(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	return r.Creds, nil
}

// Get makes the plan's credentials and says what they are.
func (c *Chain) Get(ctx context.Context) (*Result, error) {
	cr, err := c.top.Retrieve(ctx)
	label := c.Plan.Label
	if errors.Is(err, creds.ErrNotCached) {
		if c.fallback == nil {
			// A chain planned on a cached MFA session outlived it.
			return nil, xerr.New(xerr.NeedsPerson, fmt.Errorf("the mfa session of %s has expired", c.Plan.Name),
				"run "+mfaCommand(c.Plan.Name)+" in your shell")
		}
		cr, err = c.fallback.Retrieve(ctx)
		label = c.Plan.FallbackLabel
	}
	if err != nil {
		return nil, err
	}
	r := &Result{Creds: cr, Label: label}
	if c.Plan.AccountID != "" && r.Creds.AccountID == "" {
		r.Creds.AccountID = c.Plan.AccountID
	}
	if c.last != nil && label == c.Plan.Label {
		e, hit := c.last.Last()
		r.Hit = hit
		if e != nil {
			r.ARN = e.ARN
		}
	} else if c.arn != nil {
		r.ARN = c.arn.ARN()
	}
	c.result = *r
	return r, nil
}

// Build makes the chain of providers a plan describes. Nothing runs until
// the chain's Retrieve: a valid cached last step is all a cache hit reads.
func (b *builder) Build(p *Plan) (*Chain, error) {
	ep, err := b.endpoint(p)
	if err != nil {
		return nil, err
	}
	ch := &Chain{Plan: p}
	var cur aws.CredentialsProvider
	for i := range p.Steps {
		st := &p.Steps[i]
		pr, err := b.step(p, st, cur, ep)
		if err != nil {
			return nil, err
		}
		if a, ok := pr.(interface{ ARN() string }); ok {
			ch.arn = a
		}
		if st.Key.Name != "" {
			c := b.cached(p, st, pr)
			if i == len(p.Steps)-1 && b.RefreshBefore > c.MinTTL {
				c.MinTTL = b.RefreshBefore
			}
			if i == len(p.Steps)-1 {
				ch.last = c
				if st.OnlyCached && p.FallbackLabel != "" {
					ch.fallback = cur
				}
			}
			pr = c
		}
		cur = pr
	}
	ch.top = cur
	return ch, nil
}

func (b *builder) cached(p *Plan, st *Step, inner aws.CredentialsProvider) *creds.Cached {
	fp, lifetime, source := st.Fingerprint, st.WantLifetime, st.WantSource
	what := "the credentials of " + st.Name
	// renew is what a person runs for new ones: an entry inside the margin
	// is used until it expires where no person is here to make a new one.
	renew, entry := mfaCommand(p.Name), what
	switch st.Kind {
	case Session:
		what, entry = "the MFA session for "+st.Name, "the mfa session of "+st.Name
	case AssumeRole:
		what, entry = "assuming "+roleShort(st.RoleARN), "the role "+roleShort(st.RoleARN)+" of "+st.Name
	case WebIdentity:
		what, entry, renew = "the web identity login", "the web identity login of "+st.Name, "ec2switch "+p.Name
	case SSO:
		what, renew = "the IAM Identity Center role of "+st.Name, "" // its refresh token renews it
	case Login:
		what, renew = "the aws login session of "+st.Name, "awsenv login "+st.Name
	case SAML:
		what, renew = "the SAML sign-in of "+st.Name, "ec2switch "+p.Name
	}
	kind := map[StepKind]string{Session: "session", AssumeRole: "role", WebIdentity: "web-identity", SSO: "sso", Login: "login", SAML: "saml"}[st.Kind]
	return &creds.Cached{
		Store: b.Store, Key: st.Key, Inner: inner, MinTTL: b.MinTTL, Now: b.Now, Force: st.Force, OnlyCached: st.OnlyCached,
		Template: cache.Entry{Account: st.Name, Kind: kind, Role: st.RoleARN, MFASerial: st.MFASerial, Source: st.EntrySource, Config: fp},
		Accept: func(e *cache.Entry) bool {
			if lifetime != 0 && (e.Lifetime()-lifetime > 2*time.Minute || lifetime-e.Lifetime() > 2*time.Minute) {
				return false
			}
			return (source == "" || e.Source == source) && e.Config == fp
		},
		Waiting: func() { b.Say("Waiting for another awsenv to finish %s ...", what) },
		Warn:    b.Warn,
		Renew:   renew, What: entry,
	}
}

// mfaCommand is what a person runs for a new MFA session of name: the
// shell's wrapper, or the command itself for another account.
func mfaCommand(name string) string { return "ec2mfa (awsenv mfa --account " + name + ")" }

// noCodeError is a code needed where none can be had: no --code, no
// mfa_process and no terminal. It is still prompt.ErrNoTerminal.
type noCodeError struct{ name string }

func (e noCodeError) Error() string {
	return "an mfa code is needed for " + e.name + " but there is no terminal to ask on: run " + mfaCommand(e.name) +
		" in a terminal, pass --code, or set mfa_process (or AWSENV_MFA_PROCESS)"
}

func (e noCodeError) Unwrap() error { return prompt.ErrNoTerminal }

func (b *builder) step(p *Plan, st *Step, source aws.CredentialsProvider, ep creds.Endpoint) (aws.CredentialsProvider, error) {
	code := b.code(st, p.Name)
	switch st.Kind {
	case KeyFiles:
		dir, name, where := st.KeyDir, st.Name, st.KeyStore
		return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			k, err := b.keys(dir, name, where)
			if err != nil {
				return aws.Credentials{}, err
			}
			return aws.Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey, Source: "awsenv-keys"}, nil
		}), nil
	case StaticKeys:
		return creds.Static{AccessKeyID: st.AccessKeyID, SecretAccessKey: st.SecretAccessKey, SessionToken: st.SessionToken}, nil
	case Process:
		return b.process(st)
	case Environment:
		return creds.FromEnvironment(b.Getenv, st.Name), nil
	case InstanceMetadata:
		return &creds.InstanceMetadata{Getenv: b.Getenv, Timeout: b.Timeout, Profile: st.Name}, nil
	case Container:
		return &creds.Container{Getenv: b.Getenv, Timeout: b.Timeout, Profile: st.Name}, nil
	case WebIdentity:
		tok := creds.TokenFile(st.TokenFile)
		if st.TokenFile == "" {
			tok = b.oidcLogin(ep, st.Login, p.Name)
		}
		return &creds.WebIdentity{Endpoint: ep, RoleARN: st.RoleARN, SessionName: st.SessionName, Duration: st.Duration, Token: tok}, nil
	case Session:
		return &creds.SessionToken{Source: source, Endpoint: ep, Duration: st.Duration, MFASerial: st.MFASerial, Code: code}, nil
	case AssumeRole:
		p := &creds.AssumeRole{Source: source, Endpoint: ep, MFASerial: st.MFASerial, Code: code,
			Input: stsapi.AssumeRoleInput{RoleARN: st.RoleARN, SessionName: st.SessionName, Duration: st.Duration, ExternalID: st.ExternalID}}
		if st.RoleHint == "" {
			return p, nil
		}
		return hinted{p, st.RoleHint}, nil
	case Federation:
		return &creds.Federation{Source: source, Endpoint: ep, Name: st.SessionName, Duration: st.Duration, Policy: creds.AllowAll}, nil
	case SSO:
		return b.ssoStep(st), nil
	case Login:
		return b.loginStep(p, st), nil
	case SAML:
		return b.samlStep(st, ep), nil
	}
	return nil, fmt.Errorf("plan of %s has an unknown step %d", p.Name, st.Kind)
}

// hinted is an AssumeRole whose AccessDenied is explained by a hint.
type hinted struct {
	*creds.AssumeRole
	hint string
}

func (h hinted) Retrieve(ctx context.Context) (aws.Credentials, error) {
	cr, err := h.AssumeRole.Retrieve(ctx)
	var api *awsquery.CallError
	if errors.As(err, &api) && api.Action == "AssumeRole" && api.Code == "AccessDenied" {
		return cr, xerr.New(xerr.Failed, fmt.Errorf("%s, and %w", h.hint, err), "")
	}
	return cr, err
}

func (b *builder) endpoint(p *Plan) (creds.Endpoint, error) {
	ep, err := newEndpoint(p.Endpoint, p.EndpointFrom, p.Region, b.Timeout, b.Getenv)
	ep.Progress = b.Progress
	return ep, err
}

// newEndpoint is the STS endpoint url (from the setting from, "" for the
// region's), checked before anything is sent, whatever the command.
func newEndpoint(url, from, region string, timeout time.Duration, getenv func(string) string) (creds.Endpoint, error) {
	return creds.NewEndpoint(url, from, region, timeout, getenv("AWS_CA_BUNDLE"), httpx.HTTPAllowed(getenv))
}

// keys reads an account's long-lived keys once per run, from its key
// files or the keyring its entry names (opened, and unlocked, only now:
// never on a cache hit).
func (b *builder) keys(dir, name, where string) (config.Keys, error) {
	return oncePerRun(&b.keyFiles, dir+"\x00"+name, func() (config.Keys, error) {
		if where == "" {
			return config.LoadKeys(dir, name, b.Warn)
		}
		store, err := b.KeyStore(dir, &config.Account{Name: name, KeyStore: where})
		if err != nil {
			return config.Keys{}, err
		}
		return store.Get(name)
	})
}

// KeyStore is where an account's keys live, opened once per run.
func (b *builder) KeyStore(dir string, acc *config.Account) (keystore.Store, error) {
	return oncePerRun(&b.stores, acc.KeyStore, func() (keystore.Store, error) {
		return keystore.ForAccount(acc, b.storeOptions(dir))
	})
}

// Secrets is the keyring setting names ("keyring", "keyring:BACKEND") for
// secrets other than keys, opened once per run.
func (b *builder) Secrets(setting string) (keystore.Secrets, error) {
	return oncePerRun(&b.secrets, setting, func() (keystore.Secrets, error) {
		loc, err := keystore.ParseLocation(setting)
		if err != nil {
			return nil, err
		}
		return keystore.NewSecrets(loc, b.storeOptions(b.CredDir))
	})
}

// oncePerRun is what mk gives for key, made at most once per run (a
// failure is not kept: it is asked again).
func oncePerRun[V any](m *map[string]V, key string, mk func() (V, error)) (V, error) {
	if v, ok := (*m)[key]; ok {
		return v, nil
	}
	v, err := mk()
	if err != nil {
		return v, err
	}
	if *m == nil {
		*m = map[string]V{}
	}
	(*m)[key] = v
	return v, nil
}

// storeOptions are how keyrings are opened in this run: a password they
// ask for comes from the terminal.
func (b *builder) storeOptions(dir string) keystore.Options {
	return keystore.Options{CredDir: dir, Getenv: b.Getenv, Warn: b.Warn,
		Password: func(q string) (string, error) { return prompt.Ask(nil, q, true) }}
}

// code gets a step's MFA code; unattended, a code from the terminal is a
// person's job.
func (b *builder) code(st *Step, name string) creds.CodeFunc {
	src := b.codeSource(st)
	if !b.NoPrompt {
		return func(ctx context.Context) (string, error) {
			c, err := src.Get(ctx)
			if errors.Is(err, prompt.ErrNoTerminal) {
				return "", xerr.New(xerr.NeedsPerson, noCodeError{name}, "")
			}
			return c, err
		}
	}
	src.Code = "" // a code is good once: a server cannot reuse --code
	src.OpenTTY = func() (*os.File, error) { return nil, errors.New("unattended") }
	return func(ctx context.Context) (string, error) {
		c, err := src.Get(ctx)
		if errors.Is(err, prompt.ErrNoTerminal) {
			return "", xerr.New(xerr.NeedsPerson, fmt.Errorf("an mfa code is needed to renew the credentials of %s", name),
				"run "+mfaCommand(name)+" in your shell")
		}
		return c, err
	}
}

// codeSource is where a step's MFA code comes from: --code, then the
// step's mfa_process or $AWSENV_MFA_PROCESS, then the terminal.
func (b *builder) codeSource(st *Step) prompt.Source {
	return prompt.Source{
		Code:           b.Code,
		Process:        cmp.Or(st.MFAProcess, b.Getenv("AWSENV_MFA_PROCESS")),
		Prompt:         fmt.Sprintf("Enter token for user %s: ", st.PromptUser),
		Stderr:         b.Stderr,
		ProcessTimeout: b.Timeout,
	}
}

// process runs a profile's credential_process, refusing one that comes
// back to the same profile (credential_process = awsenv process X, where X
// is this very profile), which would recurse without end.
func (b *builder) process(st *Step) (aws.CredentialsProvider, error) {
	chain := b.Getenv("AWSENV_PROCESS_CHAIN")
	for _, n := range strings.Split(chain, ",") {
		if n == st.Name {
			return nil, xerr.New(xerr.Failed, fmt.Errorf("profile %q: its credential_process comes back to profile %q (a loop)", st.Name, st.Name),
				"point it at an account or another profile")
		}
	}
	if chain != "" {
		chain += ","
	}
	pr := &creds.Process{Command: st.Command, Stderr: b.Stderr, Env: []string{"AWSENV_PROCESS_CHAIN=" + chain + st.Name}}
	name := st.Name
	return aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
		cr, err := pr.Retrieve(ctx)
		if err != nil {
			return cr, fmt.Errorf("profile %q: %w", name, err)
		}
		return cr, nil
	}), nil
}

// oidcLogin logs the user in at the identity provider and returns the
// verified ID token.
func (b *builder) oidcLogin(ep creds.Endpoint, login *config.WebIdentity, name string) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		if b.NoPrompt {
			return "", xerr.New(xerr.NeedsPerson, fmt.Errorf("%s needs a new login at %s", name, login.Issuer), "run ec2switch "+name+" in your shell")
		}
		hc, err := ep.HTTPClient()
		if err != nil {
			return "", err
		}
		secret := cmp.Or(login.ClientSecret, b.Getenv("AWSENV_OIDC_CLIENT_SECRET"))
		tok, err := oidclogin.Login(ctx, oidclogin.Config{
			Issuer: login.Issuer, ClientID: login.ClientID, ClientSecret: secret,
			// hc's timeout (--timeout) bounds each of the issuer's answers;
			// the five minutes are the person's.
			Scopes: []string{"openid", "email"}, HTTP: hc, Timeout: 5 * time.Minute,
			AllowHTTP: httpx.HTTPAllowed(b.Getenv),
			Show: func(u string) error {
				b.Say("Log in at %s to continue: %s", login.Issuer, u)
				if b.Open {
					return console.Browse(u, b.Getenv)
				}
				return nil
			},
		})
		if err != nil {
			return "", err
		}
		b.Say("Logged in as %s", cmp.Or(tok.Email, tok.Subject))
		return tok.IDToken, nil
	}
}
