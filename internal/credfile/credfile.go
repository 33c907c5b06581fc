// Package credfile updates one profile of an AWS shared credentials file
// (~/.aws/credentials) and leaves every other byte of it as it was.
package credfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/fsutil"
	"github.com/awsenv/awsenv/internal/xerr"
)

// Values are what a profile gets.
type Values struct {
	AccessKeyID, SecretAccessKey, SessionToken string
	Expiration                                 time.Time // zero for long-lived keys
	// Region, when set, is written too: the AWS CLI and boto3 refuse a
	// profile without one ("You must specify a region"), and both, like the
	// Go SDK, read it from the credentials file.
	Region string
	// AccountID, when known, is written as aws_account_id, which botocore
	// and the Go SDK read from the credentials file with the keys (for
	// account-based endpoints); a stale one is always removed.
	AccountID string
}

// FromCredentials are the values of c, without a region.
func FromCredentials(c aws.Credentials) Values {
	v := Values{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		AccountID: c.AccountID}
	if c.CanExpire {
		v.Expiration = c.Expires
	}
	return v
}

// ExpirationKey is where the expiration goes: the AWS CLI and SDKs ignore
// keys they don't know, and other tools (saml2aws, gimme-aws-creds) use
// this name.
const ExpirationKey = "x_security_token_expires"

// managed are the keys Update owns in the profile; any other key or
// comment in it stays.
var managed = []string{"aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_security_token", ExpirationKey, "aws_account_id"}

// Path is the shared credentials file: $AWS_SHARED_CREDENTIALS_FILE, else
// ~/.aws/credentials.
func Path(getenv func(string) string) (string, error) {
	if p := getenv("AWS_SHARED_CREDENTIALS_FILE"); p != "" {
		return p, nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", errors.New("cannot find the home directory: set HOME or AWS_SHARED_CREDENTIALS_FILE")
	}
	return filepath.Join(home, ".aws", "credentials"), nil
}

// CheckProfile checks a profile name can be written as a section header.
func CheckProfile(name string) error {
	ok := name != "" && len(name) <= 128
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.@+/", c) >= 0
	}
	if !ok {
		return fmt.Errorf("profile name %q is not allowed: use letters, digits and -_.@+/ only", name)
	}
	return nil
}

// Check says whether Update could write profile into the file at path,
// without writing anything: the name is allowed, the file (if any) is a
// regular text file awsenv can read, and the profile does not hold
// long-lived keys. A command calls it before it asks STS (and the user, for
// an MFA code) for credentials it could not write.
func Check(path, profile string) error {
	if err := CheckProfile(profile); err != nil {
		return err
	}
	real, err := target(path)
	if err != nil {
		return err
	}
	_, err = read(real, profile)
	return err
}

// Update writes v into profile of the file at path, under a lock, by
// atomic replacement, with mode 0600. The profile's own comments and other
// keys stay; every other profile and comment stays byte for byte. A symlink
// is followed, so a credentials file kept elsewhere stays where it is.
func Update(ctx context.Context, path, profile string, v Values) error {
	if err := CheckProfile(profile); err != nil {
		return err
	}
	if err := v.check(path); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("cannot create %s: %w", filepath.Dir(path), errors.Unwrap(err))
	}
	path, err := target(path)
	if err != nil {
		return err
	}
	return fsutil.EditFile(ctx, "credentials file", path, func() ([]byte, os.FileMode, error) {
		old, err := read(path, profile)
		if err != nil {
			return nil, 0, err
		}
		fsutil.SweepTemps(path)
		return Apply(old, profile, v), 0o600, nil
	})
}

// target is the file a write to path replaces: path, or where its symlink
// points. It must be a regular file, or not exist yet: the lock goes beside
// it, and nothing may be created next to a device or inside /dev.
func target(path string) (string, error) {
	name := path
	if real, err := filepath.EvalSymlinks(path); err == nil && real != path {
		name = path + " (a link to " + real + ")"
		path = real
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return path, nil
	case err != nil:
		return "", fmt.Errorf("cannot use credentials file %s: %v", name, xerr.Root(err))
	case !st.Mode().IsRegular():
		return "", fmt.Errorf("cannot update credentials file %s: it is not a regular file: fix it, or point AWS_SHARED_CREDENTIALS_FILE at another file", name)
	}
	return path, nil
}

// read reads the credentials file (nil when it does not exist yet) and
// refuses to replace long-lived keys of profile.
func read(path, profile string) ([]byte, error) {
	old, err := fsutil.ReadText(path, maxFile)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		var re *fsutil.ReadError
		if errors.As(err, &re) {
			return nil, fmt.Errorf("cannot update credentials file %s: %s: %s", path, re.Problem, "fix it, or point AWS_SHARED_CREDENTIALS_FILE at another file")
		}
		return nil, fmt.Errorf("cannot read credentials file %s: %v", path, xerr.Root(err))
	}
	if LongLived(old, profile) {
		return nil, fmt.Errorf("profile %s of %s holds long-lived keys (no aws_session_token): awsenv will not overwrite them with temporary ones; write to another profile", profile, path)
	}
	return old, nil
}

// maxFile bounds the credentials file Update reads, as awsenv's reader of
// ~/.aws/credentials does.
const maxFile = 16 << 20

// bom is the UTF-8 byte order mark some Windows editors put first.
const bom = "\xef\xbb\xbf"

// Apply returns data with profile's managed keys set to v. Lines are kept
// as they are, line endings included, except the managed keys of profile;
// a missing profile is appended. Line breaks are those of the AWS CLI
// (Python's universal newlines): "\n", "\r\n" and a lone "\r", so a file
// saved with old Mac line ends is read as lines, not as one line whose keys
// nobody would find. New lines get the file's own line end. A leading UTF-8
// byte order mark is dropped: it would hide the first section from Apply,
// and the AWS CLI cannot parse a credentials file that starts with one.
func Apply(data []byte, profile string, v Values) []byte {
	lines := splitLines(data)
	nl := lineEnd(data)
	body := []string{
		"aws_access_key_id = " + v.AccessKeyID,
		"aws_secret_access_key = " + v.SecretAccessKey,
	}
	if v.SessionToken != "" {
		body = append(body, "aws_session_token = "+v.SessionToken)
	}
	if !v.Expiration.IsZero() {
		body = append(body, ExpirationKey+" = "+v.Expiration.UTC().Format(time.RFC3339))
	}
	if v.AccountID != "" {
		body = append(body, "aws_account_id = "+v.AccountID)
	}
	if v.Region != "" {
		body = append(body, "region = "+v.Region)
	}
	var out bytes.Buffer
	// Managed keys go from every section named profile (a file may repeat
	// one, and readers merge them); the new values go into the first.
	found, in := false, false
	insertAt := -1 // index in out where the body goes for the found profile
	var outLines []string
	for _, l := range lines {
		trimmed := strings.TrimSpace(l)
		if name, ok := sectionName(trimmed); ok {
			in = name == profile
			if in && !found {
				found = true
				outLines = append(outLines, l)
				insertAt = len(outLines)
				continue
			}
		} else if in && (isManagedKey(trimmed) || v.Region != "" && keyOf(trimmed) == "region") {
			continue
		}
		outLines = append(outLines, l)
	}
	if found {
		if !endsLine(outLines[insertAt-1]) {
			outLines[insertAt-1] += nl
		}
		rest := append([]string{}, outLines[insertAt:]...)
		outLines = outLines[:insertAt]
		for _, b := range body {
			outLines = append(outLines, b+nl)
		}
		outLines = append(outLines, rest...)
		for _, l := range outLines {
			out.WriteString(l)
		}
		return out.Bytes()
	}
	for _, l := range outLines {
		out.WriteString(l)
	}
	if out.Len() > 0 && !endsLine(out.String()) {
		out.WriteString(nl)
	}
	if out.Len() > 0 {
		out.WriteString(nl)
	}
	out.WriteString("[" + profile + "]" + nl)
	for _, b := range body {
		out.WriteString(b + nl)
	}
	return out.Bytes()
}

// LongLived reports whether profile holds an access key without a session
// token: someone's long-lived keys, which must not be replaced.
func LongLived(data []byte, profile string) bool {
	in, key, token := false, false, false
	for _, l := range splitLines(data) {
		t := strings.TrimSpace(l)
		if name, ok := sectionName(t); ok {
			in = name == profile
			continue
		}
		if !in {
			continue
		}
		i := strings.IndexAny(t, "=:")
		if i < 0 {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(t[:i])) {
		case "aws_access_key_id":
			key = true
		case "aws_session_token", "aws_security_token":
			token = true
		}
	}
	return key && !token
}

// splitLines splits after each line end ("\n", "\r\n" or a lone "\r"),
// keeping it, and drops a leading byte order mark.
func splitLines(data []byte) []string {
	data = bytes.TrimPrefix(data, []byte(bom))
	var lines []string
	for len(data) > 0 {
		i := bytes.IndexAny(data, "\r\n")
		if i < 0 {
			lines = append(lines, string(data))
			break
		}
		end := i + 1
		if data[i] == '\r' && end < len(data) && data[end] == '\n' {
			end++
		}
		lines = append(lines, string(data[:end]))
		data = data[end:]
	}
	return lines
}

// lineEnd is the line end new lines of data get: that of its first line,
// "\n" for a file of one line or none.
func lineEnd(data []byte) string {
	i := bytes.IndexAny(data, "\r\n")
	switch {
	case i < 0 || data[i] == '\n':
		return "\n"
	case i+1 < len(data) && data[i+1] == '\n':
		return "\r\n"
	}
	return "\r"
}

func endsLine(s string) bool { return strings.HasSuffix(s, "\n") || strings.HasSuffix(s, "\r") }

func sectionName(line string) (string, bool) {
	if !strings.HasPrefix(line, "[") {
		return "", false
	}
	end := strings.IndexByte(line, ']')
	if end < 0 {
		return "", false
	}
	return strings.TrimSpace(line[1:end]), true
}

// keyOf is the key of a "key = value" line or, as Python's configparser
// also reads it, "key: value"; "" for other lines.
func keyOf(line string) string {
	i := strings.IndexAny(line, "=:")
	if i < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(line[:i]))
}

// isManagedKey says whether line sets one of the keys Update owns.
func isManagedKey(line string) bool {
	k := keyOf(line)
	for _, m := range managed {
		if k == m {
			return true
		}
	}
	return false
}
