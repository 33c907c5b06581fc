package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Profile is a profile of ~/.aws/config and ~/.aws/credentials, with the
// settings awsenv understands.
type Profile struct {
	Name string
	// Static keys (usually from the credentials file).
	AccessKeyID, SecretAccessKey, SessionToken string
	// A role: RoleARN with SourceProfile, or with WebIdentityTokenFile.
	RoleARN, SourceProfile, CredentialSource string
	WebIdentityTokenFile                     string
	MFASerial                                string
	Duration                                 time.Duration // duration_seconds, 0 when not set
	RoleSessionName, ExternalID, Region      string
	CredentialProcess                        string
	MFAProcess                               string // awsenv's own key: mfa_process
	// Err is a bad setting of this profile, reported when it is used (a
	// mistake in one profile does not break the others).
	Err error
}

// Kind says where the profile's credentials come from.
func (p *Profile) Kind() string {
	switch {
	case p.RoleARN != "" && p.WebIdentityTokenFile != "":
		return "web-identity"
	case p.RoleARN != "":
		return "role"
	case p.AccessKeyID != "":
		return "keys"
	case p.CredentialProcess != "":
		return "process"
	}
	return "none"
}

// Profiles are the merged profiles of the config and credentials files.
type Profiles struct {
	byName map[string]*Profile
	names  []string
}

// Get returns the named profile, or nil.
func (ps *Profiles) Get(name string) *Profile {
	if ps == nil {
		return nil
	}
	return ps.byName[name]
}

// Names lists the profiles in the order they first appear.
func (ps *Profiles) Names() []string {
	if ps == nil {
		return nil
	}
	return ps.names
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
// credentials file it is [NAME]. Keys of the credentials file win.
func LoadProfiles(configFile, credentialsFile string) (*Profiles, error) {
	ps := &Profiles{byName: map[string]*Profile{}}
	for _, f := range []struct {
		path   string
		config bool
	}{{configFile, true}, {credentialsFile, false}} {
		if f.path == "" {
			continue
		}
		data, err := os.ReadFile(f.path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %v", f.path, errors.Unwrap(err))
		}
		if err := ps.parse(f.path, data, f.config); err != nil {
			return nil, err
		}
	}
	return ps, nil
}

func (ps *Profiles) parse(path string, data []byte, configFile bool) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var cur *Profile
	n := 0
	nested := false // inside "s3 =" and its indented settings
	for sc.Scan() {
		n++
		raw := sc.Text()
		line := strings.TrimSpace(raw)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			end := strings.IndexByte(line, ']')
			if end < 0 {
				return fmt.Errorf("malformed %s: line %d: section header without ]", path, n)
			}
			cur, nested = ps.section(strings.TrimSpace(line[1:end]), configFile), false
			continue
		}
		if nested && (raw[0] == ' ' || raw[0] == '\t') {
			continue // a nested setting (s3 = ...), not used by awsenv
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			if cur != nil && cur.Err == nil {
				cur.Err = fmt.Errorf("%s: line %d: expected key = value", path, n)
			}
			continue
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		nested = v == ""
		if cur == nil {
			continue
		}
		if err := cur.set(k, v); err != nil && cur.Err == nil {
			cur.Err = fmt.Errorf("%s: line %d: %v", path, n, err)
		}
	}
	return sc.Err()
}

// section returns the profile a section header names, or nil for other
// sections ([sso-session x], [services x], ...).
func (ps *Profiles) section(header string, configFile bool) *Profile {
	name := header
	if configFile {
		if rest, ok := strings.CutPrefix(header, "profile "); ok {
			name = strings.TrimSpace(rest)
		} else if header != "default" {
			return nil
		}
	}
	if len(name) >= 2 && (name[0] == '"' && name[len(name)-1] == '"' || name[0] == '\'' && name[len(name)-1] == '\'') {
		name = name[1 : len(name)-1]
	}
	if name == "" {
		return nil
	}
	if p := ps.byName[name]; p != nil {
		return p
	}
	p := &Profile{Name: name}
	ps.byName[name] = p
	ps.names = append(ps.names, name)
	return p
}

func (p *Profile) set(k, v string) error {
	switch k {
	case "aws_access_key_id":
		p.AccessKeyID = v
	case "aws_secret_access_key":
		p.SecretAccessKey = v
	case "aws_session_token":
		p.SessionToken = v
	case "role_arn":
		p.RoleARN = v
	case "source_profile":
		p.SourceProfile = v
	case "credential_source":
		p.CredentialSource = v
	case "web_identity_token_file":
		p.WebIdentityTokenFile = v
	case "mfa_serial":
		p.MFASerial = v
	case "duration_seconds":
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return fmt.Errorf("duration_seconds %q is not a number of seconds", v)
		}
		p.Duration = time.Duration(n) * time.Second
	case "role_session_name":
		p.RoleSessionName = v
	case "external_id":
		p.ExternalID = v
	case "region":
		p.Region = v
	case "credential_process":
		p.CredentialProcess = v
	case "mfa_process":
		p.MFAProcess = v
	}
	return nil
}
