package resolve

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/xerr"
)

// Purpose is what the credentials are for; it decides, for instance, whether
// switch may fall back to the long-lived keys or mfa must make a session.
type Purpose int

// The purposes.
const (
	// Switch: the cached MFA session while valid, else the keys; a role
	// profile is assumed (and may ask for a code).
	Switch Purpose = iota
	// MFA: an MFA session, made now if none is cached.
	MFA
	// Role: Request.Role assumed on top of the name's credentials.
	Role
	// Console: credentials the federation endpoint accepts: made fresh from
	// long-lived keys, never an MFA session or a chained role.
	Console
	// Use is exec, process and write: the MFA session (made if needed), the
	// role with Request.Role, the keys with Request.NoSession.
	Use
)

// Request is what a command asks for, from its flags.
type Request struct {
	Purpose Purpose
	Role    string // a role: a name from the account's roles, a role name, a role ARN, or a role profile
	// Duration is the explicit --duration, 0 for the default.
	Duration    time.Duration
	SessionName string
	ExternalID  string
	NoSession   bool // don't use or make an MFA session; roles from the keys
	NoMFA       bool // send no MFA code with the long-lived keys
	Force       bool // new credentials for the last step even if cached
}

// StepKind is what a step of a chain does.
type StepKind int

// The steps. The first step of a plan is a base; the ones after it are made
// with the credentials of the step before.
const (
	KeyFiles         StepKind = iota // an account's NAME.access_key / NAME.secret_key
	StaticKeys                       // a profile's aws_access_key_id (and aws_session_token)
	Process                          // credential_process
	Environment                      // credential_source = Environment
	InstanceMetadata                 // credential_source = Ec2InstanceMetadata
	Container                        // credential_source = EcsContainer
	WebIdentity                      // AssumeRoleWithWebIdentity, token from a file or a login
	Session                          // GetSessionToken with an MFA code
	AssumeRole                       // AssumeRole
	Federation                       // GetFederationToken (console for a plain user)
	SSO                              // IAM Identity Center: GetRoleCredentials with the session's token
	Login                            // an `aws login` session (login_session), renewed with its refresh token
	SAML                             // AssumeRoleWithSAML with an assertion from the browser (saml.go)
)

var stepNames = [...]string{"keys", "static-keys", "process", "environment", "instance-metadata", "container",
	"web-identity", "session", "assume-role", "federation", "sso", "login", "saml"}

func (k StepKind) String() string { return stepNames[k] }

// Step is one link of a chain.
type Step struct {
	Kind StepKind
	Name string // the account or profile the step belongs to
	// Key is where the step's credentials are cached; zero Name: not cached.
	Key cache.Key
	// OnlyCached uses a valid cached entry or else skips the step, falling
	// back to the step before (switch on keys: the session while valid).
	OnlyCached bool
	Force      bool
	// What a cached entry must match to be used.
	Fingerprint  string        // the configuration it was made from ("" for accounts)
	WantLifetime time.Duration // about this lifetime (an explicit --duration), 0 for any
	WantSource   string        // made from these credentials ("keys"), "" for any
	EntrySource  string        // recorded in new entries: "keys" or "session"

	Duration    time.Duration
	MFASerial   string // the device whose code the call sends, "" for none
	MFAProcess  string // the command that prints the code (mfa_process)
	PromptUser  string // "Enter token for user X: "
	RoleARN     string
	SessionName string
	ExternalID  string
	// SessionDuration is the console session's length (AssumeRole for a
	// sign-in link).
	SessionDuration time.Duration
	// RoleHint explains a refusal of AssumeRole (a name that is not one of
	// the account's roles).
	RoleHint string

	// Bases.
	KeyDir                                     string // KeyFiles
	KeyStore                                   string // KeyFiles: the accounts file's "keys" ("" for the files)
	AccessKeyID, SecretAccessKey, SessionToken string // StaticKeys
	Command                                    string // Process
	TokenFile                                  string // WebIdentity from a file
	Login                                      *config.WebIdentity
	SSO                                        *SSORole // SSO
	// Login: the profile's login_session and the region its refreshes go
	// to (the profile's own, else the plan's).
	LoginSession, LoginRegion string
	SAML                      *SAMLSignIn
}

// SSORole is an IAM Identity Center role: the session that logs in, the
// account and the permission set's role.
type SSORole struct {
	Session   string // the [sso-session] name, "" for a legacy profile
	StartURL  string
	Region    string
	Scopes    []string // nil: sso_registration_scopes not set
	AccountID string
	RoleName  string
}

// Plan is a chain of steps and what the result is called.
type Plan struct {
	Name    string // what was asked for
	Account string // AWSENV_ACCOUNT
	// Label is MY_AWS_SET_FOR: NAME, NAME-MFA-STS, NAME-ROLE-ROLE,
	// NAME-WEB-IDENTITY. FallbackLabel is the label when an OnlyCached
	// last step is skipped.
	Label, FallbackLabel string
	Scope                cache.Scope
	Region, Partition    string
	AccountID            string
	Steps                []Step
	// Notes are one-line remarks for the user (a setting read another way
	// than the AWS CLI reads it).
	Notes []string
	// Endpoint and EndpointFrom: the configured STS endpoint.
	Endpoint, EndpointFrom string
	// Browser is the configured console browser (console_browser) and
	// BrowserProfile an existing Chrome-family profile for it
	// (console_browser_profile); BrowserFrom names where they are set.
	Browser, BrowserProfile, BrowserFrom string
}

// Last is the step whose credentials the plan returns.
func (p *Plan) Last() *Step { return &p.Steps[len(p.Steps)-1] }

// LoginSource is the aws login session the plan starts from: its profile
// and login_session; "" when it starts from something else.
func (p *Plan) LoginSource() (profile, session string) {
	if len(p.Steps) > 0 && p.Steps[0].Kind == Login {
		return p.Steps[0].Name, p.Steps[0].LoginSession
	}
	return "", ""
}

// STS's limits, checked before any call.
const (
	MinSessionDuration     = 900 * time.Second
	MaxSessionDuration     = 129600 * time.Second
	DefaultSessionDuration = 12 * time.Hour
	MinRoleDuration        = 900 * time.Second
	MaxRoleDuration        = 43200 * time.Second
	DefaultRoleDuration    = time.Hour
	// MaxChainedDuration is STS's cap for a role assumed with temporary
	// credentials (role chaining), GetSessionToken sessions included.
	MaxChainedDuration = time.Hour
)

// CachedFunc tells the planner whether a valid entry is cached under a key.
// It is the planner's only view of the world: the cached MFA session
// decides whether an account's role is chained from it.
type CachedFunc func(cache.Key) bool

// Plan turns a request for src into a chain, applying STS's rules first:
// duration bounds and the one-hour cap on chained roles, where the MFA code
// goes, session names, and the fingerprints that tie cache entries to the
// configuration they came from. It reads no file and calls nothing.
func (src *Source) Plan(req Request, cached CachedFunc) (*Plan, error) {
	if cached == nil {
		cached = func(cache.Key) bool { return false }
	}
	var p *Plan
	var err error
	switch {
	case src.Scope == cache.ScopeProfile:
		p, err = planProfile(src, req)
	case src.Account.WebIdentity != nil:
		p, err = planWebIdentityAccount(src, req)
	case src.Account.SAML != nil:
		p, err = planSAMLAccount(src, req)
	default:
		p, err = planAccount(src, req, cached)
	}
	if err != nil {
		return nil, err
	}
	p.Name, p.Scope, p.Region, p.Partition = src.Name, src.Scope, src.Region, src.Partition
	if p.AccountID == "" {
		p.AccountID = src.AccountID
	}
	p.Endpoint, p.EndpointFrom = src.Endpoint, src.EndpointFrom
	switch {
	case src.Account != nil:
		p.Browser, p.BrowserProfile = src.Account.ConsoleBrowser, src.Account.ConsoleBrowserProfile
		p.BrowserFrom = fmt.Sprintf("console_browser of account %q", src.Name)
	case src.Profile != nil:
		p.Browser, p.BrowserProfile = src.Profile.ConsoleBrowser, src.Profile.ConsoleBrowserProfile
		p.BrowserFrom = fmt.Sprintf("console_browser of profile %q", src.Name)
	}
	if p.Account == "" {
		p.Account = src.Name
	}
	if req.Force {
		p.Last().Force = true
	}
	return p, nil
}

// planAccount: an account whose base is its key files.
func planAccount(src *Source, req Request, cached CachedFunc) (*Plan, error) {
	name, acc := src.Name, src.Account
	keys := Step{Kind: KeyFiles, Name: name, KeyDir: src.KeyDir, KeyStore: acc.KeyStore}
	if req.Purpose == Switch {
		// The cached MFA session while valid, else the keys: never a call.
		sess := Step{Kind: Session, Name: name, Key: cache.AccountSession(name), OnlyCached: true}
		return &Plan{Label: name + "-MFA-STS", FallbackLabel: name, Steps: []Step{keys, sess}}, nil
	}
	if req.Purpose == Use && req.Role == "" && req.NoSession {
		return &Plan{Label: name, Steps: []Step{keys}}, nil
	}
	// Everything else needs the accounts-file entry (its ARN prefix names
	// the MFA device and the roles) and the IAM user.
	if !src.Listed {
		return nil, src.unknown()
	}
	if src.UserErr != nil {
		return nil, src.UserErr
	}
	serial := acc.MFASerial(src.User)
	prompt := src.User
	switch {
	case req.Purpose == Console:
		return planConsoleAccount(src, req, keys, serial)
	case req.Role != "":
		roleARN, short, err := accountRole(acc, req.Role)
		if err != nil {
			return nil, err
		}
		sessName, err := sessionName(req.SessionName, src.User)
		if err != nil {
			return nil, err
		}
		dur := orDefault(req.Duration, DefaultRoleDuration)
		role := Step{Kind: AssumeRole, Name: name, RoleARN: roleARN, SessionName: sessName, ExternalID: req.ExternalID,
			Duration: dur, WantLifetime: req.Duration, MFAProcess: acc.MFAProcess, PromptUser: prompt,
			Key: cache.Key{Scope: cache.ScopeAccount, Name: name, Kind: cache.KindRole, Role: roleARN, Sess: sessName}}
		steps := []Step{keys}
		chained := !req.NoSession && cached(cache.AccountSession(name))
		if chained {
			steps = append(steps, Step{Kind: Session, Name: name, Key: cache.AccountSession(name), OnlyCached: true})
			role.EntrySource = "session"
		} else {
			role.EntrySource = "keys"
			if !req.NoMFA {
				role.MFASerial = serial
			}
		}
		if req.NoSession {
			role.WantSource = "keys"
		}
		if _, listed := acc.Roles[req.Role]; !listed && len(acc.Roles) > 0 && req.ExternalID == "" && !strings.HasPrefix(req.Role, "arn:") {
			// A role name of the account, not one of its roles: if STS
			// refuses it, a typo is the likely cause.
			role.RoleHint = fmt.Sprintf("account %s has no role %q in its roles (%s)%s", name, req.Role, roleList(acc), xerr.DidYouMean(req.Role, acc.RoleNames))
		}
		if err := checkRoleDuration(dur, chained); err != nil {
			return nil, err
		}
		// The role's account, which for a role ARN of another account is
		// not the IAM user's.
		return &Plan{Label: name + "-ROLE-" + short, AccountID: accountOf(roleARN), Steps: append(steps, role)}, nil
	}
	dur := req.Duration
	if dur == 0 {
		dur = orDefault(acc.SessionDuration, DefaultSessionDuration)
	}
	if err := checkSessionDuration(dur); err != nil {
		return nil, err
	}
	sess := Step{Kind: Session, Name: name, Key: cache.AccountSession(name), Duration: dur, WantLifetime: req.Duration,
		MFASerial: serial, MFAProcess: acc.MFAProcess, PromptUser: prompt, EntrySource: "keys"}
	return &Plan{Label: name + "-MFA-STS", Steps: []Step{keys, sess}}, nil
}

// planConsoleAccount: a role assumed from the keys with a SessionDuration,
// or a federated user with the IAM user's permissions.
func planConsoleAccount(src *Source, req Request, keys Step, serial string) (*Plan, error) {
	acc := src.Account
	dur, err := consoleDuration(req.Duration)
	if err != nil {
		return nil, err
	}
	if req.Role == "" {
		fed := src.User
		if len(fed) > 32 {
			fed = fed[:32]
		}
		if checkSessionName(fed) != nil {
			return nil, xerr.New(xerr.Failed, fmt.Errorf("the IAM user name %q cannot name a federated user", src.User), "use --role")
		}
		return &Plan{Label: src.Name, Steps: []Step{keys, {Kind: Federation, Name: src.Name, SessionName: fed, Duration: dur}}}, nil
	}
	roleARN, short, err := accountRole(acc, req.Role)
	if err != nil {
		return nil, err
	}
	sessName, err := sessionName(req.SessionName, src.User)
	if err != nil {
		return nil, err
	}
	role := Step{Kind: AssumeRole, Name: src.Name, RoleARN: roleARN, SessionName: sessName, ExternalID: req.ExternalID,
		Duration: dur, SessionDuration: dur, MFAProcess: acc.MFAProcess, PromptUser: src.User}
	if !req.NoMFA {
		role.MFASerial = serial
	}
	return &Plan{Label: src.Name + "-ROLE-" + short, Steps: []Step{keys, role}}, nil
}

// planWebIdentityAccount: an account that logs in through its identity
// provider.
func planWebIdentityAccount(src *Source, req Request) (*Plan, error) {
	name, w := src.Name, src.Account.WebIdentity
	if req.Purpose == MFA || req.Purpose == Console || req.Role != "" {
		return nil, xerr.New(xerr.Failed, fmt.Errorf("account %q logs in through its identity provider and has no keys or mfa", name),
			"use ec2switch "+name)
	}
	dur := orDefault(req.Duration, DefaultRoleDuration)
	if err := checkRoleDuration(dur, false); err != nil {
		return nil, err
	}
	sessName, err := sessionName(cmp.Or(req.SessionName, w.SessionName), src.User)
	if err != nil {
		return nil, err
	}
	step := webIdentityStep(name, cache.Key{Scope: cache.ScopeAccount, Name: name, Kind: cache.KindWebIdentity},
		w.RoleARN, "", w, sessName, dur)
	return &Plan{Label: name + "-WEB-IDENTITY", AccountID: accountOf(w.RoleARN), Steps: []Step{step}}, nil
}

// webIdentityPlan is the plan of the web-identity command: a role assumed
// with a token from a file or a login, cached under the role.
func webIdentityPlan(roleARN, tokenFile string, login *config.WebIdentity, region string, req Request, user string) (*Plan, error) {
	dur := orDefault(req.Duration, DefaultRoleDuration)
	if err := checkRoleDuration(dur, false); err != nil {
		return nil, err
	}
	sessName, err := sessionName(req.SessionName, user)
	if err != nil {
		return nil, err
	}
	short := roleShort(roleARN)
	if tokenFile != "" {
		tokenFile = absPath(tokenFile)
	}
	key := cache.Key{Scope: cache.ScopeWebIdentity, Name: short, Kind: cache.KindWebIdentity, Role: roleARN}
	step := webIdentityStep(short, key, roleARN, tokenFile, login, sessName, dur)
	step.Force = req.Force
	return &Plan{Name: short, Account: short, Label: short + "-WEB-IDENTITY", Scope: cache.ScopeWebIdentity,
		Region: region, Partition: partitionOf(roleARN), AccountID: accountOf(roleARN), Steps: []Step{step}}, nil
}

func webIdentityStep(name string, key cache.Key, roleARN, tokenFile string, login *config.WebIdentity, sessName string, dur time.Duration) Step {
	var issuer, client string
	if login != nil {
		issuer, client = login.Issuer, login.ClientID
	}
	return Step{Kind: WebIdentity, Name: name, Key: key, RoleARN: roleARN, TokenFile: tokenFile, Login: login,
		SessionName: sessName, Duration: dur, EntrySource: "web-identity",
		Fingerprint: fingerprint("web-identity", roleARN, tokenFile, issuer, client, sessName, dur.String())}
}

// chain is a profile's chain as its configuration describes it: a base
// profile and the role profiles assumed on top of it, innermost first.
type chain struct {
	base  *config.Profile
	kind  StepKind // of the base
	roles []*config.Profile
	notes []string
}

// followChain follows source_profile links from the named profile, as the
// SDKs and the AWS CLI do: a source profile with static keys ends the chain
// at those keys, whatever else it sets (its own role_arn, source_profile or
// web_identity_token_file); one with a role_arn and no keys is assumed in
// turn. On the selected profile itself a role_arn comes first, as botocore,
// the Go and JS SDKs and the AWS CLI read it.
func followChain(src *Source, start *config.Profile) (*chain, error) {
	ps := src.Profiles
	cfg := src.ConfigFiles[0]
	ch := &chain{}
	var path []string
	seen := map[string]bool{}
	p := start
	for {
		if p.Err != nil {
			return nil, xerr.New(xerr.Failed, fmt.Errorf("profile %q: %w", p.Name, p.Err), "")
		}
		if seen[p.Name] {
			return nil, xerr.New(xerr.Failed, fmt.Errorf("profile %q: source_profile loop %s -> %s", start.Name, strings.Join(path, " -> "), p.Name),
				"fix source_profile in "+cfg)
		}
		seen[p.Name] = true
		path = append(path, p.Name)
		if p.MFASerialKey == "mfa_arn" {
			ch.notes = append(ch.notes, fmt.Sprintf("note: profile %q: awsenv reads mfa_arn as mfa_serial; the AWS CLI and SDKs read only mfa_serial: rename it in %s", p.Name, cfg))
		}
		source := p != start
		switch {
		case source && (p.AccessKeyID != "" || p.SecretAccessKey != ""):
			if err := checkKeys(p); err != nil {
				return nil, err
			}
			ch.base, ch.kind = p, StaticKeys
			return ch, nil
		case p.SAMLURL != "":
			ch.base, ch.kind = p, SAML
			return ch, nil
		case p.RoleARN != "" && p.WebIdentityTokenFile != "":
			ch.base, ch.kind = p, WebIdentity
			return ch, nil
		case p.RoleARN != "":
			ch.roles = append([]*config.Profile{p}, ch.roles...)
			switch {
			case p.SourceProfile != "" && p.CredentialSource != "":
				return nil, xerr.New(xerr.Failed, fmt.Errorf("profile %q has both source_profile and credential_source", p.Name),
					"keep one of them in "+cfg)
			case p.CredentialSource != "":
				kind, err := credentialSource(p)
				if err != nil {
					return nil, err
				}
				ch.base, ch.kind = p, kind
				return ch, nil
			case p.SourceProfile == "":
				return nil, xerr.New(xerr.Failed, fmt.Errorf("profile %q has role_arn but no source_profile or credential_source", p.Name),
					"add one in "+cfg)
			case p.SourceProfile == p.Name:
				// A profile may name itself to take its own static keys, for
				// the first role only (the AWS CLI's rule).
				if p.AccessKeyID == "" {
					return nil, xerr.New(xerr.Failed, fmt.Errorf("profile %q is its own source_profile but has no aws_access_key_id", p.Name),
						"add its keys to the credentials file, or point source_profile at another profile")
				}
				if err := checkKeys(p); err != nil {
					return nil, err
				}
				ch.base, ch.kind = p, StaticKeys
				return ch, nil
			}
			next := ps.Get(p.SourceProfile)
			if next == nil {
				return nil, xerr.New(xerr.Failed, fmt.Errorf("profile %q: source_profile %q does not exist in %s", p.Name, p.SourceProfile, cfg), "")
			}
			p = next
		case p.AccessKeyID != "" || p.SecretAccessKey != "":
			if err := checkKeys(p); err != nil {
				return nil, err
			}
			ch.base, ch.kind = p, StaticKeys
			return ch, nil
		case p.IsSSO(): // before credential_process, as the SDKs order them
			ch.base, ch.kind = p, SSO
			return ch, nil
		case p.CredentialProcess != "":
			ch.base, ch.kind = p, Process
			return ch, nil
		case p.LoginSession != "":
			ch.base, ch.kind = p, Login
			return ch, nil
		default:
			return nil, xerr.New(xerr.Failed, fmt.Errorf("profile %q has no credentials (aws_access_key_id, role_arn, credential_process, sso_session or login_session)", p.Name), "")
		}
	}
}

func checkKeys(p *config.Profile) error {
	switch {
	case p.SecretAccessKey == "":
		return xerr.New(xerr.Failed, fmt.Errorf("profile %q has aws_access_key_id but no aws_secret_access_key", p.Name), "")
	case p.AccessKeyID == "":
		return xerr.New(xerr.Failed, fmt.Errorf("profile %q has aws_secret_access_key but no aws_access_key_id", p.Name), "")
	}
	return nil
}

func credentialSource(p *config.Profile) (StepKind, error) {
	switch p.CredentialSource {
	case "Environment":
		return Environment, nil
	case "Ec2InstanceMetadata":
		return InstanceMetadata, nil
	case "EcsContainer":
		return Container, nil
	}
	return 0, xerr.New(xerr.Failed, fmt.Errorf("profile %q: credential_source %q is not one of Environment, Ec2InstanceMetadata, EcsContainer", p.Name, p.CredentialSource), "")
}

// planProfile plans a profile's chain: its base, an MFA session on static
// keys when a role (or the caller) wants one, then its roles; or, with
// Request.Role, a role assumed on top of it.
func planProfile(src *Source, req Request) (*Plan, error) {
	start := src.Profile
	if req.Role != "" && req.Purpose != Console {
		if rp := src.Profiles.Get(req.Role); rp != nil && rp.RoleARN != "" {
			// ROLE is a role profile: its own chain.
			sub := *src
			sub.Name, sub.Profile = rp.Name, rp
			r := req
			r.Role = ""
			return planProfile(&sub, r)
		}
	}
	if req.Purpose == Console {
		return planConsoleProfile(src, req)
	}
	ch, err := followChain(src, start)
	if err != nil {
		return nil, err
	}
	steps, err := profileSteps(src, ch, req)
	if err != nil {
		return nil, err
	}
	p := &Plan{Label: start.Name, FallbackLabel: start.Name, Steps: steps, Notes: ch.notes}
	if req.Role != "" {
		return profileRole(src, p, req)
	}
	if req.Purpose == MFA && len(ch.roles) == 0 && !asksPerson(steps) {
		return nil, noMFA(src, ch)
	}
	if last := p.Last(); last.Kind == Session {
		p.Label = start.Name + "-MFA-STS"
	}
	return p, nil
}

// asksPerson says whether a chain has a step only a person can make: an
// MFA code, or a login (IAM Identity Center, an identity provider's).
func asksPerson(steps []Step) bool {
	for _, st := range steps {
		if st.MFASerial != "" || st.Kind == SSO || (st.Kind == WebIdentity && st.TokenFile == "") {
			return true
		}
	}
	return false
}

// noMFA refuses mfa on a profile that is its own base and asks no code
// (plain keys without mfa_serial, a credential_process): there is no
// session to make, and what it has is what switch already gives.
func noMFA(src *Source, ch *chain) error {
	name, cfg := src.Profile.Name, src.ConfigFiles[0]
	if ch.kind == StaticKeys && ch.base.SessionToken == "" {
		return xerr.New(xerr.Failed, fmt.Errorf("profile %q has no mfa_serial, so there is no mfa session to start", name),
			fmt.Sprintf("add mfa_serial = arn:aws:iam::ACCOUNT:mfa/DEVICE to [profile %s] in %s, or run ec2switch %s for its keys", ch.base.Name, cfg, name))
	}
	from := map[StepKind]string{StaticKeys: "its aws_session_token", Process: "its credential_process", WebIdentity: "its web_identity_token_file"}[ch.kind]
	return xerr.New(xerr.Failed, fmt.Errorf("profile %q takes its credentials from %s and asks for no mfa code, so there is no mfa session to start", name, cmp.Or(from, "its source")),
		"run ec2switch "+name)
}

// profileSteps is the chain of a profile as steps.
func profileSteps(src *Source, ch *chain, req Request) ([]Step, error) {
	b := ch.base
	cfg, credFile := src.ConfigFiles[0], src.ConfigFiles[1]
	var steps []Step
	var baseFP string
	mfaDone := false
	temporary := true // the credentials the next role is assumed with
	switch ch.kind {
	case StaticKeys:
		baseFP = fingerprint("keys", cfg, credFile, b.Name, b.AccessKeyID, b.SessionToken)
		steps = append(steps, Step{Kind: StaticKeys, Name: b.Name, AccessKeyID: b.AccessKeyID, SecretAccessKey: b.SecretAccessKey,
			SessionToken: b.SessionToken})
		temporary = b.SessionToken != ""
		// An MFA session on the keys: for the first role's mfa_serial (it is
		// then reused by every role on these keys), or the profile's own
		// for mfa, exec and the like. A first role that wants more than an
		// hour is assumed straight from the keys with the code instead.
		serial := b.MFASerial
		if len(ch.roles) > 0 {
			serial = ch.roles[0].MFASerial
			if ch.roles[0].Duration > MaxChainedDuration {
				serial = ""
			}
		}
		noSession := req.NoSession && len(ch.roles) == 0
		if b.SessionToken == "" && serial != "" && !noSession {
			sess := Step{Kind: Session, Name: b.Name, Key: cache.Key{Scope: cache.ScopeProfile, Name: b.Name, Kind: cache.KindSession},
				Duration: DefaultSessionDuration, MFASerial: serial, MFAProcess: b.MFAProcess, PromptUser: deviceUser(serial),
				EntrySource: "keys", Fingerprint: fingerprint(baseFP, "session", serial)}
			// switch on a keys profile uses its session while valid, else
			// its keys; everything else makes one.
			sess.OnlyCached = len(ch.roles) == 0 && req.Purpose == Switch
			steps = append(steps, sess)
			if !sess.OnlyCached {
				mfaDone, temporary = true, true
			}
		}
	case Process:
		baseFP = fingerprint("process", b.CredentialProcess)
		steps = append(steps, Step{Kind: Process, Name: b.Name, Command: b.CredentialProcess})
	case Environment, InstanceMetadata, Container:
		baseFP = fingerprint("credential-source", b.CredentialSource)
		steps = append(steps, Step{Kind: ch.kind, Name: b.Name})
	case SSO:
		role, err := ssoRole(src.Profiles, b)
		if err != nil {
			return nil, err
		}
		baseFP = fingerprint("sso", role.Session, role.StartURL, role.Region, role.AccountID, role.RoleName)
		steps = append(steps, Step{Kind: SSO, Name: b.Name, SSO: role, EntrySource: "sso", Fingerprint: baseFP,
			Key: cache.Key{Scope: cache.ScopeProfile, Name: b.Name, Kind: cache.KindOwn}})
	case Login:
		// The credentials are temporary: a role on them is chained (1h).
		baseFP = fingerprint("login", b.LoginSession)
		steps = append(steps, Step{Kind: Login, Name: b.Name, LoginSession: b.LoginSession, LoginRegion: b.Region,
			EntrySource: "login", Fingerprint: baseFP, Key: cache.Key{Scope: cache.ScopeProfile, Name: b.Name, Kind: cache.KindOwn}})
	case SAML:
		step, err := samlStep(b)
		if err != nil {
			return nil, err
		}
		baseFP = step.Fingerprint
		steps = append(steps, step)
	case WebIdentity:
		dur := orDefault(b.Duration, DefaultRoleDuration)
		if err := checkRoleDuration(dur, false); err != nil {
			return nil, profileErr(b, "duration_seconds", err)
		}
		sessName, err := sessionName(b.RoleSessionName, src.User)
		if err != nil {
			return nil, profileErr(b, "role_session_name", err)
		}
		step := webIdentityStep(b.Name, cache.Key{Scope: cache.ScopeProfile, Name: b.Name, Kind: cache.KindOwn},
			b.RoleARN, absPath(b.WebIdentityTokenFile), nil, sessName, dur)
		baseFP = step.Fingerprint
		steps = append(steps, step)
	}
	prev := baseFP
	for _, r := range ch.roles {
		if r == b && ch.kind != StaticKeys && ch.kind != Environment && ch.kind != InstanceMetadata && ch.kind != Container {
			continue
		}
		dur := orDefault(r.Duration, DefaultRoleDuration)
		if err := checkRoleDuration(dur, false); err != nil {
			return nil, profileErr(r, "duration_seconds", err)
		}
		if temporary && dur > MaxChainedDuration {
			return nil, xerr.New(xerr.Failed, fmt.Errorf("profile %q: duration_seconds %d is more than sts allows for a role assumed from temporary credentials (role chaining)", r.Name, int(dur/time.Second)),
				"use 3600 at most")
		}
		sessName, err := sessionName(r.RoleSessionName, src.User)
		if err != nil {
			return nil, profileErr(r, "role_session_name", err)
		}
		st := Step{Kind: AssumeRole, Name: r.Name, Key: cache.Key{Scope: cache.ScopeProfile, Name: r.Name, Kind: cache.KindOwn},
			RoleARN: r.RoleARN, SessionName: sessName, Duration: dur, ExternalID: r.ExternalID, MFAProcess: r.MFAProcess}
		// A role with mfa_serial sends a code unless the credentials it is
		// assumed with already carry MFA (the source's session, or a role
		// assumed with a code).
		if r.MFASerial != "" && !mfaDone {
			st.MFASerial, st.PromptUser, mfaDone = r.MFASerial, deviceUser(r.MFASerial), true
		}
		st.Fingerprint = fingerprint(prev, r.RoleARN, sessName, dur.String(), r.ExternalID, st.MFASerial)
		prev, temporary = st.Fingerprint, true
		steps = append(steps, st)
	}
	return steps, nil
}

// ssoRole is an SSO profile's role, with its session's settings.
func ssoRole(ps *config.Profiles, p *config.Profile) (*SSORole, error) {
	r := &SSORole{Session: p.SSOSession, StartURL: p.SSOStartURL, Region: p.SSORegion, AccountID: p.SSOAccountID, RoleName: p.SSORoleName}
	if p.SSOSession != "" {
		s := ps.SSOSession(p.SSOSession)
		if s == nil {
			return nil, xerr.New(xerr.Failed, fmt.Errorf("profile %q: sso_session %q has no [sso-session %s] section", p.Name, p.SSOSession, p.SSOSession), "add one with sso_start_url and sso_region")
		}
		if s.Err != nil {
			return nil, xerr.New(xerr.Failed, fmt.Errorf("profile %q: %w", p.Name, s.Err), "")
		}
		r.StartURL, r.Region, r.Scopes = s.StartURL, s.Region, s.RegistrationScopes
	}
	switch {
	case r.StartURL == "":
		return nil, xerr.New(xerr.Failed, fmt.Errorf("profile %q: no sso_start_url", p.Name), "set it in the [sso-session] section (or the profile)")
	case r.Region == "":
		return nil, xerr.New(xerr.Failed, fmt.Errorf("profile %q: no sso_region", p.Name), "set the region of your IAM Identity Center instance")
	case r.AccountID == "" || r.RoleName == "":
		return nil, xerr.New(xerr.Failed, fmt.Errorf("profile %q: sso_account_id and sso_role_name are both needed", p.Name), "")
	}
	return r, nil
}

// profileRole assumes a role ARN on top of a profile's credentials.
func profileRole(src *Source, p *Plan, req Request) (*Plan, error) {
	role := req.Role
	if !strings.HasPrefix(role, "arn:") || !strings.Contains(role, ":role/") {
		return nil, xerr.New(xerr.Failed, fmt.Errorf("unknown role %q for profile %s", role, src.Name),
			"give a role ARN or the name of a profile with role_arn")
	}
	if last := p.Last(); last.OnlyCached {
		last.OnlyCached = false
	}
	temporary := false
	for _, st := range p.Steps {
		if st.Kind != StaticKeys || st.SessionToken != "" {
			temporary = true
		}
	}
	dur := orDefault(req.Duration, DefaultRoleDuration)
	if err := checkRoleDuration(dur, temporary); err != nil {
		return nil, err
	}
	sessName, err := sessionName(req.SessionName, src.User)
	if err != nil {
		return nil, err
	}
	prev := p.Last().Fingerprint
	st := Step{Kind: AssumeRole, Name: src.Name, RoleARN: role, SessionName: sessName, Duration: dur, ExternalID: req.ExternalID,
		WantLifetime: req.Duration, EntrySource: "session",
		Key:         cache.Key{Scope: cache.ScopeProfile, Name: src.Name, Kind: cache.KindRole, Role: role, Sess: sessName},
		Fingerprint: fingerprint(prev, "role", role, sessName, req.ExternalID)}
	p.Steps = append(p.Steps, st)
	p.Label = src.Name + "-ROLE-" + roleShort(role)
	p.AccountID = accountOf(role)
	return p, nil
}

// planConsoleProfile: a keys profile signs in as a federated user; a role
// profile must be assumed straight from keys (one hop), since the sign-in
// endpoint refuses chained role credentials with a session duration.
func planConsoleProfile(src *Source, req Request) (*Plan, error) {
	p := src.Profile
	if req.Role != "" {
		return nil, xerr.New(xerr.Failed, fmt.Errorf("console --role works on accounts; for profile %s, name a role profile instead", p.Name), "")
	}
	dur, err := consoleDuration(req.Duration)
	if err != nil {
		return nil, err
	}
	ch, err := followChain(src, p)
	if err != nil {
		return nil, err
	}
	if (ch.kind == SSO || ch.kind == SAML) && len(ch.roles) == 0 {
		// IAM Identity Center and SAML role credentials sign in as they are.
		steps, err := profileSteps(src, ch, Request{Purpose: Use})
		if err != nil {
			return nil, err
		}
		steps[len(steps)-1].Duration = dur
		return &Plan{Label: p.Name, Notes: ch.notes, Steps: steps}, nil
	}
	if ch.kind != StaticKeys || ch.base.SessionToken != "" || len(ch.roles) > 1 {
		return nil, xerr.New(xerr.Failed, fmt.Errorf("profile %q: a console link needs long-lived keys, or a role assumed straight from them; this profile's credentials are temporary or chained", p.Name), "")
	}
	b := ch.base
	keys := Step{Kind: StaticKeys, Name: b.Name, AccessKeyID: b.AccessKeyID, SecretAccessKey: b.SecretAccessKey}
	plan := &Plan{Label: p.Name, Notes: ch.notes}
	if len(ch.roles) == 0 {
		fed, err := sessionName("", src.User)
		if err != nil {
			return nil, err
		}
		if len(fed) > 32 {
			fed = fed[:32]
		}
		plan.Steps = []Step{keys, {Kind: Federation, Name: p.Name, SessionName: fed, Duration: dur}}
		return plan, nil
	}
	r := ch.roles[0]
	sessName, err := sessionName(cmp.Or(req.SessionName, r.RoleSessionName), src.User)
	if err != nil {
		return nil, err
	}
	role := Step{Kind: AssumeRole, Name: r.Name, RoleARN: r.RoleARN, SessionName: sessName, ExternalID: cmp.Or(req.ExternalID, r.ExternalID),
		Duration: dur, SessionDuration: dur, MFASerial: r.MFASerial, MFAProcess: r.MFAProcess, PromptUser: deviceUser(r.MFASerial)}
	plan.Steps = []Step{keys, role}
	plan.Partition = partitionOf(r.RoleARN)
	return plan, nil
}

// accountRole turns ROLE into an ARN and a short name: a name from the
// account's roles, a role ARN, or a role name (or path/name) in the account.
func accountRole(acc *config.Account, role string) (arn, short string, err error) {
	if a, ok := acc.Roles[role]; ok {
		return a, role, nil
	}
	if strings.HasPrefix(role, "arn:") {
		_, name, ok := strings.Cut(role, ":role/")
		if !ok || name == "" || !strings.HasPrefix(role, "arn:aws") {
			return "", "", xerr.New(xerr.Failed, fmt.Errorf("%q is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME)", role), "")
		}
		return role, roleShort(role), nil
	}
	for i := 0; i < len(role); i++ {
		c := role[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_+=,.@-/", c) >= 0) {
			return "", "", xerr.New(xerr.Failed, fmt.Errorf("unknown role %q for account %s%s: known roles are %s, or give a role ARN", role, acc.Name, xerr.DidYouMean(role, acc.RoleNames), roleList(acc)), "")
		}
	}
	if role == "" || len(role) > 64 && !strings.Contains(role, "/") {
		return "", "", xerr.New(xerr.Failed, fmt.Errorf("unknown role %q for account %s", role, acc.Name), "")
	}
	return acc.ARNPrefix + "role/" + role, role[strings.LastIndexByte(role, '/')+1:], nil
}

func roleList(acc *config.Account) string {
	if len(acc.RoleNames) == 0 {
		return "none"
	}
	return strings.Join(acc.RoleNames, ", ")
}

// roleShort is the last part of a role ARN's name: MY_AWS_SET_FOR's ROLE.
func roleShort(arn string) string { return arn[strings.LastIndexByte(arn, '/')+1:] }

// deviceUser is who a code is asked of: the MFA device's name.
func deviceUser(serial string) string { return serial[strings.LastIndexByte(serial, '/')+1:] }

// sessionName is the role session name: the one asked for, else the
// person's name (the account's IAM user, or the login name), else "awsenv"
// where STS would refuse that name. The AWS SDKs default to a generated
// name instead; a person's name shows in CloudTrail who assumed the role.
func sessionName(explicit, user string) (string, error) {
	if explicit != "" {
		return explicit, checkSessionName(explicit)
	}
	if checkSessionName(user) == nil {
		return user, nil
	}
	return "awsenv", nil
}

func profileErr(p *config.Profile, setting string, err error) error {
	return xerr.New(xerr.Failed, fmt.Errorf("profile %q: %s: %w", p.Name, setting, err), "")
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// fingerprint hashes what a cache entry was made from: an entry made from
// another configuration (an edited role_arn, another AWS_CONFIG_FILE, new
// keys) does not match and is not used.
func fingerprint(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

func checkSessionDuration(d time.Duration) error {
	if d < MinSessionDuration || d > MaxSessionDuration || d%time.Second != 0 {
		return xerr.New(xerr.Failed, fmt.Errorf("session duration %s is out of bounds: sts allows 15m to 36h (900-129600 seconds)", d), "")
	}
	return nil
}

// checkRoleDuration checks d against AssumeRole's bounds; chained says the
// credentials it is assumed with are temporary.
func checkRoleDuration(d time.Duration, chained bool) error {
	if d < MinRoleDuration || d > MaxRoleDuration || d%time.Second != 0 {
		return xerr.New(xerr.Failed, fmt.Errorf("role duration %s is out of bounds: sts allows 15m to 12h (900-43200 seconds), and no more than the role's maximum session duration", d), "")
	}
	if chained && d > MaxChainedDuration {
		return xerr.New(xerr.Failed, fmt.Errorf("role duration %s is too long for a role assumed from the cached mfa session: sts limits role chaining to 1h; "+
			"use --duration 1h, or --no-session to assume it with the long-lived keys and an mfa code (up to 12h)", d), "")
	}
	return nil
}

func consoleDuration(d time.Duration) (time.Duration, error) {
	d = orDefault(d, time.Hour)
	if d < MinRoleDuration || d > MaxRoleDuration {
		return 0, xerr.New(xerr.Failed, fmt.Errorf("console session duration %s is out of bounds: the console allows 15m to 12h", d), "")
	}
	return d, nil
}

// checkSessionName applies STS's rule for RoleSessionName: 2-64 characters
// of letters, digits and _+=,.@-.
func checkSessionName(name string) error {
	ok := len(name) >= 2 && len(name) <= 64
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_+=,.@-", c) >= 0
	}
	if !ok {
		return xerr.New(xerr.Failed, fmt.Errorf("session name %q is not allowed: sts wants 2-64 letters, digits or _+=,.@-", name), "set --session-name")
	}
	return nil
}
