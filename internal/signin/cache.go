package signin

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/awsenv/awsenv/internal/fsutil"
	"github.com/awsenv/awsenv/internal/pyjson"
)

// The cache is the AWS CLI's (botocore/utils.py: LoginTokenLoader,
// JSONFileCache; botocore/credentials.py: LoginCredentialFetcher) and the
// Go SDK's (credentials/logincreds), so that one `aws login` serves the
// CLI, the SDKs and awsenv:
//
//	~/.aws/login/cache/<lowercase hex SHA-256 of the login_session>.json
//	(AWS_LOGIN_CACHE_DIRECTORY overrides the folder)
//	{"accessToken": {"accessKeyId", "secretAccessKey", "sessionToken",
//	 "accountId", "expiresAt"}, "tokenType", "clientId", "refreshToken",
//	 "idToken", "dpopKey"}
//
// The CLI writes expiresAt as "2006-01-02T15:04:05Z" and the fields with
// Python's json.dumps (", " and ": "); the Go SDK writes RFC 3339 with
// nanoseconds, compact, "identityToken" for "idToken", and drops the
// fields it does not know. awsenv reads both, writes as the CLI does, and
// keeps every field it does not know, at the top level and in accessToken.

// maxCacheFile bounds what is read of a cache file; they are a few KiB.
const maxCacheFile = 256 << 10

const cacheTimeFormat = "2006-01-02T15:04:05Z"

// DefaultCacheDir is the folder of the login cache: AWS_LOGIN_CACHE_DIRECTORY,
// else ~/.aws/login/cache ("" when HOME is not set).
func DefaultCacheDir(getenv func(string) string) string {
	if d := getenv("AWS_LOGIN_CACHE_DIRECTORY"); d != "" {
		if rest, ok := strings.CutPrefix(d, "~/"); ok && getenv("HOME") != "" {
			return filepath.Join(getenv("HOME"), rest)
		}
		return d
	}
	home := getenv("HOME")
	if home == "" {
		home = getenv("USERPROFILE")
	}
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".aws", "login", "cache")
}

// FileName is the cache file's name for a login_session value.
func FileName(loginSession string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(loginSession)))
	return hex.EncodeToString(sum[:]) + ".json"
}

// token is a cache file's content.
type token struct {
	AccessKeyID, SecretAccessKey, SessionToken string
	AccountID                                  string
	ExpiresAt                                  time.Time
	TokenType, ClientID, RefreshToken          string
	IDToken                                    string // idToken, or the Go SDK's identityToken
	DPoPKey                                    string // PEM, "BEGIN EC PRIVATE KEY"
	SignInRegion                               string // optional
	file, access                               *pyjson.Object
}

var (
	tokenFields  = []string{"accessToken", "tokenType", "clientId", "refreshToken", "idToken", "dpopKey"}
	accessFields = []string{"accessKeyId", "secretAccessKey", "sessionToken", "accountId", "expiresAt"}
)

const problemNotObject = "it is not a JSON object"

// FileError is a cache file that is there but cannot be used.
type FileError struct {
	Path, Problem string
}

func (e *FileError) Error() string {
	return fmt.Sprintf("the aws login cache file %s cannot be used: %s", e.Path, e.Problem)
}

// readToken reads a cache file: nil, nil when there is none; a *FileError
// when it is not one awsenv (or the SDKs) can use.
func readToken(path string) (*token, error) {
	data, err := fsutil.ReadText(path, maxCacheFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	var re *fsutil.ReadError
	if errors.As(err, &re) {
		return nil, &FileError{path, re.Problem}
	}
	if err != nil {
		return nil, err
	}
	return parseToken(path, data)
}

func parseToken(path string, data []byte) (*token, error) {
	bad := func(problem string) error { return &FileError{path, problem} }
	f, err := pyjson.Parse(data)
	if err != nil {
		return nil, bad(problemNotObject)
	}
	raw, ok := f.Raw("accessToken")
	if !ok {
		return nil, bad("it has no accessToken")
	}
	a, err := pyjson.Parse(raw)
	if err != nil {
		return nil, bad("its accessToken is not a JSON object")
	}
	t := &token{file: f, access: a}
	for _, fl := range []struct {
		o   *pyjson.Object
		key string
		dst *string
	}{
		{a, "accessKeyId", &t.AccessKeyID}, {a, "secretAccessKey", &t.SecretAccessKey}, {a, "sessionToken", &t.SessionToken},
		{a, "accountId", &t.AccountID}, {f, "tokenType", &t.TokenType}, {f, "clientId", &t.ClientID},
		{f, "refreshToken", &t.RefreshToken}, {f, "idToken", &t.IDToken}, {f, "dpopKey", &t.DPoPKey},
		{f, "signInRegion", &t.SignInRegion},
	} {
		v, ok := fl.o.String(fl.key)
		if !ok {
			return nil, bad(fl.key + " is not a string")
		}
		*fl.dst = v
	}
	if t.IDToken == "" {
		t.IDToken, _ = f.String("identityToken")
	}
	var missing []string
	for _, m := range []struct{ key, v string }{
		{"accessToken.accessKeyId", t.AccessKeyID}, {"accessToken.secretAccessKey", t.SecretAccessKey},
		{"accessToken.sessionToken", t.SessionToken}, {"clientId", t.ClientID}, {"refreshToken", t.RefreshToken},
		{"dpopKey", t.DPoPKey},
	} {
		if m.v == "" {
			missing = append(missing, m.key)
		}
	}
	if len(missing) > 0 {
		return nil, bad("it has no " + strings.Join(missing, ", "))
	}
	exp, ok := a.String("expiresAt")
	if !ok || exp == "" {
		return nil, bad("it has no accessToken.expiresAt")
	}
	if t.ExpiresAt, ok = parseTime(exp); !ok {
		return nil, bad("its accessToken.expiresAt is not a time")
	}
	return t, nil
}

// parseTime reads a time as the CLI ("2026-01-01T00:00:00Z") and the Go SDK
// (RFC 3339 with nanoseconds) write it.
func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// encode is the cache file's content, as the AWS CLI writes it.
func (t *token) encode() []byte {
	if t.file == nil {
		t.file = pyjson.New()
	}
	if t.access == nil {
		t.access = pyjson.New()
	}
	a := t.access
	a.SetRaw("accessKeyId", pyString(t.AccessKeyID))
	a.SetRaw("secretAccessKey", pyString(t.SecretAccessKey))
	a.SetRaw("sessionToken", pyString(t.SessionToken))
	a.SetRaw("accountId", pyString(t.AccountID))
	a.SetRaw("expiresAt", pyString(t.ExpiresAt.UTC().Format(cacheTimeFormat)))
	f := t.file
	f.SetRaw("accessToken", a.Encode(accessFields))
	f.SetRaw("tokenType", pyString(t.TokenType))
	f.SetRaw("clientId", pyString(t.ClientID))
	f.SetRaw("refreshToken", pyString(t.RefreshToken))
	if _, sdk := f.Raw("identityToken"); sdk && t.IDToken != "" {
		f.SetRaw("identityToken", pyString(t.IDToken))
	} else if t.IDToken != "" {
		f.SetRaw("idToken", pyString(t.IDToken))
	}
	f.SetRaw("dpopKey", pyString(t.DPoPKey))
	return f.Encode(tokenFields)
}

// writeToken replaces path atomically, 0600 in a 0700 folder.
func writeToken(path string, t *token) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("cannot create the aws login cache folder: %w", err)
	}
	if err := fsutil.WriteFile(path, t.encode(), 0o600); err != nil {
		return fmt.Errorf("cannot write the aws login cache file %s: %w", path, err)
	}
	return nil
}

// pyString is a string value as the AWS CLI writes it: an empty one is
// kept as a field, as the CLI keeps it.
func pyString(v string) []byte { return []byte(pyjson.String(v)) }
