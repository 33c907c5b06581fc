package config

import (
	"errors"
	"os"
	"path/filepath"
)

// LegacyAccountsFile is where the old bash helpers kept the accounts file.
const LegacyAccountsFile = "/etc/default/aws-sts-helpers/accounts.json"

// legacyAccounts is LegacyAccountsFile; tests point it elsewhere.
var legacyAccounts = LegacyAccountsFile

// Paths are the locations awsenv reads and writes.
type Paths struct {
	CredDir  string // key files
	Accounts string // accounts file ("" when none exists)
	// AccountsExplicit is true when the accounts file was named by flag or
	// environment, so a missing file is an error rather than "no accounts".
	AccountsExplicit bool
	CacheDir         string
}

// Resolve works out the paths from flags (empty when not given) and the
// environment, in the order SPEC.md gives: flag, environment, home, legacy.
func Resolve(dirFlag, configFlag string, getenv func(string) string) (Paths, error) {
	var p Paths
	home := getenv("HOME")
	switch {
	case dirFlag != "":
		p.CredDir = dirFlag
	case getenv("AWSENV_DIR") != "":
		p.CredDir = getenv("AWSENV_DIR")
	default:
		if home == "" {
			h, err := os.UserHomeDir()
			if err != nil {
				return p, errors.New("cannot find the home directory: set HOME or AWSENV_DIR")
			}
			home = h
		}
		p.CredDir = filepath.Join(home, "aws-creds")
	}
	switch {
	case configFlag != "":
		p.Accounts, p.AccountsExplicit = configFlag, true
	case getenv("AWSENV_CONFIG") != "":
		p.Accounts, p.AccountsExplicit = getenv("AWSENV_CONFIG"), true
	default:
		p.Accounts = filepath.Join(p.CredDir, "accounts.json")
		if _, err := os.Stat(p.Accounts); err != nil {
			if _, err := os.Stat(legacyAccounts); err == nil {
				p.Accounts = legacyAccounts
			}
		}
	}
	if d := getenv("AWSENV_CACHE_DIR"); d != "" {
		p.CacheDir = d
	} else {
		p.CacheDir = filepath.Join(p.CredDir, ".cache")
	}
	return p, nil
}
