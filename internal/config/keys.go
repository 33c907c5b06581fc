package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Keys are an IAM user's long-lived access keys.
type Keys struct {
	AccessKeyID     string
	SecretAccessKey string
}

// CheckName reports whether name can be an account name: it becomes part of
// file names and environment values, so it is kept to a safe alphabet.
func CheckName(name string) error {
	if name == "" {
		return errors.New("account name is empty")
	}
	if len(name) > 64 {
		return fmt.Errorf("account name %q is longer than 64 characters", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			(i > 0 && (c == '-' || c == '_' || c == '.' || c == '@' || c == '+'))
		if !ok {
			return fmt.Errorf("account name %q may hold only letters, digits and - _ . @ + (not first)", name)
		}
	}
	return nil
}

// KeyFiles are the paths of an account's key files.
func KeyFiles(dir, name string) (accessKey, secretKey string) {
	return filepath.Join(dir, name+".access_key"), filepath.Join(dir, name+".secret_key")
}

// HasKeys reports whether both key files of an account exist.
func HasKeys(dir, name string) bool {
	a, s := KeyFiles(dir, name)
	_, errA := os.Stat(a)
	_, errS := os.Stat(s)
	return errA == nil && errS == nil
}

// LoadKeys reads NAME.access_key and NAME.secret_key from dir. A file that
// group or others can read is reported through warn, like ssh does, but used.
// Errors never contain the key material.
func LoadKeys(dir, name string, warn func(string)) (Keys, error) {
	akPath, skPath := KeyFiles(dir, name)
	ak, err := readKeyFile(akPath, warn)
	if err != nil {
		return Keys{}, err
	}
	if !validAccessKeyID(ak) {
		return Keys{}, fmt.Errorf("malformed key file %s: expected an access key id (16-128 letters and digits, like AKIA...)", akPath)
	}
	sk, err := readKeyFile(skPath, warn)
	if err != nil {
		return Keys{}, err
	}
	if !validSecret(sk) {
		return Keys{}, fmt.Errorf("malformed key file %s: expected one secret access key (at least 16 printable characters, no spaces)", skPath)
	}
	return Keys{AccessKeyID: ak, SecretAccessKey: sk}, nil
}

// maxKeyFile caps a key or user file: a key is a line of at most a few
// hundred bytes.
const maxKeyFile = 4096

const keyFileHint = "put the IAM user's key there (one line), mode 600"

func readKeyFile(path string, warn func(string)) (string, error) {
	data, st, err := readFile("key file", path, maxKeyFile, keyFileHint)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("missing key file %s: %s", path, keyFileHint)
	}
	if err != nil {
		return "", err
	}
	// The mode is the open file's, so it is the file that was read.
	if warn != nil && st.Mode().Perm()&0o077 != 0 {
		warn(fmt.Sprintf("warning: %s is accessible by others (mode %04o): run chmod 600 %s", path, st.Mode().Perm(), path))
	}
	v := strings.TrimSpace(string(data))
	if v == "" {
		return "", fmt.Errorf("malformed key file %s: it is empty: %s", path, keyFileHint)
	}
	return v, nil
}

func validAccessKeyID(s string) bool {
	if len(s) < 16 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func validSecret(s string) bool {
	if len(s) < 16 || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// LoadUser returns the IAM user name for an account: the content of
// NAME.user when present, else the login name from the environment.
func LoadUser(dir, name string, getenv func(string) string) (string, error) {
	path := filepath.Join(dir, name+".user")
	const hint = "write the IAM user name there, on one line"
	data, _, err := readFile("user file", path, maxKeyFile, hint)
	if err == nil {
		u := strings.TrimSpace(string(data))
		if !validUserName(u) {
			return "", fmt.Errorf("malformed user file %s: expected one IAM user name (one line, no spaces or /, at most 64 characters): %s", path, hint)
		}
		return u, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	for _, v := range []string{"USER", "LOGNAME"} {
		if u := getenv(v); u != "" {
			return u, nil
		}
	}
	return "", fmt.Errorf("no IAM user name for account %q: write it to %s or set USER", name, path)
}

// validUserName accepts what the old helpers put in NAME.user: an IAM
// user name on one line. It is more lenient than IAM ([\w+=,.@-]{1,64})
// only in allowing other printable characters, never space, control
// characters or a slash (the name becomes part of an MFA device ARN).
func validUserName(u string) bool {
	if u == "" || len(u) > 64 {
		return false
	}
	for i := 0; i < len(u); i++ {
		if c := u[i]; c <= ' ' || c == 0x7f || c == '/' {
			return false
		}
	}
	return true
}

// ParseDuration accepts a Go duration ("8h", "90m", "1h30m") or a whole
// number of seconds ("3600").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration")
	}
	if strings.Trim(s, "0123456789") == "" {
		if len(s) > 9 {
			return 0, fmt.Errorf("duration %q is too long", s)
		}
		var n int64
		for _, c := range s {
			n = n*10 + int64(c-'0')
		}
		if n == 0 {
			return 0, fmt.Errorf("duration %q is zero", s)
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a duration like \"8h\", \"90m\" or 3600", s)
	}
	return d, nil
}

// CheckKeys reports whether keys look like an IAM user's access key id
// and secret, before anything is sent or written. It never shows them.
func CheckKeys(keys Keys) error {
	if !validAccessKeyID(keys.AccessKeyID) {
		return errors.New("that is not an access key id (16-128 capital letters and digits, like AKIA...)")
	}
	if !validSecret(keys.SecretAccessKey) {
		return errors.New("that is not a secret access key (at least 16 printable characters, no spaces)")
	}
	return nil
}
