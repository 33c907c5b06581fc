package index

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/index/indextest"
)

// loaded is what a run loads through the index x: the accounts file and
// the profiles of the home getenv describes.
type loaded struct {
	x        *Index
	paths    config.Paths
	cfg      string
	cred     string
	accounts *config.Accounts
	profiles *config.Profiles
}

// load is a run's Accounts then Profiles, through an index that trusts
// files unchanged for settle.
func load(t *testing.T, getenv func(string) string, settle time.Duration) *loaded {
	t.Helper()
	p, err := config.Resolve("", "", getenv)
	must(t, err)
	l := &loaded{x: New(p.CacheDir, settle), paths: p}
	l.accounts, err = l.x.Accounts(p.Accounts, !p.AccountsExplicit)
	must(t, err)
	l.cfg, l.cred = config.ProfileFiles(getenv)
	l.profiles, err = l.x.Profiles(l.cfg, l.cred)
	must(t, err)
	return l
}

// region is the region configured for the account or profile name: what
// a switch to it would use.
func (l *loaded) region(t *testing.T, name string) string {
	t.Helper()
	if acc := l.accounts.Get(name); acc != nil {
		return acc.Region
	}
	p := l.profiles.Get(name)
	if p == nil {
		t.Fatalf("no account or profile %q", name)
	}
	return p.Region
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// An edit right after a switch, in the same second and at the same size
// (in place, even with the old mtime put back), is seen by the next switch:
// whether the first switch wrote an index (files older than settle) or
// not (files just written).
func TestIndexSeesSameSecondEdit(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("no index on " + runtime.GOOS)
	}
	for _, tc := range []struct {
		name   string
		settle time.Duration
		// indexed: the first switch writes an index, which the second
		// must not trust
		indexed bool
	}{
		{"files just written: no index", time.Hour, false}, // however slow the machine
		{"settled files: an index", 30 * time.Millisecond, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			getenv := indextest.Home(t, indextest.Accounts(300, "eu-west-1"), indextest.Config(300, "eu-west-1"))
			if tc.indexed {
				time.Sleep(2 * tc.settle)
			}
			l := load(t, getenv, tc.settle)
			accountsFile := l.paths.Accounts
			for _, name := range []string{"work", "dev"} {
				if got := l.region(t, name); got != "eu-west-1" {
					t.Fatalf("%s: region %q", name, got)
				}
			}
			ixAccounts := l.x.path("accounts", accountsFile)
			ixProfiles := l.x.path("profiles", l.cfg, l.cred)
			for _, ix := range []string{ixAccounts, ixProfiles} {
				if _, err := os.Stat(ix); (err == nil) != tc.indexed {
					t.Fatalf("index %s: %v", ix, err)
				}
			}
			if tc.indexed {
				// The second switch reads through the index.
				if got := load(t, getenv, tc.settle).region(t, "work"); got != "eu-west-1" {
					t.Fatalf("work through the index: region %q", got)
				}
				if !l.x.Current("accounts", accountsFile) {
					t.Fatal("the index of the accounts file is not current")
				}
			}
			indextest.RewriteInPlace(t, accountsFile, indextest.Accounts(300, "eu-west-2"))
			indextest.RewriteInPlace(t, l.cfg, indextest.Config(300, "eu-west-2"))
			for _, settle := range []time.Duration{tc.settle, Settle} {
				l := load(t, getenv, settle)
				for _, name := range []string{"work", "dev"} {
					if got := l.region(t, name); got != "eu-west-2" {
						t.Errorf("%s after the edit: region %q, want eu-west-2", name, got)
					}
				}
				// And list sees it.
				if got := l.rowRegion(t, "work", "dev"); got != "eu-west-2 eu-west-2" {
					t.Errorf("list after the edit: regions %q, want eu-west-2 for both", got)
				}
			}
		})
	}
}

// rowRegion is the region list shows for the account and for the profile.
func (l *loaded) rowRegion(t *testing.T, account, profile string) string {
	t.Helper()
	rows, err := l.accounts.Rows()
	must(t, err)
	var out []string
	for _, r := range rows {
		if r.Name == account {
			out = append(out, r.Region)
		}
	}
	for _, r := range l.profiles.Rows() {
		if r.Name == profile {
			out = append(out, r.Region)
		}
	}
	return strings.Join(out, " ")
}

// The rows an index records are a full parse's: list reads them without
// reading the files.
func TestIndexRowsRecorded(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("no index on " + runtime.GOOS)
	}
	const settle = 10 * time.Millisecond
	getenv := indextest.Home(t, indextest.Accounts(300, "eu-west-1"), indextest.Config(300, "eu-west-1"))
	time.Sleep(30 * time.Millisecond)
	load(t, getenv, settle) // writes the indexes
	l := load(t, getenv, settle)
	full, err := config.LoadAccounts(l.paths.Accounts, false)
	must(t, err)
	fullRows, err := full.Rows()
	must(t, err)
	k, _ := statPath(l.paths.Accounts)
	ix, ok := l.x.open(l.x.path("accounts", l.paths.Accounts), []string{l.paths.Accounts}, []fileKey{k})
	if !ok {
		t.Fatal("the accounts file is not indexed")
	}
	indexed, err := accountIndex{ix}.Rows()
	ix.f.Close()
	must(t, err)
	if len(fullRows) != 302 {
		t.Fatalf("%d account rows", len(fullRows))
	}
	indextest.SameRows(t, "account rows in the index", indexed, fullRows)
	fullPS, err := config.LoadProfiles(l.cfg, l.cred)
	must(t, err)
	want := config.ProfileRows(fullPS)
	if len(want) != 302 {
		t.Fatalf("%d profile rows", len(want))
	}
	indextest.SameRows(t, "profile rows through the index", l.profiles.Rows(), want)
	gotRows, err := l.accounts.Rows()
	must(t, err)
	indextest.SameRows(t, "account rows through the index", gotRows, fullRows)
}

// A broken entry fails the load as it always has, index or not; no index
// is written for a file that does not parse.
func TestIndexBrokenEntry(t *testing.T) {
	getenv := indextest.Home(t, strings.Replace(indextest.Accounts(300, "eu-west-1"), `"region": "eu-west-1"`, `"region": "EU"`, 1), "")
	p, err := config.Resolve("", "", getenv)
	must(t, err)
	for range 2 {
		if _, err := New(p.CacheDir, 0).Accounts(p.Accounts, !p.AccountsExplicit); err == nil || !strings.Contains(err.Error(), `account "work": region "EU"`) {
			t.Fatalf("error %v", err)
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(p.CacheDir, ".index")); len(ents) != 0 {
		t.Errorf("an index of a broken file: %v", ents)
	}
}

// An index that is not ours, or not an index, is not read.
func TestIndexUntrusted(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("no index on " + runtime.GOOS)
	}
	const settle = 10 * time.Millisecond
	getenv := indextest.Home(t, indextest.Accounts(300, "eu-west-1"), "")
	time.Sleep(30 * time.Millisecond)
	p, err := config.Resolve("", "", getenv)
	must(t, err)
	x := New(p.CacheDir, settle)
	_, err = x.Accounts(p.Accounts, !p.AccountsExplicit)
	must(t, err)
	path := x.path("accounts", p.Accounts)
	open := func() bool { return x.Current("accounts", p.Accounts) }
	if !open() {
		t.Fatal("no index")
	}
	must(t, os.Chmod(path, 0o666))
	if open() {
		t.Error("a world-writable index was read")
	}
	must(t, os.Chmod(path, 0o600))
	data, err := os.ReadFile(path)
	must(t, err)
	for _, n := range []int{0, 7, 20, len(data) / 2} {
		must(t, os.WriteFile(path, data[:n], 0o600))
		if open() {
			t.Errorf("an index cut at %d was read", n)
		}
		if load(t, getenv, settle).region(t, "work") != "eu-west-1" {
			t.Error("a cut index broke the lookup")
		}
	}
}

// The index format round-trips.
func TestIndexFormat(t *testing.T) {
	dir := t.TempDir()
	x := New(dir, Settle)
	path := filepath.Join(dir, ".index", "ix")
	must(t, os.Mkdir(filepath.Dir(path), 0o700))
	keys := []fileKey{{Exists: true, Dev: 1, Ino: 2, Size: 3, Mtime: 4, Ctime: 5, Mode: 6}, {}}
	records := map[string][]byte{"": nil}
	var names []string
	for i := range 1000 {
		records[fmt.Sprint("k", i)] = []byte(fmt.Sprint("value ", i))
		names = append(names, fmt.Sprint("name", i))
	}
	must(t, os.WriteFile(path, encodeIndex([]string{"/a", ""}, keys, names, records), 0o600))
	ix, ok := x.open(path, []string{"/a", ""}, keys)
	if !ok {
		t.Fatal("not opened")
	}
	defer ix.f.Close()
	for k, v := range records {
		if got, ok, err := ix.get(k); !ok || err != nil || string(got) != string(v) {
			t.Fatalf("get(%q) = %q, %v, %v", k, got, ok, err)
		}
	}
	if _, ok, err := ix.get("nope"); ok || err != nil {
		t.Error("a key that is not there")
	}
	if got, err := ix.names(); err != nil || !reflect.DeepEqual(got, names) {
		t.Error("names differ")
	}
	other := append([]fileKey(nil), keys...)
	other[0].Ctime++
	if _, ok := x.open(path, []string{"/a", ""}, other); ok {
		t.Error("opened for a file with another ctime")
	}
	if _, ok := x.open(path, []string{"/b", ""}, keys); ok {
		t.Error("opened for other files")
	}
}

// Writing an index removes the same index of the format before, whose
// name had no version.
func TestIndexDropsVersion1(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("no index on " + runtime.GOOS)
	}
	const settle = 10 * time.Millisecond
	getenv := indextest.Home(t, indextest.Accounts(300, "eu-west-1"), indextest.Config(300, "eu-west-1"))
	time.Sleep(20 * time.Millisecond)
	l := load(t, getenv, settle)
	current := l.x.path("accounts", l.paths.Accounts)
	dir, base := filepath.Split(current)
	v1 := filepath.Join(dir, strings.Replace(base, "accounts"+indexVersion+"-", "accounts-", 1))
	other := filepath.Join(dir, "profiles-0123456789abcdef01234567")
	must(t, os.Remove(current))
	must(t, os.WriteFile(v1, []byte("awsenvi1"), 0o600))
	must(t, os.WriteFile(other, []byte("awsenvi1"), 0o600))
	load(t, getenv, settle)
	if _, err := os.Stat(current); err != nil {
		t.Fatalf("no index written: %v", err)
	}
	if _, err := os.Stat(v1); err == nil {
		t.Error("the version-1 index is still there")
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another file went too: %v", err)
	}
}

// The rows an index records are what this parser makes of the files; if
// this test fails, what a parse makes of them changed, and indexes of the
// old parser would go on showing its rows: change indexVersion (index.go),
// then this table.
func TestIndexRowsPinned(t *testing.T) {
	dir := t.TempDir()
	accounts := filepath.Join(dir, "accounts.json")
	must(t, os.WriteFile(accounts, []byte(`{
  "plain": "arn:aws:iam::111111111111:",
  "full": {"arn": "arn:aws-cn:iam::222222222222:", "region": "cn-north-1", "roles": {"b": "arn:aws-cn:iam::222222222222:role/b", "a": "arn:aws-cn:iam::222222222222:role/a"}},
  "web": {"arn": "arn:aws:iam::333333333333:", "web_identity": {"issuer": "https://idp.example.com", "client_id": "c", "role_arn": "arn:aws:iam::333333333333:role/w"}}
}`), 0o600))
	accs, err := config.LoadAccounts(accounts, false)
	must(t, err)
	wantAccounts := []config.AccountRow{
		{Name: "plain", AccountID: "111111111111"},
		{Name: "full", AccountID: "222222222222", Region: "cn-north-1", Roles: []string{"b", "a"}},
		{Name: "web", AccountID: "333333333333"},
	}
	cfg, cred := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	must(t, os.WriteFile(cfg, []byte(`[default]
region = eu-west-1
[profile role]
role_arn = arn:aws:iam::1:role/r
source_profile = keys
region = eu-west-2
[profile web]
role_arn = arn:aws:iam::1:role/w
web_identity_token_file = /tmp/t
[profile sso]
sso_session = s
sso_account_id = 111111111111
sso_role_name = R
[sso-session s]
sso_start_url = https://s.awsapps.com/start
sso_region = eu-west-1
[profile proc]
credential_process = /bin/true
[profile meta]
role_arn = arn:aws:iam::1:role/m
credential_source = Environment
`), 0o600))
	must(t, os.WriteFile(cred, []byte("[keys]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\n"), 0o600))
	ps, err := config.LoadProfiles(cfg, cred)
	must(t, err)
	wantProfiles := []config.ProfileRow{
		{Name: "default", Kind: "none", Region: "eu-west-1"},
		{Name: "role", Kind: "role", Region: "eu-west-2", Source: "keys"},
		{Name: "web", Kind: "web-identity"},
		{Name: "sso", Kind: "sso"},
		{Name: "proc", Kind: "process"},
		{Name: "meta", Kind: "role"},
		{Name: "keys", Kind: "keys"},
	}
	gotAccounts, err := accs.Rows()
	must(t, err)
	if !reflect.DeepEqual(gotAccounts, wantAccounts) || !reflect.DeepEqual(ps.Rows(), wantProfiles) {
		t.Errorf("the rows a parse makes changed: change indexVersion in index.go, then this table\naccounts %+v\nprofiles %+v", gotAccounts, ps.Rows())
	}
}
