package resolve

import (
	"context"
	"fmt"
	"time"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/creds"
	"github.com/awsenv/awsenv/internal/iamapi"
	"github.com/awsenv/awsenv/internal/keystore"
	"github.com/awsenv/awsenv/internal/rotate"
	"github.com/awsenv/awsenv/internal/setup"
)

// accountWithKeys is an accounts-file account with long-lived keys.
func (r *Resolver) accountWithKeys(name string) (*config.Account, error) {
	acc := r.env.Accounts.Get(name)
	if acc == nil {
		if _, err := r.env.Lookup(name); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("account %q has no entry in %s: the keyring location is kept there; run 'awsenv add %s --force'", name, r.env.Paths.Accounts, name)
	}
	if acc.WebIdentity != nil {
		return nil, fmt.Errorf("account %q logs in through its identity provider: it has no long-lived keys", name)
	}
	return acc, nil
}

// keyMove is the move of name's keys, checked against STS.
func (r *Resolver) keyMove(name string) keystore.Move {
	return keystore.Move{Dir: r.env.Paths.CredDir, Accounts: r.env.Paths.Accounts, Name: name,
		Options: r.b.storeOptions(r.env.Paths.CredDir), Warn: r.b.Warn,
		Check: func(ctx context.Context, k config.Keys) error {
			ep, err := r.env.AccountEndpoint("", "aws", r.b.Timeout)
			if err != nil {
				return err
			}
			_, err = creds.CallerIdentity(ctx, ep, creds.Static{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey})
			return err
		}}
}

// ImportKeys moves the key files of name into a keyring (keystore.Import)
// and says where they are now.
func (r *Resolver) ImportKeys(ctx context.Context, name, keyring string) (string, error) {
	acc, err := r.accountWithKeys(name)
	if err != nil {
		return "", err
	}
	if acc.KeyStore != "" {
		return "", fmt.Errorf("the keys of %q are already in a keyring (%s)", name, acc.KeyStore)
	}
	return keystore.Import(ctx, r.keyMove(name), keyring)
}

// ExportKeys moves the keys of name from its keyring back into key files
// (keystore.Export) and returns the access key file.
func (r *Resolver) ExportKeys(ctx context.Context, name string) (string, error) {
	acc, err := r.accountWithKeys(name)
	if err != nil {
		return "", err
	}
	if acc.KeyStore == "" {
		return "", fmt.Errorf("the keys of %q are key files already", name)
	}
	store, err := r.b.KeyStore(r.env.Paths.CredDir, acc)
	if err != nil {
		return "", err
	}
	return keystore.Export(ctx, r.keyMove(name), store)
}

// RotateKeys replaces the access key of name where it is stored
// (rotate.Run), signing with its cached MFA session when there is one (a
// policy may allow managing keys only with MFA), and drops the sessions
// made from the old key.
func (r *Resolver) RotateKeys(ctx context.Context, name string, progress func(string)) (*rotate.Result, error) {
	acc, err := r.accountWithKeys(name)
	if err != nil {
		return nil, err
	}
	dir := r.env.Paths.CredDir
	store, err := r.b.KeyStore(dir, acc)
	if err != nil {
		return nil, err
	}
	ep, err := r.env.AccountEndpoint(acc.Region, acc.Partition, r.b.Timeout)
	if err != nil {
		return nil, err
	}
	hc, err := ep.HTTPClient()
	if err != nil {
		return nil, err
	}
	iamEP, err := iamapi.ResolveEndpoint(acc.Partition, r.env.Getenv)
	if err != nil {
		return nil, err
	}
	opts := rotate.Options{Account: name, Store: store, IAM: iamapi.NewClient(iamEP, nil, hc), STS: ep, Progress: progress}
	cached := r.b.Store
	if e := cached.Get(cache.AccountSession(name)); e != nil && e.Valid(r.b.now(), time.Minute) {
		c := e.Credentials
		opts.Session = creds.Static{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	}
	return rotate.Run(ctx, opts, dir, func() { r.b.Say("Waiting for another awsenv rotating %s ...", name) }, func() {
		for _, k := range cached.Keys() {
			if k.Scope == cache.ScopeAccount && k.Owns(name) {
				cached.Delete(k)
			}
		}
	})
}

// NewAccount is an account awsenv add writes.
type NewAccount struct {
	Name string
	Keys config.Keys
	// AskKeys, when set, asks for Keys once the name is known to be free.
	AskKeys func() (config.Keys, error)
	Region  string // "" for none
	Force   bool   // replace an existing account
	Keyring string // where the keys go ("": $AWSENV_KEYRING, else key files)
}

// Added is what add did: what STS said the keys are, and where they are.
type Added struct {
	*setup.Result
	Where string // the keyring, or the credential directory
}

// AddAccount checks a's keys with STS and writes the account
// (setup.Add): its keys where a.Keyring says, its accounts-file entry.
func (r *Resolver) AddAccount(ctx context.Context, a NewAccount) (*Added, error) {
	ep, err := r.env.AccountEndpoint(a.Region, "aws", r.b.Timeout)
	if err != nil {
		return nil, err
	}
	req := setup.Request{Name: a.Name, Keys: a.Keys, AskKeys: a.AskKeys, Region: a.Region, Force: a.Force,
		Paths: r.env.Paths, Accounts: r.env.Accounts, Endpoint: ep}
	sopts := r.b.storeOptions(r.env.Paths.CredDir)
	loc, err := keystore.ForNew(a.Keyring, sopts)
	if err != nil {
		return nil, err
	}
	where := r.env.Paths.CredDir
	if loc != keystore.Files {
		if req.Store, err = keystore.New(loc, sopts); err != nil {
			return nil, err
		}
		where = req.Store.Where()
	}
	res, err := setup.Add(ctx, req)
	if err != nil {
		return nil, err
	}
	return &Added{Result: res, Where: where}, nil
}
