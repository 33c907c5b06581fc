// Package config reads awsenv's inputs: the accounts file, the per-account
// key files in the credential directory, the AWS CLI's ~/.aws/config and
// ~/.aws/credentials, and the paths where they live. Every file is read
// through fsutil.ReadText, so a FIFO, a device or a binary file is a clear
// error, never a hang. For package index it also says where each entry and
// section is (LoadAccountsSpans, LoadProfilesLayout), and reads them one at
// a time where an index says they are (IndexedAccounts, IndexedProfiles).
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"
)

// Account is one entry of the accounts file.
type Account struct {
	Name string
	// ARNPrefix is "arn:PARTITION:iam::ACCOUNTID:" (always with the trailing colon).
	ARNPrefix string
	// AccountID is the 12-digit account number taken from ARNPrefix.
	AccountID string
	// Partition is "aws", "aws-us-gov", "aws-cn", ... taken from ARNPrefix.
	Partition string
	Region    string
	// MFASerialOverride is the explicit mfa_serial, if any; see MFASerial.
	MFASerialOverride string
	// SessionDuration is the session_duration, 0 when not set.
	SessionDuration time.Duration
	// MFAProcess is a command whose stdout is the current MFA code.
	MFAProcess string
	// Roles maps a short role name to its ARN, in file order (RoleNames).
	Roles     map[string]string
	RoleNames []string
	// WebIdentity, when set, makes the account's credentials come from an
	// OIDC login and AssumeRoleWithWebIdentity instead of key files.
	WebIdentity *WebIdentity
	// SAML, when set, makes the account's credentials come from a SAML
	// sign-in in the browser and AssumeRoleWithSAML (saml.go).
	SAML *SAMLAccount
	// KeyStore is where the long-lived keys live ("keys"): "" for the key
	// files, "keyring" for the keyring $AWSENV_KEYRING names (else the one
	// found), or "keyring:BACKEND" (see KeyringBackends).
	KeyStore string
	// ConsoleBrowser is the browser that opens the console for the account
	// (console_browser), ConsoleBrowserProfile an existing Chrome-family
	// profile to open it in (console_browser_profile); resolve checks them.
	ConsoleBrowser, ConsoleBrowserProfile string
}

// WebIdentity is an account's identity-provider login.
type WebIdentity struct {
	Issuer       string `json:"issuer"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	RoleARN      string `json:"role_arn"`
	SessionName  string `json:"session_name"`
}

// MFASerial is the MFA device ARN: mfa_serial when given, else ARNPrefix + "mfa/" + user.
func (a *Account) MFASerial(user string) string {
	if a.MFASerialOverride != "" {
		return a.MFASerialOverride
	}
	if a.ARNPrefix == "" {
		return ""
	}
	return a.ARNPrefix + "mfa/" + user
}

// Accounts is the parsed accounts file.
type Accounts struct {
	// Path is the file it came from ("" when there was none).
	Path string
	list []*Account

	byName map[string]*Account // for Get on a long list (list looks up every name)
	lazy   *lazyAccounts       // entries still to be read through an index (IndexedAccounts)
	err    error               // an indexed file that no longer loads
}

// Names returns the account names in file order.
func (a *Accounts) Names() []string {
	if a.lazy != nil {
		if names, err := a.lazy.ix.Names(); err == nil {
			return names
		}
		a.loadAll()
	}
	names := make([]string, len(a.list))
	for i, acc := range a.list {
		names[i] = acc.Name
	}
	return names
}

// Get returns the named account, or nil. See Entry.
func (a *Accounts) Get(name string) *Account {
	acc, _ := a.Entry(name)
	return acc
}

// All returns the accounts in file order.
func (a *Accounts) All() []*Account {
	if a.lazy != nil {
		a.loadAll()
	}
	return a.list
}

// maxAccountsFile caps the accounts file: a thousand accounts with roles
// are a few hundred kilobytes.
const maxAccountsFile = 4 << 20

// LoadAccounts reads and parses the accounts file at path. A missing file
// yields an empty set with Path "" only when optional is true.
func LoadAccounts(path string, optional bool) (*Accounts, error) {
	data, _, err := readFile("accounts file", path, maxAccountsFile, accountsHint)
	if err != nil {
		accs, _, _, err := loadAccountsError(path, optional, err)
		return accs, err
	}
	list, err := ParseAccounts(data)
	if err != nil {
		return nil, fmt.Errorf("malformed accounts file %s: %w", path, err)
	}
	return &Accounts{Path: path, list: list}, nil
}

const accountsHint = "it must be the JSON accounts file: fix --config / AWSENV_CONFIG, or the file"

// loadAccountsError is what LoadAccounts returns when the file could not be
// read: no accounts for a missing optional file, else the error.
func loadAccountsError(path string, optional bool, err error) (*Accounts, []AccountSpan, fs.FileInfo, error) {
	if optional && errors.Is(err, fs.ErrNotExist) {
		return &Accounts{}, nil, nil, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil, fmt.Errorf("accounts file %s does not exist: create it or fix --config / AWSENV_CONFIG", path)
	}
	return nil, nil, nil, err
}

// accountObject is the object form of an accounts file entry.
type accountObject struct {
	ARN             string          `json:"arn"`
	Region          string          `json:"region"`
	MFASerial       string          `json:"mfa_serial"`
	SessionDuration json.RawMessage `json:"session_duration"`
	MFAProcess      string          `json:"mfa_process"`
	Roles           json.RawMessage `json:"roles"`
	WebIdentity     *WebIdentity    `json:"web_identity"`
	SAML            *SAMLAccount    `json:"saml"`
	Keys            string          `json:"keys"`
	ConsoleBrowser  string          `json:"console_browser"`
	BrowserProfile  string          `json:"console_browser_profile"`
}

// ParseAccounts parses accounts-file JSON, keeping the order of entries.
// Every error says where in the file the problem is.
func ParseAccounts(data []byte) ([]*Account, error) {
	list, _, err := parseAccounts(bytes.TrimPrefix(data, []byte(bom))) // a UTF-8 BOM, from Windows editors
	return list, err
}

// parseAccounts is ParseAccounts of data without a byte order mark. It
// also returns where each entry is; nil when the file went the slow way.
func parseAccounts(data []byte) ([]*Account, []member, error) {
	members, ok := splitObject(data)
	if !ok {
		// Not valid JSON, or not an object: the token stream says where.
		list, err := parseAccountsStream(data, true)
		return list, nil, err
	}
	if len(members) == 0 {
		return nil, members, nil
	}
	list := make([]*Account, 0, len(members))
	seen := make(map[string]bool, len(members))
	for _, m := range members {
		name := unquoteKey(data[m.keyStart:m.keyEnd])
		if err := CheckName(name); err != nil {
			return nil, nil, err
		}
		if seen[name] {
			return nil, nil, fmt.Errorf("account %q is listed twice", name)
		}
		seen[name] = true
		acc, err := parseEntry(name, data[m.valStart:m.valEnd], true)
		if err != nil {
			return nil, nil, err
		}
		list = append(list, acc)
	}
	return list, members, nil
}

// parseAccountsStream parses the file token by token: slow, but it puts a
// line and column on a syntax error. fast is parseEntry's.
func parseAccountsStream(data []byte, fast bool) ([]*Account, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxError(data, dec, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("the top level must be a JSON object of account names")
	}
	var list []*Account
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntaxError(data, dec, err)
		}
		name, _ := tok.(string)
		if err := CheckName(name); err != nil {
			return nil, err
		}
		if seen[name] {
			return nil, fmt.Errorf("account %q is listed twice", name)
		}
		seen[name] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, syntaxError(data, dec, err)
		}
		acc, err := parseEntry(name, raw, fast)
		if err != nil {
			return nil, err
		}
		list = append(list, acc)
	}
	if _, err := dec.Token(); err != nil {
		return nil, syntaxError(data, dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the closing brace")
	}
	return list, nil
}

// parseEntry parses the value of the entry name. Unless fast is false, the
// common shapes are decoded by hand (accounts_scan.go) rather than by
// encoding/json; the tests compare the two ways.
func parseEntry(name string, raw json.RawMessage, fast bool) (*Account, error) {
	acc := &Account{Name: name}
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) > 0 && raw[0] == '"':
		arn, plain := plainStringIf(fast, raw)
		if err := unmarshalUnless(plain, raw, &arn); err != nil {
			return nil, fmt.Errorf("account %q: %w", name, err)
		}
		if err := acc.setARN(arn); err != nil {
			return nil, err
		}
		return acc, nil
	case len(raw) > 0 && raw[0] == '{':
	default:
		return nil, fmt.Errorf("account %q: value must be an ARN prefix string or an object", name)
	}
	var obj accountObject
	if !fast || !decodeObjectFast(raw, &obj) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&obj); err != nil {
			msg := strings.TrimPrefix(err.Error(), "json: ")
			return nil, fmt.Errorf("account %q: %s", name, msg)
		}
	}
	if w := obj.WebIdentity; w != nil {
		if !strings.HasPrefix(w.Issuer, "https://") && !strings.HasPrefix(w.Issuer, "http://") || w.ClientID == "" {
			return nil, fmt.Errorf("account %q: web_identity needs \"issuer\" (an https URL) and \"client_id\"", name)
		}
		if !strings.HasPrefix(w.RoleARN, "arn:") || !strings.Contains(w.RoleARN, ":role/") {
			return nil, fmt.Errorf("account %q: web_identity needs \"role_arn\", the role to assume (arn:aws:iam::ACCOUNT:role/NAME)", name)
		}
		acc.WebIdentity = w
		if obj.ARN == "" {
			// The account is the role's.
			obj.ARN = w.RoleARN[:strings.Index(w.RoleARN, ":role/")+1]
		}
	}
	if err := parseSAMLAccount(name, &obj, acc); err != nil {
		return nil, err
	}
	if obj.ARN == "" {
		return nil, fmt.Errorf("account %q: \"arn\" is missing (e.g. \"arn:aws:iam::123456789012:\")", name)
	}
	if err := acc.setARN(obj.ARN); err != nil {
		return nil, err
	}
	if obj.Region != "" && !validRegion(obj.Region) {
		return nil, fmt.Errorf("account %q: region %q is not a region name like \"eu-west-1\"", name, obj.Region)
	}
	acc.Region = obj.Region
	if obj.MFASerial != "" && !strings.HasPrefix(obj.MFASerial, "arn:") {
		return nil, fmt.Errorf("account %q: mfa_serial %q must be an MFA device ARN", name, obj.MFASerial)
	}
	acc.MFASerialOverride = obj.MFASerial
	acc.MFAProcess = strings.TrimSpace(obj.MFAProcess)
	acc.ConsoleBrowser, acc.ConsoleBrowserProfile = strings.TrimSpace(obj.ConsoleBrowser), strings.TrimSpace(obj.BrowserProfile)
	keyStore, err := parseKeyStore(obj.Keys)
	if err != nil {
		return nil, fmt.Errorf("account %q: %w", name, err)
	}
	if keyStore != "" && acc.SAML != nil {
		return nil, fmt.Errorf("account %q: \"keys\" does not apply to a saml account, which has no long-lived keys: remove it", name)
	}
	if keyStore != "" && acc.WebIdentity != nil {
		return nil, fmt.Errorf("account %q: \"keys\" does not apply to a web_identity account, which has no long-lived keys: remove it", name)
	}
	acc.KeyStore = keyStore
	if len(obj.SessionDuration) > 0 {
		d, err := parseJSONDuration(obj.SessionDuration, fast)
		if err != nil {
			return nil, fmt.Errorf("account %q: session_duration: %w", name, err)
		}
		acc.SessionDuration = d
	}
	if len(obj.Roles) > 0 {
		if err := acc.parseRoles(obj.Roles, fast); err != nil {
			return nil, err
		}
	}
	return acc, nil
}

func (a *Account) parseRoles(raw json.RawMessage, fast bool) error {
	if roles, names, ok := rolesFast(raw, fast); ok {
		a.Roles, a.RoleNames = roles, names
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("account %q: roles must be an object of role name to role ARN", a.Name)
	}
	a.Roles = map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("account %q: roles: %w", a.Name, err)
		}
		role := tok.(string)
		var arn string
		if err := dec.Decode(&arn); err != nil {
			return fmt.Errorf("account %q: role %q must be a role ARN string", a.Name, role)
		}
		if !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":role/") {
			return fmt.Errorf("account %q: role %q: %q is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME)", a.Name, role, arn)
		}
		if _, dup := a.Roles[role]; dup {
			return fmt.Errorf("account %q: role %q is listed twice", a.Name, role)
		}
		a.Roles[role] = arn
		a.RoleNames = append(a.RoleNames, role)
	}
	return nil
}

// setARN validates an ARN prefix "arn:PARTITION:iam::ACCOUNTID:" (the
// trailing colon may be left out) and fills the derived fields.
func (a *Account) setARN(arn string) error {
	// The error is made only when needed: this runs for every account on
	// every switch.
	bad := func() error {
		return fmt.Errorf("account %q: %q is not an IAM ARN prefix like \"arn:aws:iam::123456789012:\"", a.Name, arn)
	}
	rest, ok := strings.CutPrefix(arn, "arn:")
	if !ok {
		return bad()
	}
	partition, rest, ok := strings.Cut(rest, ":")
	if !ok || !strings.HasPrefix(partition, "aws") || !isLowerWord(partition) {
		return bad()
	}
	rest, ok = strings.CutPrefix(rest, "iam::")
	if !ok {
		return bad()
	}
	id := strings.TrimSuffix(rest, ":")
	if len(id) != 12 || strings.Trim(id, "0123456789") != "" {
		return bad()
	}
	a.Partition = partition
	a.AccountID = id
	a.ARNPrefix = "arn:" + partition + ":iam::" + id + ":"
	return nil
}

func isLowerWord(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return s != ""
}

// KeyringBackends are the keyring backends a "keys" setting may name.
var KeyringBackends = []string{"secret-service", "pass", "keyctl", "file", "keychain", "wincred"}

// parseKeyStore checks a "keys" setting: "files" (the default, returned
// as ""), "keyring" or "keyring:BACKEND".
func parseKeyStore(s string) (string, error) {
	if s == "" || s == "files" {
		return "", nil
	}
	if backend, ok := strings.CutPrefix(s, "keyring:"); ok {
		if slices.Contains(KeyringBackends, backend) {
			return s, nil
		}
	} else if s == "keyring" {
		return s, nil
	}
	return "", fmt.Errorf("keys %q is not \"files\", \"keyring\" or \"keyring:BACKEND\" with BACKEND one of %s", s, strings.Join(KeyringBackends, ", "))
}

// ValidRegion says whether s is a region name like eu-west-1.
func ValidRegion(s string) bool { return validRegion(s) }

// validRegion accepts names like eu-west-1 and us-gov-west-1: lowercase
// words joined by dashes, the last one a number.
func validRegion(s string) bool {
	parts := strings.Split(s, "-")
	if len(s) > 32 || len(parts) < 3 || !isLowerWord(s) {
		return false
	}
	for _, p := range parts {
		if p == "" {
			return false
		}
	}
	return strings.Trim(parts[len(parts)-1], "0123456789") == ""
}

func parseJSONDuration(raw json.RawMessage, fast bool) (time.Duration, error) {
	if s, ok := plainStringIf(fast, raw); ok {
		return ParseDuration(s)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var n int64
		if err := json.Unmarshal(raw, &n); err != nil || n <= 0 || n > 1e7 {
			return 0, errors.New(`must be a duration like "8h" or a positive number of seconds`)
		}
		return time.Duration(n) * time.Second, nil
	}
	return ParseDuration(s)
}

// syntaxError turns a JSON decoding error into one with a line and column.
func syntaxError(data []byte, dec *json.Decoder, err error) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("unexpected end of file")
	}
	off := dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// Decode's offsets count from where it started; a whole-file
		// parse gives one from the start of the file, just past the
		// offending byte.
		var full *json.SyntaxError
		if errors.As(json.Unmarshal(data, new(any)), &full) {
			se = full
		}
		off = max(se.Offset-1, 0)
		err = se
	}
	line, col := position(data, off)
	msg := strings.TrimPrefix(err.Error(), "json: ")
	return fmt.Errorf("line %d, column %d: %s", line, col, msg)
}

func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(off) - bytes.LastIndexByte(before, '\n')
	if col < 1 {
		col = 1
	}
	return line, col
}
