package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// maxProfileFile caps ~/.aws/config and ~/.aws/credentials; generated
// files for large organisations reach a few megabytes.
const maxProfileFile = 16 << 20

// Profile is a profile of ~/.aws/config and ~/.aws/credentials, with the
// settings awsenv understands.
type Profile struct {
	Name string
	// File and Line are where the profile's first header is.
	File string
	Line int
	// Static keys (usually from the credentials file).
	AccessKeyID, SecretAccessKey, SessionToken string
	// A role: RoleARN with SourceProfile or CredentialSource, or with
	// WebIdentityTokenFile.
	RoleARN, SourceProfile string
	// CredentialSource is "Environment", "Ec2InstanceMetadata" or
	// "EcsContainer" (anything else is Err).
	CredentialSource     string
	WebIdentityTokenFile string
	MFASerial            string
	// MFASerialKey is the setting MFASerial came from: "mfa_serial", or
	// "mfa_arn", which awsenv also reads but the AWS CLI and SDKs do not
	// (worth a note to the user); "" when neither is set.
	MFASerialKey                        string
	Duration                            time.Duration // duration_seconds, 0 when not set
	RoleSessionName, ExternalID, Region string
	CredentialProcess                   string
	MFAProcess                          string // awsenv's own key: mfa_process
	// ConsoleBrowser and ConsoleBrowserProfile are awsenv's own keys
	// console_browser and console_browser_profile (see config.Account).
	ConsoleBrowser, ConsoleBrowserProfile string
	// EndpointURL is endpoint_url, the profile's endpoint for every service.
	EndpointURL string
	// Services names the [services NAME] section whose per-service
	// endpoint_url settings apply; see Profiles.ServiceEndpoint.
	Services string
	// IgnoreConfiguredEndpointURLs is ignore_configured_endpoint_urls.
	IgnoreConfiguredEndpointURLs bool
	// IAM Identity Center: SSOSession names an [sso-session NAME] section
	// (see Profiles.SSOSession); SSOStartURL and SSORegion in the profile
	// itself are the legacy form, or must match the session's.
	SSOSession, SSOAccountID, SSORoleName, SSOStartURL, SSORegion string
	// LoginSession is login_session: the principal's ARN of an `aws login`
	// session, which names its file in ~/.aws/login/cache.
	LoginSession string
	// SAML: saml_url and saml_provider_arn (see saml.go).
	SAMLURL, SAMLProviderARN string
	// Err is a bad setting of this profile, reported when it is used (a
	// mistake in one profile does not break the others). It names the file
	// and line.
	Err error

	props map[string]*prop
}

// SSOSession is an [sso-session NAME] section of the config file.
type SSOSession struct {
	Name               string
	File               string
	Line               int
	StartURL, Region   string
	RegistrationScopes []string // sso_registration_scopes, split at commas
	Err                error    // a bad setting, like Profile.Err

	props map[string]*prop
}

// Kind says where the profile's credentials come from: "web-identity",
// "role" (role_arn with source_profile or credential_source), "keys",
// "sso", "login", "process" or "none".
func (p *Profile) Kind() string {
	switch {
	case p.SAMLURL != "":
		return "saml"
	case p.RoleARN != "" && p.WebIdentityTokenFile != "":
		return "web-identity"
	case p.RoleARN != "":
		return "role"
	case p.AccessKeyID != "":
		return "keys"
	case p.IsSSO():
		return "sso"
	case p.LoginSession != "":
		return "login"
	case p.CredentialProcess != "":
		return "process"
	}
	return "none"
}

// IsSSO reports whether the profile has IAM Identity Center settings.
func (p *Profile) IsSSO() bool {
	return p.SSOSession != "" || p.SSOStartURL != "" || p.SSOAccountID != "" || p.SSORoleName != ""
}

// Setting returns a setting of the profile (key in lower case) as written,
// after merging the two files, including settings awsenv does not
// interpret. A setting with sub-properties ("s3 =") has the value "".
func (p *Profile) Setting(key string) (string, bool) {
	pr, ok := p.props[key]
	if !ok {
		return "", false
	}
	return pr.value, true
}

// Where says where a setting of the profile is, "FILE line N", or the
// profile's header when the setting is not set.
func (p *Profile) Where(key string) string {
	if pr, ok := p.props[key]; ok {
		return fmt.Sprintf("%s line %d", pr.file, pr.line)
	}
	return fmt.Sprintf("%s line %d", p.File, p.Line)
}

// Profiles are the merged profiles of the config and credentials files.
type Profiles struct {
	configFile  string
	byName      map[string]*Profile
	names       []string
	ssoSessions map[string]*SSOSession
	services    map[string]*section
	warnings    []string

	lazy *lazyProfiles // sections still to be read through an index (IndexedProfiles)
}

// Get returns the named profile, or nil.
func (ps *Profiles) Get(name string) *Profile {
	return answer(ps, func() (*Profile, bool) { return ps.lazyProfile(name) },
		func() *Profile { return ps.byName[name] })
}

// Names lists the profiles in the order they first appear.
func (ps *Profiles) Names() []string {
	return answer(ps, func() ([]string, bool) { names, err := ps.lazy.ix.Names(); return names, err == nil },
		func() []string { return ps.names })
}

// SSOSession returns the named [sso-session NAME] section, or nil.
func (ps *Profiles) SSOSession(name string) *SSOSession {
	return answer(ps, func() (*SSOSession, bool) { return ps.lazySSOSession(name) },
		func() *SSOSession { return ps.ssoSessions[name] })
}

// servicesSection returns the named [services NAME] section, or nil.
func (ps *Profiles) servicesSection(name string) *section {
	return answer(ps, func() (*section, bool) { return ps.lazyServices(name) },
		func() *section { return ps.services[name] })
}

// ServiceEndpoint returns the endpoint_url that the [services NAME]
// section sets for a service ("sts"; matched like the SDKs do, lower case
// with _ for spaces), or "".
func (ps *Profiles) ServiceEndpoint(servicesName, service string) string {
	if ps == nil {
		return ""
	}
	sec := ps.servicesSection(servicesName)
	if sec == nil {
		return ""
	}
	p := sec.props[strings.ReplaceAll(strings.ToLower(service), " ", "_")]
	if p == nil {
		return ""
	}
	return p.sub["endpoint_url"]
}

// Warnings are what the files hold that the SDKs ignore (sections with a
// wrong prefix or an invalid name, settings with invalid names, ...), each
// "FILE line N: ...". Nothing is wrong with the profiles that were read;
// awsenv doctor shows them.
func (ps *Profiles) Warnings() []string {
	return answer(ps, func() ([]string, bool) { return nil, false }, // the index keeps none
		func() []string { return ps.warnings })
}

// ProfileFiles are the config and credentials files: AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/config and ~/.aws/credentials.
func ProfileFiles(getenv func(string) string) (configFile, credentialsFile string) {
	home := getenv("HOME")
	configFile, credentialsFile = getenv("AWS_CONFIG_FILE"), getenv("AWS_SHARED_CREDENTIALS_FILE")
	if configFile == "" && home != "" {
		configFile = filepath.Join(home, ".aws", "config")
	}
	if credentialsFile == "" && home != "" {
		credentialsFile = filepath.Join(home, ".aws", "credentials")
	}
	return configFile, credentialsFile
}

// LoadProfiles reads both files; a missing file has no profiles. In the
// config file a profile is [profile NAME] (or [default]); in the
// credentials file it is [NAME]. Settings of the credentials file win. A
// line the SDKs refuse fails the load (a *SyntaxError), as it fails the
// AWS CLI; a bad value only marks its profile (Profile.Err).
func LoadProfiles(configFile, credentialsFile string) (*Profiles, error) {
	data, _, err := readProfileFiles(configFile, credentialsFile)
	if err != nil {
		return nil, err
	}
	return parseProfiles(configFile, data[0], credentialsFile, data[1])
}

// readProfileFiles reads both files, and says what fstat said of each (nil
// for a missing file).
func readProfileFiles(configFile, credentialsFile string) (data [2][]byte, st [2]fs.FileInfo, err error) {
	for i, f := range []struct{ path, what, env string }{
		{configFile, "AWS config file", "AWS_CONFIG_FILE"},
		{credentialsFile, "AWS credentials file", "AWS_SHARED_CREDENTIALS_FILE"},
	} {
		if f.path == "" {
			continue
		}
		b, info, err := readFile(f.what, f.path, maxProfileFile, "fix the file, or point "+f.env+" at another")
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return data, st, err
		}
		data[i], st[i] = b, info
	}
	return data, st, nil
}

// parseProfiles parses the content of both files.
func parseProfiles(configFile string, config []byte, credentialsFile string, credentials []byte) (*Profiles, error) {
	ps, _, err := parseProfilesLayout(configFile, config, credentialsFile, credentials, false)
	return ps, err
}

// parseProfilesLayout is parseProfiles that also, when layout is true,
// says where in the files each profile and section is.
func parseProfilesLayout(configFile string, config []byte, credentialsFile string, credentials []byte, layout bool) (*Profiles, *ProfileLayout, error) {
	raw := [2][]byte{bytes.TrimPrefix(config, []byte(bom)), bytes.TrimPrefix(credentials, []byte(bom))}
	cfg, err := parseINI(configFile, raw[0], true)
	if err != nil {
		return nil, nil, err
	}
	cred, err := parseINI(credentialsFile, raw[1], false)
	if err != nil {
		return nil, nil, err
	}
	var lay *ProfileLayout
	if layout {
		lay = &ProfileLayout{raw: raw}
	}
	ps := &Profiles{configFile: configFile, byName: make(map[string]*Profile, len(cfg.sections)+len(cred.sections))}
	ps.warnings = append(cfg.warnings, cred.warnings...)

	// [profile default] overrides [default] in the config file, wherever
	// it is (shared tests, Go SDK; in botocore the later one wins).
	prefixedDefault := false
	for _, s := range cfg.sections {
		prefixedDefault = prefixedDefault || s.kind == profileSection && s.name == "default" && !s.plainDefault
	}
	for i, f := range []*iniFile{cfg, cred} {
		for _, s := range f.sections {
			switch {
			case s.kind == ssoSessionSection:
				ps.addSSOSession(s)
				lay.set(SpanSSOSession, s, i)
			case s.kind == servicesSection:
				if ps.services == nil {
					ps.services = map[string]*section{}
				}
				ps.services[s.name] = s
				lay.set(SpanServices, s, i)
			case s.plainDefault && prefixedDefault:
				ps.warnings = append(ps.warnings, fmt.Sprintf("%s line %d: [default] ignored: [profile default] overrides it", s.file, s.line))
			default:
				ps.merge(s)
				lay.add(SpanProfile, s, i)
			}
		}
	}
	for _, n := range ps.names {
		ps.interpret(ps.byName[n])
	}
	if lay != nil {
		lay.Names = ps.names
	}
	return ps, lay, nil
}

// merge adds a section's settings to its profile; later ones (the
// credentials file's) win setting by setting.
func (ps *Profiles) merge(s *section) {
	p := ps.byName[s.name]
	if p == nil {
		// The profile takes over the section's settings: nothing else
		// reads a profile section once it is merged.
		p = &Profile{Name: s.name, File: s.file, Line: s.line, props: s.props}
		ps.byName[s.name] = p
		ps.names = append(ps.names, s.name)
		return
	}
	for k, v := range s.props {
		p.props[k] = v
	}
}

func (ps *Profiles) addSSOSession(s *section) {
	if ps.ssoSessions == nil {
		ps.ssoSessions = map[string]*SSOSession{}
	}
	ss := &SSOSession{Name: s.name, File: s.file, Line: s.line, props: s.props}
	var errs errorsByLine
	for k, pr := range s.props {
		var err error
		switch k {
		case "sso_start_url":
			ss.StartURL, err = pr.value, checkURL(k, pr.value)
		case "sso_region":
			ss.Region, err = pr.value, checkRegion(k, pr.value)
		case "sso_registration_scopes":
			for _, sc := range strings.Split(pr.value, ",") {
				if sc = strings.TrimSpace(sc); sc != "" {
					ss.RegistrationScopes = append(ss.RegistrationScopes, sc)
				}
			}
		}
		errs.add(pr, err)
	}
	ss.Err = errs.first(ps.configFile)
	ps.ssoSessions[s.name] = ss
}

// settingError is a bad value: where it is, and what is wrong with it.
type settingError struct {
	file string
	line int
	err  error
}

func (e *settingError) Error() string {
	return fmt.Sprintf("%s line %d: %v", e.file, e.line, e.err)
}

func (e *settingError) Unwrap() error { return e.err }

// errorsByLine collects the bad values of a section or profile, so the
// one reported is the first in the files, whatever the map order.
type errorsByLine []*settingError

func (es *errorsByLine) add(pr *prop, err error) {
	if err != nil {
		*es = append(*es, &settingError{file: pr.file, line: pr.line, err: err})
	}
}

// first is the error that comes first: the config file before the
// credentials file, then by line.
func (es errorsByLine) first(configFile string) error {
	var best *settingError
	for _, e := range es {
		if best == nil || e.file == best.file && e.line < best.line || e.file == configFile && best.file != configFile {
			best = e
		}
	}
	if best == nil {
		return nil
	}
	return best
}

// interpret fills the typed fields of p from its settings and checks the
// values that are cheap to check; the first bad one (in file order) is
// p.Err.
func (ps *Profiles) interpret(p *Profile) {
	var errs errorsByLine
	fail := func(key string, err error) { errs.add(p.props[key], err) }
	mfaArn := ""
	for k, pr := range p.props {
		v := pr.value
		switch k {
		case "aws_access_key_id":
			p.AccessKeyID = v
		case "aws_secret_access_key":
			p.SecretAccessKey = v
		case "aws_session_token":
			p.SessionToken = v
		case "role_arn":
			p.RoleARN = v
			if !strings.HasPrefix(v, "arn:") || !strings.Contains(v, ":role/") || strings.ContainsAny(v, " \t\n") {
				fail(k, fmt.Errorf("role_arn %q is not a role ARN like arn:aws:iam::123456789012:role/NAME", v))
			}
		case "source_profile":
			p.SourceProfile = v
		case "credential_source":
			p.CredentialSource = v
			switch v {
			case "Environment", "Ec2InstanceMetadata", "EcsContainer":
			default:
				fail(k, fmt.Errorf("credential_source %q is not one of Environment, Ec2InstanceMetadata, EcsContainer", v))
			}
		case "web_identity_token_file":
			p.WebIdentityTokenFile = v
		case "mfa_serial":
			p.MFASerial, p.MFASerialKey = v, k
		case "mfa_arn":
			mfaArn = v
		case "duration_seconds":
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				fail(k, fmt.Errorf("duration_seconds %q is not a number of seconds, like 3600", v))
				break
			}
			p.Duration = time.Duration(n) * time.Second
		case "role_session_name":
			p.RoleSessionName = v
		case "external_id":
			p.ExternalID = v
		case "region":
			p.Region = v
			fail(k, checkRegion(k, v))
		case "credential_process":
			p.CredentialProcess = v
		case "mfa_process":
			p.MFAProcess = v
		case "console_browser":
			p.ConsoleBrowser = v
		case "console_browser_profile":
			p.ConsoleBrowserProfile = v
		case "endpoint_url":
			p.EndpointURL = v
			fail(k, checkURL(k, v))
		case "services":
			p.Services = v
		case "ignore_configured_endpoint_urls":
			switch strings.ToLower(v) {
			case "true":
				p.IgnoreConfiguredEndpointURLs = true
			case "false":
			default:
				fail(k, fmt.Errorf("ignore_configured_endpoint_urls %q is not true or false", v))
			}
		case "login_session":
			p.LoginSession = v
			if !strings.HasPrefix(v, "arn:") || strings.ContainsAny(v, " \t") {
				fail(k, fmt.Errorf("login_session %q is not an ARN (the principal aws login signed in, like arn:aws:iam::123456789012:user/NAME)", v))
			}
		case "sso_session":
			p.SSOSession = v
		case "sso_account_id":
			p.SSOAccountID = v
			if len(v) != 12 || strings.Trim(v, "0123456789") != "" {
				fail(k, fmt.Errorf("sso_account_id %q is not a 12-digit AWS account id", v))
			}
		case "sso_role_name":
			p.SSORoleName = v
		case "sso_start_url":
			p.SSOStartURL = v
			fail(k, checkURL(k, v))
		case "sso_region":
			p.SSORegion = v
			fail(k, checkRegion(k, v))
		}
	}
	interpretSAML(p, fail)
	if p.SourceProfile != "" && p.CredentialSource != "" {
		// Both SDKs refuse this: which credentials would the role use?
		fail("credential_source", errors.New("source_profile and credential_source are both set: keep one"))
	}
	if p.MFASerialKey == "" && mfaArn != "" {
		p.MFASerial, p.MFASerialKey = mfaArn, "mfa_arn"
	}
	if p.Err = errs.first(ps.configFile); p.Err == nil {
		p.Err = ps.checkLinks(p)
	}
}

// checkLinks checks what a profile says about other sections, as the Go
// SDK does when it loads a profile: an sso_session must name a complete
// [sso-session] section that agrees with the profile, a legacy SSO
// profile needs all four settings.
func (ps *Profiles) checkLinks(p *Profile) error {
	at := func(key string, format string, a ...any) error {
		return fmt.Errorf("%s: %s", p.Where(key), fmt.Sprintf(format, a...))
	}
	switch {
	case p.SSOSession != "":
		ss := ps.SSOSession(p.SSOSession)
		if ss == nil {
			return at("sso_session", "sso_session %q: there is no [sso-session %s] section: add it to the config file", p.SSOSession, p.SSOSession)
		}
		if ss.Err != nil {
			return ss.Err
		}
		var missing []string
		if ss.StartURL == "" {
			missing = append(missing, "sso_start_url")
		}
		if ss.Region == "" {
			missing = append(missing, "sso_region")
		}
		if len(missing) > 0 {
			return fmt.Errorf("%s line %d: [sso-session %s] has no %s: add it", ss.File, ss.Line, ss.Name, strings.Join(missing, " or "))
		}
		if p.SSORegion != "" && p.SSORegion != ss.Region {
			return at("sso_region", "sso_region %q differs from the sso_region of [sso-session %s]: remove it from the profile", p.SSORegion, ss.Name)
		}
		if p.SSOStartURL != "" && p.SSOStartURL != ss.StartURL {
			return at("sso_start_url", "sso_start_url %q differs from the sso_start_url of [sso-session %s]: remove it from the profile", p.SSOStartURL, ss.Name)
		}
	case p.IsSSO() || p.SSORegion != "":
		var missing []string
		for _, k := range []string{"sso_start_url", "sso_region", "sso_account_id", "sso_role_name"} {
			if _, ok := p.props[k]; !ok {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			return at("", "profile %q uses IAM Identity Center but has no %s: add them, or sso_session", p.Name, strings.Join(missing, ", "))
		}
	}
	if p.Services != "" {
		if ps.servicesSection(p.Services) == nil {
			ps.warnings = append(ps.warnings, fmt.Sprintf("%s: services %q: there is no [services %s] section, so it sets no endpoint", p.Where("services"), p.Services, p.Services))
		} else if u := ps.ServiceEndpoint(p.Services, "sts"); u != "" {
			if err := checkURL("endpoint_url", u); err != nil {
				sec := ps.servicesSection(p.Services)
				return fmt.Errorf("%s line %d: [services %s] sts: %w", sec.file, sec.props["sts"].line, sec.name, err)
			}
		}
	}
	return nil
}

// checkURL accepts an http or https URL with a host.
func checkURL(key, v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(v, " \t\n") {
		return fmt.Errorf("%s %q is not a URL like https://example.com", key, v)
	}
	return nil
}

// checkRegion accepts what can be a region name: lower-case letters,
// digits and dashes ("eu-west-1", also "aws-global" and the fips names).
func checkRegion(key, v string) error {
	if !isLowerWord(v) || len(v) > 64 {
		return fmt.Errorf("%s %q is not a region name like eu-west-1", key, v)
	}
	return nil
}
