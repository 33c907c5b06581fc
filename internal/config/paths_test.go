package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	home := t.TempDir()
	_, legacyErr := os.Stat(LegacyAccountsFile)
	legacyExists := legacyErr == nil

	tests := []struct {
		name                string
		dirFlag, configFlag string
		env                 map[string]string
		want                Paths
	}{
		{
			name: "defaults from HOME",
			env:  map[string]string{"HOME": home},
			want: Paths{CredDir: filepath.Join(home, "aws-creds"), Accounts: filepath.Join(home, "aws-creds", "accounts.json"), CacheDir: filepath.Join(home, "aws-creds", ".cache")},
		},
		{
			name: "AWSENV_DIR beats HOME",
			env:  map[string]string{"HOME": home, "AWSENV_DIR": "/srv/creds"},
			want: Paths{CredDir: "/srv/creds", Accounts: "/srv/creds/accounts.json", CacheDir: "/srv/creds/.cache"},
		},
		{
			name:    "dir flag beats AWSENV_DIR",
			dirFlag: "/flag/creds",
			env:     map[string]string{"HOME": home, "AWSENV_DIR": "/srv/creds"},
			want:    Paths{CredDir: "/flag/creds", Accounts: "/flag/creds/accounts.json", CacheDir: "/flag/creds/.cache"},
		},
		{
			name: "AWSENV_CONFIG beats DIR/accounts.json",
			env:  map[string]string{"HOME": home, "AWSENV_DIR": "/srv/creds", "AWSENV_CONFIG": "/etc/awsenv.json"},
			want: Paths{CredDir: "/srv/creds", Accounts: "/etc/awsenv.json", AccountsExplicit: true, CacheDir: "/srv/creds/.cache"},
		},
		{
			name:       "config flag beats AWSENV_CONFIG",
			configFlag: "/flag/accounts.json",
			env:        map[string]string{"HOME": home, "AWSENV_CONFIG": "/etc/awsenv.json"},
			want:       Paths{CredDir: filepath.Join(home, "aws-creds"), Accounts: "/flag/accounts.json", AccountsExplicit: true, CacheDir: filepath.Join(home, "aws-creds", ".cache")},
		},
		{
			name: "AWSENV_CACHE_DIR",
			env:  map[string]string{"HOME": home, "AWSENV_DIR": "/srv/creds", "AWSENV_CACHE_DIR": "/run/user/1000/awsenv"},
			want: Paths{CredDir: "/srv/creds", Accounts: "/srv/creds/accounts.json", CacheDir: "/run/user/1000/awsenv"},
		},
		{
			name:       "everything given",
			dirFlag:    "/d",
			configFlag: "/c.json",
			env:        map[string]string{"HOME": home, "AWSENV_DIR": "/e", "AWSENV_CONFIG": "/e.json", "AWSENV_CACHE_DIR": "/cache"},
			want:       Paths{CredDir: "/d", Accounts: "/c.json", AccountsExplicit: true, CacheDir: "/cache"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			// Without a file at DIR/accounts.json, Resolve falls back to the
			// legacy location when this machine happens to have it.
			if !want.AccountsExplicit && legacyExists {
				if _, err := os.Stat(want.Accounts); err != nil {
					want.Accounts = LegacyAccountsFile
				}
			}
			got, err := Resolve(tt.dirFlag, tt.configFlag, func(k string) string { return tt.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("Resolve =\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

func TestResolveExistingAccountsFile(t *testing.T) {
	dir := t.TempDir()
	accounts := filepath.Join(dir, "accounts.json")
	if err := os.WriteFile(accounts, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Resolve(dir, "", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if got.Accounts != accounts || got.AccountsExplicit {
		t.Errorf("Accounts = %q (explicit %v), want %q", got.Accounts, got.AccountsExplicit, accounts)
	}
}

// TestResolveHomeFallback: without HOME from getenv, the process's home
// directory is used; without any, Resolve says what to set.
func TestResolveHomeFallback(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	got, err := Resolve("", "", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(home, "aws-creds"); got.CredDir != want {
		t.Errorf("CredDir = %q, want %q", got.CredDir, want)
	}

	t.Setenv("HOME", "")
	_, err = Resolve("", "", func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "AWSENV_DIR") {
		t.Errorf("without a home directory: %v, want an error naming AWSENV_DIR", err)
	}
	// AWSENV_DIR needs no home directory.
	if got, err := Resolve("", "", func(k string) string { return map[string]string{"AWSENV_DIR": "/x"}[k] }); err != nil || got.CredDir != "/x" {
		t.Errorf("AWSENV_DIR without home: %+v, %v", got, err)
	}
}

// The old helpers' accounts file is used when the credential directory has
// none, and only then.
func TestResolveLegacyAccountsFile(t *testing.T) {
	dir := t.TempDir()
	legacy := filepath.Join(dir, "legacy-accounts.json")
	old := legacyAccounts
	legacyAccounts = legacy
	t.Cleanup(func() { legacyAccounts = old })
	getenv := func(k string) string { return map[string]string{"AWSENV_DIR": dir}[k] }

	if p, _ := Resolve("", "", getenv); p.Accounts != filepath.Join(dir, "accounts.json") {
		t.Errorf("no legacy file: %s", p.Accounts)
	}
	os.WriteFile(legacy, []byte("{}"), 0o644)
	p, _ := Resolve("", "", getenv)
	if p.Accounts != legacy || p.AccountsExplicit {
		t.Errorf("legacy file not used: %+v", p)
	}
	os.WriteFile(filepath.Join(dir, "accounts.json"), []byte("{}"), 0o600)
	if p, _ := Resolve("", "", getenv); p.Accounts != filepath.Join(dir, "accounts.json") {
		t.Errorf("legacy file beat the credential directory's: %s", p.Accounts)
	}
}
