// Package cache keeps temporary AWS credentials on disk so that every shell
// can reuse them until they expire: one JSON file per entry, mode 0600 in a
// 0700 directory, replaced atomically, with a per-entry lock for writers.
// What list shows of a thousand entries comes from a summary kept beside
// them (Expiries), under the settle rule of fsutil.Stamp.
package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/awsenv/awsenv/internal/fsutil"
)

// Version is the format version written into every entry.
const Version = 1

// Credentials are what STS returned.
type Credentials struct {
	AccessKeyID     string    `json:"AccessKeyId"`
	SecretAccessKey string    `json:"SecretAccessKey"`
	SessionToken    string    `json:"SessionToken"`
	Expiration      time.Time `json:"Expiration"`
}

// Entry is one cached set of temporary credentials.
type Entry struct {
	Version   int    `json:"Version"`
	Account   string `json:"Account"`
	Kind      string `json:"Kind"`           // "session" (GetSessionToken) or "role"
	Role      string `json:"Role,omitempty"` // role name or ARN for Kind "role"
	ARN       string `json:"Arn,omitempty"`  // assumed role ARN, when STS gave one
	MFASerial string `json:"MFASerial,omitempty"`
	// Source says what signed the call: "keys" (long-lived) or "session"
	// (a role chained from the cached MFA session).
	Source string `json:"Source,omitempty"`
	// Config fingerprints the configuration the entry was made from, for
	// sources whose settings may change under the same name (profiles).
	Config      string      `json:"Config,omitempty"`
	Created     time.Time   `json:"Created"`
	Credentials Credentials `json:"Credentials"`
}

// Remaining is how long the credentials are good for at now.
func (e *Entry) Remaining(now time.Time) time.Duration {
	return e.Credentials.Expiration.Sub(now)
}

// Lifetime is how long the credentials were issued for.
func (e *Entry) Lifetime() time.Duration {
	return e.Credentials.Expiration.Sub(e.Created)
}

// Valid reports whether more than margin is left at now.
func (e *Entry) Valid(now time.Time, margin time.Duration) bool {
	return e.Remaining(now) > margin
}

func (e *Entry) check() error {
	c := e.Credentials
	switch {
	case e.Version != Version:
		return fmt.Errorf("unknown format version %d", e.Version)
	case c.AccessKeyID == "" || c.SecretAccessKey == "" || c.SessionToken == "":
		return errors.New("credentials are incomplete")
	case c.Expiration.IsZero():
		return errors.New("no expiration")
	}
	return nil
}

// Store is a cache directory.
type Store struct {
	Dir string
	// Warn receives one-line warnings (corrupt entries, loose permissions).
	Warn func(string)

	// settle is how long an entry must be unchanged before Expiries may
	// summarise it: fsutil.Settle when zero; tests give a shorter one.
	settle time.Duration
}

// maxKeyLen is the length of a file name stem above which its qualifiers
// are hashed; maxStem the longest stem at all: KEY.json, KEY.lock and
// .KEY.json.tmpNNNNNNNNNN must fit in the 255 bytes of a file name.
const (
	maxKeyLen = 180
	maxStem   = 225
)

// fileName joins the parts of a key into a file name stem: the owner, then
// qualifiers such as "role", ROLE. A name that would be too long for a file
// system keeps the owner part and replaces the rest by its SHA-256; an owner
// too long by itself (a profile name of hundreds of characters) is replaced
// by its namespace and its SHA-256 too, see ownerHash. Parts are escaped so
// that no part can leave the directory and none can hold the separator: the
// entries of one owner share its prefix.
func fileName(parts ...string) string {
	if len(parts) == 1 && plainPart(parts[0]) && len(parts[0]) <= maxStem {
		return parts[0] // most accounts: nothing to escape or hash
	}
	var b strings.Builder
	n := len(parts)
	for _, p := range parts {
		n += len(p) + len(p)/4
	}
	b.Grow(n)
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(keySep)
		}
		escapePart(&b, p)
	}
	k := b.String()
	if len(k) <= maxKeyLen || (len(parts) < 2 && len(k) <= maxStem) {
		return k
	}
	if len(parts) < 2 {
		return ownerHash(parts[0])
	}
	var ob strings.Builder
	escapePart(&ob, parts[0])
	owner := ob.String()
	if len(owner) > maxStem-len(",#")-sha256.Size*2 {
		owner = ownerHash(parts[0])
	}
	// Length-prefixed, so no two lists of parts hash alike; marked with
	// "#", which Key escapes in parts, so no plain key looks the same.
	h := sha256.New()
	for _, p := range parts[1:] {
		fmt.Fprintf(h, "%d:%s", len(p), p)
	}
	return owner + string(keySep) + "#" + hex.EncodeToString(h.Sum(nil))
}

// ownerHash is the owner part of a key whose owner is too long for a file
// name: its namespace ("@profile:", "" for an account) escaped, "#", and the
// SHA-256 of the whole owner. ParseKey reads back the scope, and Key.Owns
// compares a name by its hash.
func ownerHash(owner string) string {
	ns := ""
	if strings.HasPrefix(owner, "@") {
		if i := strings.IndexByte(owner, ':'); i > 0 {
			ns = owner[:i+1]
		}
	}
	var b strings.Builder
	escapePart(&b, ns)
	sum := sha256.Sum256([]byte(owner))
	return b.String() + "#" + hex.EncodeToString(sum[:])
}

func escapePart(b *strings.Builder, p string) {
	const hex = "0123456789ABCDEF"
	for j := 0; j < len(p); j++ {
		if c := p[j]; plainByte(c, j) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
}

// plainByte says whether escapePart keeps c, at offset j of a part, as it is.
func plainByte(c byte, j int) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '@' || c == '+' || (c == '.' || c == '-') && j > 0
}

// plainPart says whether escapePart keeps p as it is.
func plainPart(p string) bool {
	for j := 0; j < len(p); j++ {
		if !plainByte(p[j], j) {
			return false
		}
	}
	return true
}

func (s *Store) path(key Key) string { return filepath.Join(s.Dir, key.String()+".json") }

func (s *Store) warn(msg string) {
	if s.Warn != nil {
		s.Warn(msg)
	}
}

// Get returns the entry for key, or nil when there is none. An unreadable or
// corrupt entry is a miss, reported through Warn; it is never returned.
func (s *Store) Get(key Key) *Entry {
	p := s.path(key)
	data, err := readOwnFile(p)
	e, warning := decodeEntry(p, data, err)
	if warning != "" {
		s.warn(warning)
	}
	return e
}

// Put writes the entry for key atomically, creating the directory 0700.
func (s *Store) Put(key Key, e *Entry) error {
	e.Version = Version
	if err := e.check(); err != nil {
		return fmt.Errorf("refusing to cache an entry: %w", err)
	}
	if err := s.ensureDir(); err != nil {
		return err
	}
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	fsutil.SweepTemps(s.path(key))
	if err := fsutil.WriteFile(s.path(key), append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("cannot write cache entry: %w (check the permissions of %s)", err, s.Dir)
	}
	return nil
}

// Check reports whether the directory is one awsenv may use: a directory
// of the current user's alone (nil when it does not exist yet).
func (s *Store) Check() error {
	if _, err := os.Lstat(s.Dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return checkDir(s.Dir)
}

// Delete removes the entry for key; a missing entry is not an error. It
// refuses a directory Check refuses: another user's entries are not ours
// to drop, any more than to read.
func (s *Store) Delete(key Key) (bool, error) {
	if err := s.Check(); err != nil {
		return false, err
	}
	err := os.Remove(s.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cannot remove cache entry: %w", err)
	}
	// The lock file stays: another process may hold it right now.
	return true, nil
}

// Keys lists the keys that have an entry file, sorted by file name. Files
// whose names no Key makes (left by another version) are not listed. A
// directory Check refuses lists nothing, with a warning.
func (s *Store) Keys() []Key {
	if err := s.Check(); err != nil {
		s.warn("warning: ignoring the cache: " + err.Error())
		return nil
	}
	f, err := os.Open(s.Dir)
	if err != nil {
		return nil
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil
	}
	return entryNames(names)
}

// Lock takes the writer lock of an entry, waiting until ctx ends; waiting is
// called if another process holds it.
//
// In a directory nobody can write to (a read-only file system, a
// credential directory the user may not create .cache in), no process can
// write an entry, so there is nothing for a lock to order: Lock then
// succeeds without one, and the caller goes on uncached; its Put fails and
// says why.
func (s *Store) Lock(ctx context.Context, key Key, waiting func()) (func(), error) {
	if err := s.ensureDir(); err != nil {
		if s.readOnly(err) {
			return func() {}, nil
		}
		return nil, err
	}
	unlock, err := fsutil.Lock(ctx, filepath.Join(s.Dir, key.String()+".lock"), waiting)
	switch {
	case errors.Is(err, fsutil.ErrLockTimeout):
		return nil, fmt.Errorf("another awsenv has held the cache lock for %q too long: finish or stop it and try again", key.String())
	case err != nil && s.readOnly(err):
		return func() {}, nil
	}
	return unlock, err
}

// readOnly says whether err comes from a cache directory the user cannot
// write to.
func (s *Store) readOnly(err error) bool {
	return (errors.Is(err, fs.ErrPermission) || isReadOnlyFS(err)) && !dirWritable(s.Dir)
}

func (s *Store) ensureDir() error {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("cannot create cache directory: %w (set AWSENV_CACHE_DIR to a writable folder)", err)
	}
	return checkDir(s.Dir)
}

// keySep separates the parts of a key; Key escapes it inside parts.
const keySep = ','
