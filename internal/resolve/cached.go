package resolve

import (
	"time"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/config"
)

// Listing is what list shows: the accounts (of the accounts file, then of
// key files alone) and the profiles not named like one, each with what is
// cached for it.
type Listing struct {
	Accounts []ListedAccount
	Profiles []ListedProfile
	// ProfilesErr is a config or credentials file that cannot be read:
	// the accounts are listed all the same.
	ProfilesErr error
}

// ListedAccount is an account's row and its cached MFA session.
type ListedAccount struct {
	config.AccountRow
	Cached Cached
}

// ListedProfile is a profile's row and its cached credentials.
type ListedProfile struct {
	config.ProfileRow
	Cached Cached
}

// Cached is what the cache holds for a row: nothing, an entry that Get
// would refuse (Warning says why), or an entry until Expires.
type Cached struct {
	Found   bool
	Expires time.Time
	Warning string
}

// List reads what list shows. An error is an accounts file that no longer
// loads. The cache answers from its summary (cache.Store.Expiries): only
// the entries the rows name are looked at.
func (r *Resolver) List() (Listing, error) {
	l, err := r.env.listing()
	if err != nil {
		return Listing{}, err
	}
	out := Listing{Accounts: make([]ListedAccount, len(l.Accounts)), Profiles: make([]ListedProfile, len(l.Profiles)), ProfilesErr: l.ProfilesErr}
	if len(l.Accounts)+len(l.Profiles) == 0 {
		return out, nil
	}
	expiries := r.b.Store.Expiries(cache.Key.Listed)
	state := func(key cache.Key) Cached {
		exp, ok := expiries[key.String()]
		return Cached{Found: ok, Expires: exp.Expires, Warning: exp.Warning}
	}
	for i, a := range l.Accounts {
		out.Accounts[i] = ListedAccount{AccountRow: a, Cached: state(cache.AccountSession(a.Name))}
	}
	for i, p := range l.Profiles {
		key := cache.Key{Scope: cache.ScopeProfile, Name: p.Name, Kind: cache.KindOwn}
		if p.Kind == "keys" {
			key.Kind = cache.KindSession
		}
		out.Profiles[i] = ListedProfile{ProfileRow: p, Cached: state(key)}
	}
	return out, nil
}

// Forget drops the cached entries of name, or every entry with all, and
// says how many went and what name is ("account" or "profile", for
// messages). A name with nothing cached must still be one awsenv
// knows.
func (r *Resolver) Forget(name string, all bool) (n int, noun string, err error) {
	store := r.b.Store
	if err := store.Check(); err != nil {
		return 0, "", err
	}
	for _, k := range store.Keys() {
		if !all && !k.Owns(name) {
			continue
		}
		ok, err := store.Delete(k)
		if err != nil {
			return n, "", err
		}
		if ok {
			n++
		}
	}
	if all {
		return n, "", nil
	}
	src, err := r.env.Lookup(name)
	switch {
	case err != nil && n == 0:
		return 0, "", err
	case err == nil && src.Scope == cache.ScopeProfile:
		return n, "profile", nil
	}
	return n, "account", nil
}
