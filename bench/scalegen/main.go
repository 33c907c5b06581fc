// Command scalegen writes the organisation-scale setups of bench/scale.sh:
// an accounts file of N accounts (each with key files), a ~/.aws/config and
// ~/.aws/credentials of N profiles, and a cache of M entries, among them a
// valid MFA session of the account "work" and valid role credentials of the
// profile "role-work", so that switching to either is a cache hit.
//
//	usage: scalegen DIR ACCOUNTS PROFILES CACHE-ENTRIES
//
// DIR gets creds/ (AWSENV_DIR, with .cache/) and home/ (HOME, with .aws/).
package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/resolve"
)

func main() {
	if len(os.Args) != 5 {
		fail(fmt.Errorf("usage: scalegen DIR ACCOUNTS PROFILES CACHE-ENTRIES"))
	}
	dir := os.Args[1]
	nAcc, err1 := strconv.Atoi(os.Args[2])
	nProf, err2 := strconv.Atoi(os.Args[3])
	nCache, err3 := strconv.Atoi(os.Args[4])
	if err1 != nil || err2 != nil || err3 != nil || nAcc < 1 || nProf < 2 {
		fail(fmt.Errorf("ACCOUNTS >= 1, PROFILES >= 2 and CACHE-ENTRIES must be numbers"))
	}
	creds, home := filepath.Join(dir, "creds"), filepath.Join(dir, "home")
	for _, d := range []string{creds, filepath.Join(creds, ".cache"), filepath.Join(home, ".aws")} {
		must(os.MkdirAll(d, 0o700))
	}
	accounts := accountNames(nAcc)
	writeAccounts(creds, accounts)
	profiles := profileNames(nProf)
	writeProfiles(home, profiles)

	getenv := func(k string) string {
		switch k {
		case "AWSENV_DIR":
			return creds
		case "HOME":
			return home
		case "USER":
			return "bench"
		}
		return ""
	}
	res, err := resolve.New(resolve.Options{Getenv: getenv})
	must(err)
	store := &cache.Store{Dir: res.Paths().CacheDir}
	exp := time.Now().Add(6 * time.Hour).UTC().Truncate(time.Second)
	token := strings.Repeat("T", 600)
	put := func(key cache.Key, e cache.Entry) {
		e.Created = time.Now().UTC().Truncate(time.Second)
		e.Credentials = cache.Credentials{AccessKeyID: "ASIAIOSFODNN7EXAMPLE",
			SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", SessionToken: token, Expiration: exp}
		must(store.Put(key, &e))
	}
	// The entries of a cache hit are whatever the planner looks for.
	written := 0
	for _, name := range []string{"work", "role-work"} {
		p, err := res.Plan(name, resolve.Request{Purpose: resolve.Switch})
		must(err)
		st := p.Last()
		put(st.Key, cache.Entry{Account: name, Kind: "session", Source: st.EntrySource, Config: st.Fingerprint})
		written++
	}
	// The rest: MFA sessions of accounts and role credentials of profiles.
	for i := 0; written < nCache; i++ {
		if i%2 == 0 && i/2 < len(accounts) {
			put(cache.AccountSession(accounts[i/2]), cache.Entry{Account: accounts[i/2], Kind: "session", Source: "keys"})
		} else {
			// Roles assumed on top of a profile: as many as wanted, whatever
			// the number of profiles.
			n := profiles[(i/2)%len(profiles)]
			role := fmt.Sprintf("arn:aws:iam::012123456789:role/r%d", i)
			put(cache.Key{Scope: cache.ScopeProfile, Name: n, Kind: cache.KindRole, Role: role, Sess: "bench"},
				cache.Entry{Account: n, Kind: "role", Role: role, Config: "x"})
		}
		written++
	}
}

// accountNames are "work" and acct00001, acct00002, ...; work sits in
// the middle of the file, where a linear search is as slow as average.
func accountNames(n int) []string {
	names := make([]string, 0, n)
	for i := 1; i < n; i++ {
		names = append(names, fmt.Sprintf("acct%05d", i))
	}
	mid := len(names) / 2
	return append(names[:mid], append([]string{"work"}, names[mid:]...)...)
}

// writeAccounts writes the accounts file, the two forms of entries
// alternating, and key files for every account.
func writeAccounts(creds string, names []string) {
	var b strings.Builder
	b.WriteString("{\n")
	for i, n := range names {
		if i > 0 {
			b.WriteString(",\n")
		}
		switch {
		case n == "work":
			fmt.Fprintf(&b, `  %q: {"arn": "arn:aws:iam::012123456789:", "region": "eu-west-1", "session_duration": "8h"}`, n)
		case i%2 == 0:
			fmt.Fprintf(&b, `  %q: "arn:aws:iam::%012d:"`, n, i)
		default:
			fmt.Fprintf(&b, `  %q: {"arn": "arn:aws:iam::%012d:", "region": "eu-west-1", "session_duration": "8h", "roles": {"admin": "arn:aws:iam::%012d:role/admin", "read": "arn:aws:iam::%012d:role/read"}}`, n, i, i, i)
		}
	}
	b.WriteString("\n}\n")
	must(os.WriteFile(filepath.Join(creds, "accounts.json"), []byte(b.String()), 0o600))
	for _, n := range names {
		must(os.WriteFile(filepath.Join(creds, n+".access_key"), []byte("AKIAIOSFODNN7EXAMPLE\n"), 0o600))
		must(os.WriteFile(filepath.Join(creds, n+".secret_key"), []byte("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"), 0o600))
	}
}

// profileNames are "base" (keys), "role-work" and then generated names.
func profileNames(n int) []string {
	names := []string{"base", "role-work"}
	for i := 2; i < n; i++ {
		names = append(names, fmt.Sprintf("prof%05d", i))
	}
	return names
}

// writeProfiles writes ~/.aws/config with role, IAM Identity Center and
// region-only profiles, role-work in the middle, and ~/.aws/credentials
// with the keys of base.
func writeProfiles(home string, names []string) {
	f, err := os.Create(filepath.Join(home, ".aws", "config"))
	must(err)
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "[default]\nregion = eu-west-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n\n")
	rest := names[2:]
	mid := len(rest) / 2
	order := append(append(append([]string{"base"}, rest[:mid]...), "role-work"), rest[mid:]...)
	for i, n := range order {
		switch {
		case n == "base":
			fmt.Fprintf(w, "[profile base]\nregion = eu-west-1\n\n")
		case n == "role-work":
			fmt.Fprintf(w, "[profile role-work]\nrole_arn = arn:aws:iam::012123456789:role/admin\nsource_profile = base\nregion = eu-west-1\n\n")
		case i%3 == 0:
			fmt.Fprintf(w, "[profile %s]\nrole_arn = arn:aws:iam::%012d:role/admin\nsource_profile = base\nregion = eu-west-1\n\n", n, i)
		case i%3 == 1:
			fmt.Fprintf(w, "[profile %s]\nsso_session = corp\nsso_account_id = %012d\nsso_role_name = ReadOnly\nregion = eu-west-1\n\n", n, i)
		default:
			fmt.Fprintf(w, "[profile %s]\nregion = us-east-1\noutput = json\n\n", n)
		}
	}
	must(w.Flush())
	must(f.Close())
	must(os.WriteFile(filepath.Join(home, ".aws", "credentials"),
		[]byte("[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPL3\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE3\n"), 0o600))
}

func must(err error) {
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "scalegen:", err)
	os.Exit(1)
}
