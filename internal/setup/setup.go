// Package setup sets up an account for a newcomer (awsenv add): it checks
// an IAM user's keys with STS, then writes the key files and the
// accounts-file entry, so that nothing is written for keys STS refuses.
package setup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/creds"
	"github.com/awsenv/awsenv/internal/keystore"
)

// Request is what add is asked to do.
type Request struct {
	Name string
	Keys config.Keys
	// AskKeys, when set, gets Keys once the name is known to be free, so
	// that nobody types a secret for an add that would be refused.
	AskKeys  func() (config.Keys, error)
	Region   string // the account's region, "" for none
	Force    bool   // replace an existing account
	Paths    config.Paths
	Accounts *config.Accounts
	Endpoint creds.Endpoint
	// Store, when set, keeps the keys instead of key files (a keyring).
	Store keystore.Store
}

// Result is what STS said the keys are.
type Result struct {
	AccountID, User, Partition string
	AccountsFile               string
}

// Add checks req.Keys with GetCallerIdentity, then writes the account.
func Add(ctx context.Context, req Request) (*Result, error) {
	name, dir := req.Name, req.Paths.CredDir
	if err := config.CheckName(name); err != nil {
		return nil, err
	}
	path := req.Paths.Accounts
	if path == config.LegacyAccountsFile && !req.Paths.AccountsExplicit {
		return nil, fmt.Errorf("the accounts file in use is the old helpers' %s: copy it to %s/accounts.json (or pass --config), then run add again", path, dir)
	}
	if !req.Force {
		switch {
		case req.Accounts.Get(name) != nil:
			return nil, fmt.Errorf("account %q is already in %s: use --force to replace it", name, path)
		case config.HasKeys(dir, name):
			return nil, fmt.Errorf("account %q already has key files in %s: use --force to replace them", name, dir)
		}
	}
	if req.AskKeys != nil {
		keys, err := req.AskKeys()
		if err != nil {
			return nil, err
		}
		req.Keys = keys
	}
	if err := config.CheckKeys(req.Keys); err != nil {
		return nil, err
	}
	id, err := creds.CallerIdentity(ctx, req.Endpoint, creds.Static{AccessKeyID: req.Keys.AccessKeyID, SecretAccessKey: req.Keys.SecretAccessKey})
	if err != nil {
		return nil, err
	}
	res, err := userOf(id.ARN)
	if err != nil {
		return nil, err
	}
	res.AccountsFile = path
	// Keep what --force replaces, to put it back if the entry cannot be written.
	backup := map[string][]byte{}
	ak, sk := config.KeyFiles(dir, name)
	for _, p := range []string{ak, sk, dir + string(os.PathSeparator) + name + ".user"} {
		if data, err := os.ReadFile(p); err == nil {
			backup[p] = data
		}
	}
	entry := config.AccountEntry{ARN: "arn:" + res.Partition + ":iam::" + res.AccountID + ":", Region: req.Region}
	if req.Store != nil {
		// The keys go into the keyring; only the user name is a file.
		if err := req.Store.Set(name, req.Keys); err != nil {
			return nil, err
		}
		if err := config.WriteUser(dir, name, res.User); err != nil {
			req.Store.Delete(name)
			return nil, err
		}
		entry.Keys = req.Store.Setting()
		if err := config.SetAccount(ctx, path, name, entry, req.Force); err != nil {
			req.Store.Delete(name)
			return nil, err
		}
		return res, nil
	}
	if err := config.WriteKeys(dir, name, req.Keys, res.User); err != nil {
		return nil, err
	}
	if err := config.SetAccount(ctx, path, name, entry, req.Force); err != nil {
		for _, p := range []string{ak, sk, dir + string(os.PathSeparator) + name + ".user"} {
			if data, ok := backup[p]; ok {
				os.WriteFile(p, data, 0o600)
			} else {
				os.Remove(p)
			}
		}
		return nil, err
	}
	return res, nil
}

// userOf reads the IAM user out of GetCallerIdentity's ARN,
// arn:PARTITION:iam::ACCOUNT:user/PATH/NAME.
func userOf(arn string) (*Result, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return nil, fmt.Errorf("sts answered with the ARN %q, which awsenv cannot read", arn)
	}
	res := &Result{Partition: parts[1], AccountID: parts[4]}
	switch resource := parts[5]; {
	case resource == "root":
		return nil, errors.New("these are the account root user's keys: create an IAM user, and add its keys instead")
	case strings.HasPrefix(resource, "user/"):
		res.User = resource[strings.LastIndexByte(resource, '/')+1:]
	default:
		return nil, fmt.Errorf("these keys are not an IAM user's (they are %s): add an IAM user's long-lived access key", arn)
	}
	return res, nil
}
