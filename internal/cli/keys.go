package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/creds"
	"github.com/awsenv/awsenv/internal/fsutil"
	"github.com/awsenv/awsenv/internal/iamapi"
	"github.com/awsenv/awsenv/internal/keystore"
	"github.com/awsenv/awsenv/internal/prompt"
	"github.com/awsenv/awsenv/internal/resolve"
	"github.com/awsenv/awsenv/internal/rotate"
)

func keyringFlag() cli.Flag {
	return &cli.StringFlag{Name: "keyring", Usage: "keep the keys in a keyring: secret-service, pass, keyctl, file (encrypted), keychain, wincred or auto (default: $AWSENV_KEYRING, else the key files)"}
}

// keyOptions are the command line of keys import|export and rotate.
type keyOptions struct {
	common
	Name, Keyring string
}

func keysCommand(io *IO) *cli.Command {
	parse := func(c *cli.Context) (keyOptions, error) {
		if c.NArg() != 1 {
			return keyOptions{}, usagef("keys %s needs one account NAME", c.Command.Name)
		}
		o, err := commonFrom(c, io)
		return keyOptions{common: o, Name: c.Args().First(), Keyring: str(c, "keyring")}, err
	}
	return &cli.Command{
		Name:  "keys",
		Usage: "move an account's long-lived keys between the key files and a keyring",
		Subcommands: []*cli.Command{{
			Name:      "import",
			Usage:     "move the key files of NAME into a keyring, and remove them once the stored copy works",
			ArgsUsage: "NAME",
			Flags:     []cli.Flag{keyringFlag(), timeoutFlag(), dirFlag(), configFlag()},
			Action: func(c *cli.Context) error {
				o, err := parse(c)
				if err != nil {
					return err
				}
				return runKeysImport(c.Context, newRun(io), o)
			},
		}, {
			Name:      "export",
			Usage:     "move the keys of NAME from its keyring back into key files",
			ArgsUsage: "NAME",
			Flags:     []cli.Flag{timeoutFlag(), dirFlag(), configFlag()},
			Action: func(c *cli.Context) error {
				o, err := parse(c)
				if err != nil {
					return err
				}
				return runKeysExport(c.Context, newRun(io), o)
			},
		}},
	}
}

func rotateCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:      "rotate",
		Usage:     "replace an account's access key with a new one, where it is stored, and delete the old one",
		ArgsUsage: "NAME",
		Description: "Creates a new access key (signed with the cached MFA session when there is one), waits until\n" +
			"it works, stores it where the old one was, deletes the old one and drops the sessions made\n" +
			"from it. A failure at any step leaves one working key stored and says what to do.",
		Flags: []cli.Flag{timeoutFlag(), dirFlag(), configFlag()},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("rotate needs one account NAME")
			}
			o, err := commonFrom(c, io)
			if err != nil {
				return err
			}
			return runRotate(c.Context, newRun(io), keyOptions{common: o, Name: c.Args().First()})
		},
	}
}

// keyAccount is the resolver of the run and the accounts-file account
// with long-lived keys the command is about.
func (r *run) keyAccount(o keyOptions) (*resolve.Resolver, *config.Account, error) {
	res, err := r.resolver(o.common)
	if err != nil {
		return nil, nil, err
	}
	acc, err := accountWithKeys(res, o.Name)
	return res, acc, err
}

// accountWithKeys is an accounts-file account with long-lived keys.
func accountWithKeys(res *resolve.Resolver, name string) (*config.Account, error) {
	acc := res.Env.Accounts.Get(name)
	if acc == nil {
		if _, err := res.Env.Lookup(name); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("account %q has no entry in %s: the keyring location is kept there; run 'awsenv add %s --force'", name, res.Env.Paths.Accounts, name)
	}
	if acc.WebIdentity != nil {
		return nil, fmt.Errorf("account %q logs in through its identity provider: it has no long-lived keys", name)
	}
	return acc, nil
}

func (r *run) storeOptions(dir string) keystore.Options {
	return keystore.Options{CredDir: dir, Getenv: r.io.Getenv, Warn: r.warn,
		Password: func(q string) (string, error) { return prompt.Ask(nil, q, true) }}
}

// checkKeys asks STS whether keys work.
func checkKeys(ctx context.Context, res *resolve.Resolver, o common, keys config.Keys) error {
	ep, err := res.Env.AccountEndpoint("", "aws", o.Timeout)
	if err != nil {
		return err
	}
	_, err = creds.CallerIdentity(ctx, ep, creds.Static{AccessKeyID: keys.AccessKeyID, SecretAccessKey: keys.SecretAccessKey})
	return err
}

func runKeysImport(ctx context.Context, r *run, o keyOptions) error {
	res, acc, err := r.keyAccount(o)
	if err != nil {
		return err
	}
	if acc.KeyStore != "" {
		return fmt.Errorf("the keys of %q are already in a keyring (%s)", o.Name, acc.KeyStore)
	}
	dir := res.Env.Paths.CredDir
	keys, err := config.LoadKeys(dir, o.Name, r.warn)
	if err != nil {
		return err
	}
	opts := r.storeOptions(dir)
	loc, err := keystore.ForNew(firstNonEmpty(o.Keyring, "auto"), opts)
	if err != nil {
		return err
	}
	if loc == keystore.Files {
		return usagef("keys import moves the key files into a keyring: name one with --keyring")
	}
	store, err := keystore.New(loc, opts)
	if err != nil {
		return err
	}
	if err := store.Set(o.Name, keys); err != nil {
		return err
	}
	// The files go only once the stored copy is read back and works.
	stored, err := store.Get(o.Name)
	if err == nil && stored != keys {
		err = fmt.Errorf("the keyring gave back other keys than were stored")
	}
	if err == nil {
		err = checkKeys(ctx, res, o.common, stored)
	}
	if err == nil {
		err = config.SetAccountKeys(ctx, res.Env.Paths.Accounts, o.Name, store.Setting())
	}
	if err != nil {
		store.Delete(o.Name)
		return fmt.Errorf("the key files of %s are kept: %w", o.Name, err)
	}
	ak, sk := config.KeyFiles(dir, o.Name)
	os.Remove(ak)
	os.Remove(sk)
	r.say("Moved the keys of %s into %s; the key files are removed", o.Name, store.Where())
	return nil
}

func runKeysExport(ctx context.Context, r *run, o keyOptions) error {
	res, acc, err := r.keyAccount(o)
	if err != nil {
		return err
	}
	if acc.KeyStore == "" {
		return fmt.Errorf("the keys of %q are key files already", o.Name)
	}
	dir := res.Env.Paths.CredDir
	store, err := res.Builder.KeyStore(dir, acc)
	if err != nil {
		return err
	}
	keys, err := store.Get(o.Name)
	if err != nil {
		return err
	}
	if err := config.WriteKeys(dir, o.Name, keys, ""); err != nil {
		return err
	}
	if err := config.SetAccountKeys(ctx, res.Env.Paths.Accounts, o.Name, "files"); err != nil {
		return err
	}
	if err := store.Delete(o.Name); err != nil {
		r.warn("warning: the keys are in key files now, but could not be removed from " + store.Where() + ": " + err.Error())
	}
	ak, _ := config.KeyFiles(dir, o.Name)
	r.say("Moved the keys of %s into key files (%s and its .secret_key)", o.Name, ak)
	return nil
}

func runRotate(ctx context.Context, r *run, o keyOptions) error {
	res, acc, err := r.keyAccount(o)
	if err != nil {
		return err
	}
	dir := res.Env.Paths.CredDir
	store, err := res.Builder.KeyStore(dir, acc)
	if err != nil {
		return err
	}
	ep, err := res.Env.AccountEndpoint(acc.Region, acc.Partition, o.Timeout)
	if err != nil {
		return err
	}
	hc, err := ep.HTTPClient()
	if err != nil {
		return err
	}
	iamEP, err := iamapi.ResolveEndpoint(acc.Partition, r.io.Getenv)
	if err != nil {
		return err
	}
	// One rotation at a time per account.
	lctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	unlock, err := fsutil.Lock(lctx, dir+string(os.PathSeparator)+"."+o.Name+".rotate.lock", func() { r.say("Waiting for another awsenv rotating %s ...", o.Name) })
	if err != nil {
		return err
	}
	defer unlock()
	cacheStore := res.Builder.Store
	opts := rotate.Options{Account: o.Name, Store: store, IAM: iamEP.Client(nil, hc), STS: ep,
		Progress: func(s string) { r.say("%s", s) }}
	// A policy may allow managing keys only with MFA: the cached session
	// signs then.
	if e := cacheStore.Get(cache.AccountSession(o.Name)); e != nil && e.Valid(r.now(), time.Minute) {
		c := e.Credentials
		opts.Session = creds.Static{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	}
	out, err := rotate.Rotate(ctx, opts)
	if err != nil {
		return err
	}
	// Sessions made from the old key go with it.
	for _, k := range cacheStore.Keys() {
		if k.Scope == cache.ScopeAccount && k.Owns(o.Name) {
			cacheStore.Delete(k)
		}
	}
	r.say("Rotated the access key of %s: %s replaces %s (deleted), stored in %s; its cached sessions are dropped", o.Name, out.NewKeyID, out.OldKeyID, out.Where)
	return nil
}
