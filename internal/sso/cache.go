package sso

import (
	"crypto/sha1" // the AWS CLI names its cache files by SHA-1; not a security use
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/awsenv/awsenv/internal/fsutil"
	"github.com/awsenv/awsenv/internal/pyjson"
)

// The token cache is the AWS CLI's (awscli/botocore/utils.py in the CLI v2
// source: SSOTokenLoader, BaseSSOTokenFetcher; botocore/tokens.py:
// SSOTokenProvider), so that one login serves the CLI, the SDKs and awsenv:
//
//   - ~/.aws/sso/cache/<sha1 hex of the sso-session name, or of the start URL
//     for a legacy profile>.json holds the token: startUrl, region,
//     accessToken, expiresAt, clientId, clientSecret, registrationExpiresAt
//     and, when the service gave one, refreshToken. Times are UTC,
//     "2006-01-02T15:04:05Z".
//   - ~/.aws/sso/cache/<sha1 hex of a JSON object>.json holds the client
//     registration a new login reuses: clientId, clientSecret, expiresAt,
//     scopes and, for the authorization code flow, grantTypes. The CLI's
//     object is Python's json.dumps(..., sort_keys=True) of tool
//     ("botocore"), startUrl, region, scopes (as configured, null when not)
//     and session_name (null for a legacy profile). awsenv keeps its own
//     registrations in files of the same format under keys of its own
//     (tool "awsenv" and the flow, see RegistrationFile), so that the two
//     never take each other's registration for one of another flow.
//
// The CLI writes with Python's json.dumps (", " and ": " separators, non-
// ASCII escaped); so does awsenv, in the CLI's key order, keeping any field
// it does not know where another tool put one.

// maxCacheFile bounds what is read of a cache file; they are a few KiB.
const maxCacheFile = 256 << 10

// cacheTimeFormat is how the AWS CLI writes times in the cache.
const cacheTimeFormat = "2006-01-02T15:04:05Z"

// DefaultCacheDir is the AWS CLI's token cache folder, ~/.aws/sso/cache
// ("" when HOME is not set), or $AWSENV_SSO_CACHE_DIR: the sandbox keeps
// its logins in its own folder, away from the person's real ones.
func DefaultCacheDir(getenv func(string) string) string {
	if dir := getenv("AWSENV_SSO_CACHE_DIR"); dir != "" {
		return dir
	}
	home := getenv("HOME")
	if home == "" {
		home = getenv("USERPROFILE") // as the SDKs do on Windows
	}
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".aws", "sso", "cache")
}

func sha1Hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TokenFile is the name of sess's token file in the cache folder.
func TokenFile(sess Session) string { return sha1Hex(sess.cacheKey()) + ".json" }

// RegistrationFile is the name of the file in the cache folder where
// awsenv keeps the client registration of sess's logins by one flow: the
// authorization code flow (authCode) or the device authorization. It is
// awsenv's own file, never the AWS CLI's: the CLI v2.9 reuses whatever
// registration its own file holds for its device logins, and one made for
// the authorization code flow fails there with UnauthorizedClientException;
// newer CLIs choose by grantTypes and would re-register over awsenv's.
func RegistrationFile(sess Session, authCode bool) string {
	flow := "device_code"
	if authCode {
		flow = grantAuthCode
	}
	return registrationKey(sess, "awsenv", flow)
}

// registrationKey is the name of a registration file, as the AWS CLI names
// its own (tool "botocore", no flow): the SHA-1 of Python's
// json.dumps(..., sort_keys=True) of the session's fields.
func registrationKey(sess Session, tool, flow string) string {
	var b strings.Builder
	// The keys in sorted order, as json.dumps(sort_keys=True) writes them.
	b.WriteString("{")
	if flow != "" {
		b.WriteString(`"flow": `)
		b.WriteString(pyjson.String(flow))
		b.WriteString(", ")
	}
	b.WriteString(`"region": `)
	b.WriteString(pyjson.String(sess.Region))
	b.WriteString(`, "scopes": `)
	if sess.Scopes == nil {
		b.WriteString("null")
	} else {
		b.WriteString(pyjson.Strings(sess.Scopes))
	}
	b.WriteString(`, "session_name": `)
	if sess.Name == "" {
		b.WriteString("null")
	} else {
		b.WriteString(pyjson.String(sess.Name))
	}
	b.WriteString(`, "startUrl": `)
	b.WriteString(pyjson.String(sess.StartURL))
	b.WriteString(`, "tool": `)
	b.WriteString(pyjson.String(tool))
	b.WriteString("}")
	return sha1Hex(b.String()) + ".json"
}

// cacheFile is a JSON object from the cache, every field kept as read
// (pyjson.Object).
type cacheFile struct{ *pyjson.Object }

func newCacheFile() *cacheFile { return &cacheFile{pyjson.New()} }

func (f *cacheFile) str(key string) (string, bool) { return f.String(key) }

func (f *cacheFile) set(key string, v any) {
	switch v := v.(type) {
	case nil:
		f.Delete(key)
	case string:
		f.SetString(key, v)
	case time.Time:
		if v.IsZero() {
			f.Delete(key)
			return
		}
		f.SetString(key, v.UTC().Format(cacheTimeFormat))
	case []string:
		f.SetRaw(key, []byte(pyjson.Strings(v)))
	default:
		panic(fmt.Sprintf("sso: cache field %s of type %T", key, v))
	}
}

// corruptError is a cache file that is there but cannot be used.
type corruptError struct {
	path, problem string
}

func (e *corruptError) Error() string {
	return fmt.Sprintf("ignoring the sso cache file %s: %s; the next login replaces it", e.path, e.problem)
}

// readCacheFile reads a JSON object from the cache: nil, nil when there is
// no file; a *corruptError when it is not a JSON object (or not a regular
// file); other errors as the file system gives them.
func readCacheFile(path string) (*cacheFile, error) {
	data, err := fsutil.ReadText(path, maxCacheFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	var re *fsutil.ReadError
	if errors.As(err, &re) {
		return nil, &corruptError{path, re.Problem}
	}
	if err != nil {
		return nil, err
	}
	o, err := pyjson.Parse(data)
	if err != nil {
		return nil, &corruptError{path, err.Error()}
	}
	f := &cacheFile{o}
	return f, nil
}

// writeCacheFile replaces path atomically with mode 0600.
func writeCacheFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("cannot create the sso cache folder: %w", err)
	}
	if err := fsutil.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("cannot write the sso cache file %s: %w", path, err)
	}
	return nil
}

// parseCacheTime reads a time as the tools that share the cache write it:
// the AWS CLI and botocore ("2026-01-01T00:00:00Z"), the Go SDK (RFC 3339),
// the JS SDK (with milliseconds), older CLIs ("2026-01-01T00:00:00UTC")
// and Python's isoformat ("2026-01-01T00:00:00+00:00").
func parseCacheTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutSuffix(s, "UTC"); ok {
		s = rest + "Z"
	}
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// cachedToken is the content of a token file.
type cachedToken struct {
	StartURL, Region      string
	AccessToken           string
	ExpiresAt             time.Time
	ClientID              string
	ClientSecret          string
	RegistrationExpiresAt time.Time // zero when absent
	RefreshToken          string
	file                  *cacheFile // every field, for the rewrite
}

// tokenFields is the AWS CLI's order of a token file's fields.
var tokenFields = []string{"startUrl", "region", "accessToken", "expiresAt", "clientId", "clientSecret", "registrationExpiresAt", "refreshToken"}

// readToken reads a token file: nil, nil when there is none; a
// *corruptError when it cannot be used (then it counts as absent).
func readToken(path string) (*cachedToken, error) {
	f, err := readCacheFile(path)
	if f == nil || err != nil {
		return nil, err
	}
	t := &cachedToken{file: f}
	for _, fl := range []struct {
		key string
		dst *string
	}{
		{"startUrl", &t.StartURL}, {"region", &t.Region}, {"accessToken", &t.AccessToken},
		{"clientId", &t.ClientID}, {"clientSecret", &t.ClientSecret}, {"refreshToken", &t.RefreshToken},
	} {
		v, ok := f.str(fl.key)
		if !ok {
			return nil, &corruptError{path, fl.key + " is not a string"}
		}
		*fl.dst = v
	}
	exp, _ := f.str("expiresAt")
	if t.AccessToken == "" || exp == "" {
		return nil, &corruptError{path, "it has no accessToken and expiresAt"}
	}
	var ok bool
	if t.ExpiresAt, ok = parseCacheTime(exp); !ok {
		return nil, &corruptError{path, "its expiresAt is not a time"}
	}
	if reg, _ := f.str("registrationExpiresAt"); reg != "" {
		t.RegistrationExpiresAt, _ = parseCacheTime(reg) // unreadable: refresh is tried all the same
	}
	return t, nil
}

// encode is the token file's content.
func (t *cachedToken) encode() []byte {
	f := t.file
	if f == nil {
		f = newCacheFile()
		t.file = f
	}
	f.set("startUrl", t.StartURL)
	f.set("region", t.Region)
	f.set("accessToken", t.AccessToken)
	f.set("expiresAt", t.ExpiresAt)
	f.set("clientId", t.ClientID)
	f.set("clientSecret", t.ClientSecret)
	f.set("registrationExpiresAt", t.RegistrationExpiresAt)
	f.set("refreshToken", t.RefreshToken)
	return f.Encode(tokenFields)
}

// registration is a client registration of the AWS CLI's cache.
type registration struct {
	ClientID, ClientSecret string
	ExpiresAt              time.Time
	Scopes, GrantTypes     []string
	file                   *cacheFile
}

var registrationFields = []string{"clientId", "clientSecret", "expiresAt", "scopes", "grantTypes"}

// forAuthCode says whether the registration is for the authorization
// code flow; the CLI tells them apart by grantTypes.
func (r *registration) forAuthCode() bool { return slices.Contains(r.GrantTypes, grantAuthCode) }

// readRegistration reads a registration file; an unusable one is nil.
func readRegistration(path string) *registration {
	f, err := readCacheFile(path)
	if f == nil || err != nil {
		return nil
	}
	r := &registration{file: f}
	var ok1, ok2 bool
	r.ClientID, ok1 = f.str("clientId")
	r.ClientSecret, ok2 = f.str("clientSecret")
	exp, _ := f.str("expiresAt")
	var ok3 bool
	r.ExpiresAt, ok3 = parseCacheTime(exp)
	if !ok1 || !ok2 || !ok3 || r.ClientID == "" || r.ClientSecret == "" {
		return nil
	}
	for key, dst := range map[string]*[]string{"scopes": &r.Scopes, "grantTypes": &r.GrantTypes} {
		if raw, ok := f.Raw(key); ok && json.Unmarshal(raw, dst) != nil {
			return nil
		}
	}
	return r
}

func (r *registration) encode() []byte {
	f := r.file
	if f == nil {
		f = newCacheFile()
		r.file = f
	}
	f.set("clientId", r.ClientID)
	f.set("clientSecret", r.ClientSecret)
	f.set("expiresAt", r.ExpiresAt)
	if r.Scopes != nil {
		f.set("scopes", r.Scopes)
	}
	if r.GrantTypes != nil {
		f.set("grantTypes", r.GrantTypes)
	}
	return f.Encode(registrationFields)
}

// quoteList is a, b and c, each quoted.
func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = strconv.Quote(s)
	}
	switch len(q) {
	case 0:
		return ""
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}
