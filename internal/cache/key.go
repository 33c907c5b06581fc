package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Scope is what owns an entry: an account of the accounts file, a profile of
// ~/.aws/config, or a role assumed with a web identity from the command line.
type Scope int

// The scopes.
const (
	ScopeAccount Scope = iota
	ScopeProfile
	ScopeWebIdentity
)

// Kind is what an entry holds.
type Kind string

// The kinds of entries.
const (
	// KindSession is an MFA session from GetSessionToken.
	KindSession Kind = "session"
	// KindRole is a role's credentials from AssumeRole.
	KindRole Kind = "role"
	// KindWebIdentity is a role's credentials from AssumeRoleWithWebIdentity.
	KindWebIdentity Kind = "web-identity"
	// KindOwn is a profile's own credentials (its role_arn, its web
	// identity): the last link of its chain.
	KindOwn Kind = "own"
)

// Key names one cache entry. It is the only owner of the naming scheme:
// list, forget and the credential chains all go through it. The file names it
// makes are those awsenv has always used, so existing entries stay valid.
type Key struct {
	Scope Scope
	Name  string // account, profile, or the role's short name (web identity)
	Kind  Kind
	Role  string // role ARN (KindRole; KindWebIdentity of ScopeWebIdentity)
	Sess  string // role session name (KindRole)

	// stem is the file name a key read back by ParseKey came from: a
	// hashed name cannot be rebuilt from the fields.
	stem string
	// nameHash is the hashed owner of such a file name (its Name is ""):
	// see ownerHash.
	nameHash string
}

// Namespace prefixes of the owner part: no account name can start with "@",
// so a profile never shares an entry with an account.
const (
	profileNS     = "@profile:"
	webIdentityNS = "@web-identity:"
)

// Listed reports whether `awsenv list` shows the entry: an account's MFA
// session, or a profile's own credentials or MFA session; not the roles
// chained from them, nor web identities. A file name whose owner part is
// hashed (see ownerHash) does not say for sure, and is listed.
func (k Key) Listed() bool {
	switch {
	case k.nameHash != "":
		return true
	case k.Scope == ScopeAccount:
		return k.Kind == KindSession
	case k.Scope == ScopeProfile:
		return k.Kind == KindOwn || k.Kind == KindSession
	}
	return false
}

// AccountSession is the MFA session of an account.
func AccountSession(name string) Key { return Key{Scope: ScopeAccount, Name: name, Kind: KindSession} }

// String is the entry's file name without ".json".
func (k Key) String() string {
	if k.stem != "" {
		return k.stem
	}
	switch k.Scope {
	case ScopeProfile:
		owner := k.owner()
		switch {
		case k.Kind == KindSession:
			return fileName(owner, "session")
		case k.Kind == KindRole && k.Role != "":
			return fileName(owner, "role", k.Role, k.Sess)
		}
		return fileName(owner)
	case ScopeWebIdentity:
		return fileName(k.owner(), k.Role)
	}
	switch k.Kind {
	case KindRole:
		return fileName(k.Name, "role", k.Role, k.Sess)
	case KindWebIdentity:
		return fileName(k.Name, "web-identity")
	}
	return fileName(k.Name)
}

// owner is the owner part of the key's file name, before escaping.
func (k Key) owner() string {
	switch k.Scope {
	case ScopeProfile:
		return profileNS + k.Name
	case ScopeWebIdentity:
		return webIdentityNS + k.Name
	}
	return k.Name
}

// ParseKey reads back a key from an entry's file name stem. Its Scope is
// always recovered, and its Name unless that was too long for a file name
// (then Owns still tells whose it is); Kind, Role and Sess only where the
// name is not hashed (a very long role ARN).
func ParseKey(stem string) (Key, bool) {
	raw := strings.Split(stem, string(keySep))
	if ns, sum, ok := strings.Cut(raw[0], "#"); ok {
		return parseHashedOwner(stem, raw, ns, sum)
	}
	parts := make([]string, len(raw))
	for i, p := range raw {
		u, ok := unescape(p)
		if !ok {
			return Key{}, false
		}
		parts[i] = u
	}
	var k Key
	owner, rest := parts[0], parts[1:]
	switch {
	case strings.HasPrefix(owner, profileNS):
		k.Scope, k.Name = ScopeProfile, owner[len(profileNS):]
	case strings.HasPrefix(owner, webIdentityNS):
		k.Scope, k.Name = ScopeWebIdentity, owner[len(webIdentityNS):]
	case strings.HasPrefix(owner, "@"):
		return Key{}, false
	default:
		k.Scope, k.Name = ScopeAccount, owner
	}
	if k.Name == "" {
		return Key{}, false
	}
	hashed := len(rest) > 0 && strings.HasPrefix(raw[len(raw)-1], "#")
	switch {
	case hashed:
		k.Kind = KindRole
		if k.Scope == ScopeWebIdentity {
			k.Kind = KindWebIdentity
		}
	case k.Scope == ScopeWebIdentity && len(rest) == 1:
		k.Kind, k.Role = KindWebIdentity, rest[0]
	case len(rest) == 0 && k.Scope == ScopeProfile:
		k.Kind = KindOwn
	case len(rest) == 0:
		k.Kind = KindSession
	case len(rest) == 1 && rest[0] == "session" && k.Scope == ScopeProfile:
		k.Kind = KindSession
	case len(rest) == 1 && rest[0] == "web-identity" && k.Scope == ScopeAccount:
		k.Kind = KindWebIdentity
	case len(rest) == 3 && rest[0] == "role" && k.Scope != ScopeWebIdentity:
		k.Kind, k.Role, k.Sess = KindRole, rest[1], rest[2]
	default:
		return Key{}, false
	}
	k.stem = stem
	return k, true
}

// parseHashedOwner reads back a key whose owner part is ownerHash's.
func parseHashedOwner(stem string, raw []string, ns, sum string) (Key, bool) {
	k := Key{stem: stem, nameHash: sum}
	switch ns, _ = unescape(ns); ns {
	case "":
		k.Scope, k.Kind = ScopeAccount, KindSession
	case profileNS:
		k.Scope, k.Kind = ScopeProfile, KindOwn
	case webIdentityNS:
		k.Scope, k.Kind = ScopeWebIdentity, KindWebIdentity
	default:
		return Key{}, false
	}
	if len(sum) != sha256.Size*2 || strings.Trim(sum, "0123456789abcdef") != "" {
		return Key{}, false
	}
	switch {
	case len(raw) == 1:
	case len(raw) == 2 && strings.HasPrefix(raw[1], "#"):
		if k.Scope != ScopeWebIdentity {
			k.Kind = KindRole
		}
	default:
		return Key{}, false
	}
	return k, true
}

// unescape undoes fileName's %XX escapes of one part.
func unescape(p string) (string, bool) {
	if !strings.Contains(p, "%") {
		return p, true
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] != '%' {
			b.WriteByte(p[i])
			continue
		}
		if i+2 >= len(p) {
			return "", false
		}
		hi, ok1 := unhex(p[i+1])
		lo, ok2 := unhex(p[i+2])
		if !ok1 || !ok2 {
			return "", false
		}
		b.WriteByte(hi<<4 | lo)
		i += 2
	}
	return b.String(), true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Owns reports whether the entry belongs to the account, profile or web
// identity role called name: what forget NAME drops.
func (k Key) Owns(name string) bool {
	if k.nameHash != "" {
		owner := k
		owner.Name = name
		sum := sha256.Sum256([]byte(owner.owner()))
		return hex.EncodeToString(sum[:]) == k.nameHash
	}
	return k.Name == name
}
