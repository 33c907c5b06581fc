package resolve

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
	"github.com/awsenv/awsenv/internal/fsutil"
)

// bigAccounts is an accounts file over indexMinSize: n accounts, work among
// them with region.
func bigAccounts(n int, region string) string {
	var b strings.Builder
	b.WriteString("{\n")
	for i := range n {
		fmt.Fprintf(&b, "  \"acct%04d\": {\"arn\": \"arn:aws:iam::%012d:\", \"region\": \"eu-north-1\", \"roles\": {\"admin\": \"arn:aws:iam::%012d:role/admin\"}},\n", i, i, i)
		if i == n/2 {
			fmt.Fprintf(&b, "  \"work\": {\"arn\": \"arn:aws:iam::123456789012:\", \"region\": %q},\n", region)
		}
	}
	b.WriteString("  \"last\": \"arn:aws:iam::123456789012:\"\n}\n")
	return b.String()
}

// bigConfig is a ~/.aws/config over indexMinSize, with the role profile
// dev (in region) on the profile base.
func bigConfig(n int, region string) string {
	var b strings.Builder
	b.WriteString("[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n\n[profile base]\nregion = eu-west-1\n\n")
	for i := range n {
		fmt.Fprintf(&b, "[profile p%04d]\nsso_session = corp\nsso_account_id = %012d\nsso_role_name = ReadOnly\n\n", i, i)
		if i == n/2 {
			fmt.Fprintf(&b, "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = base\nregion = %s\n\n", region)
		}
	}
	return b.String()
}

const bigCredentials = "[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"

// scaleHome is a home with the accounts file, key files of work and
// ~/.aws files; it returns the caller's environment.
func scaleHome(t *testing.T, accounts, cfg string) func(string) string {
	t.Helper()
	home := t.TempDir()
	files := map[string]string{
		"aws-creds/accounts.json":   accounts,
		"aws-creds/work.access_key": "AKIAWORKWORKWORK0001\n",
		"aws-creds/work.secret_key": "worksecretworksecretworksecret\n",
		".aws/config":               cfg,
		".aws/credentials":          bigCredentials,
	}
	for name, content := range files {
		must(t, os.MkdirAll(filepath.Dir(filepath.Join(home, name)), 0o700))
		must(t, os.WriteFile(filepath.Join(home, name), []byte(content), 0o600))
	}
	env := map[string]string{"HOME": home, "USER": "tester"}
	return func(k string) string { return env[k] }
}

// indexedEnv is what NewEnv and Env.Profiles make, through the index.
func indexedEnv(t *testing.T, getenv func(string) string) *Env {
	t.Helper()
	p, err := config.Resolve("", "", getenv)
	must(t, err)
	accounts, stamp, stamped, err := loadAccounts(p)
	must(t, err)
	e := &Env{Paths: p, Accounts: accounts, Getenv: getenv, accountsStamp: stamp, accountsStamped: stamped}
	e.profiles, e.profErr = e.loadProfiles()
	e.loaded = true
	return e
}

// switchRegion is the region a switch to name would use: what Lookup says.
func switchRegion(t *testing.T, e *Env, name string) string {
	t.Helper()
	src, err := e.Lookup(name)
	must(t, err)
	return src.Region
}

// shortSettle makes files count as settled d after their last change, so
// that a test can have an index without waiting two seconds.
func shortSettle(t *testing.T, d time.Duration) {
	old := fsutil.Settle
	fsutil.Settle = d
	t.Cleanup(func() { fsutil.Settle = old })
}

// rewriteInPlace gives path new content of the same size in the same
// inode, and puts its modification time back: all that stays different is
// the content and the ctime.
func rewriteInPlace(t *testing.T, path, content string) {
	t.Helper()
	before, err := os.Stat(path)
	must(t, err)
	if before.Size() != int64(len(content)) {
		t.Fatalf("the edit changes the size: %d to %d", before.Size(), len(content))
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	must(t, err)
	_, err = f.WriteString(content)
	must(t, err)
	must(t, f.Close())
	must(t, os.Chtimes(path, before.ModTime(), before.ModTime()))
	after, err := os.Stat(path)
	must(t, err)
	if !os.SameFile(before, after) || after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) {
		t.Fatalf("not the same file, size and mtime: %v %v", before, after)
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
			shortSettle(t, tc.settle)
			getenv := scaleHome(t, bigAccounts(300, "eu-west-1"), bigConfig(300, "eu-west-1"))
			if tc.indexed {
				time.Sleep(2 * tc.settle)
			}
			e := indexedEnv(t, getenv)
			accountsFile := e.Paths.Accounts
			cfg, cred := e.ProfileFiles()
			for _, name := range []string{"work", "dev"} {
				if got := switchRegion(t, e, name); got != "eu-west-1" {
					t.Fatalf("%s: region %q", name, got)
				}
			}
			ixAccounts := indexPath(e.Paths.CacheDir, "accounts", accountsFile)
			ixProfiles := indexPath(e.Paths.CacheDir, "profiles", cfg, cred)
			for _, ix := range []string{ixAccounts, ixProfiles} {
				if _, err := os.Stat(ix); (err == nil) != tc.indexed {
					t.Fatalf("index %s: %v", ix, err)
				}
			}
			if tc.indexed {
				// The second switch reads through the index.
				e := indexedEnv(t, getenv)
				if got := switchRegion(t, e, "work"); got != "eu-west-1" {
					t.Fatalf("work through the index: region %q", got)
				}
				k, _ := statPath(accountsFile)
				if ix, ok := openIndex(ixAccounts, []string{accountsFile}, []fileKey{k}); !ok {
					t.Fatal("the index of the accounts file is not current")
				} else {
					ix.f.Close()
				}
			}
			rewriteInPlace(t, accountsFile, bigAccounts(300, "eu-west-2"))
			rewriteInPlace(t, cfg, bigConfig(300, "eu-west-2"))
			for _, next := range []func() *Env{
				func() *Env { return indexedEnv(t, getenv) },
				func() *Env { e, err := NewEnv("", "", getenv); must(t, err); return e },
			} {
				e := next()
				for _, name := range []string{"work", "dev"} {
					if got := switchRegion(t, e, name); got != "eu-west-2" {
						t.Errorf("%s after the edit: region %q, want eu-west-2", name, got)
					}
				}
				// And list sees it.
				if got := rowRegion(t, e, "work", "dev"); got != "eu-west-2 eu-west-2" {
					t.Errorf("list after the edit: regions %q, want eu-west-2 for both", got)
				}
			}
		})
	}
}

// rowRegion is the region list shows for the account and for the profile.
func rowRegion(t *testing.T, e *Env, account, profile string) string {
	t.Helper()
	rows, err := e.Accounts.Rows()
	must(t, err)
	ps, err := e.Profiles()
	must(t, err)
	var out []string
	for _, r := range rows {
		if r.Name == account {
			out = append(out, r.Region)
		}
	}
	for _, r := range ps.Rows() {
		if r.Name == profile {
			out = append(out, r.Region)
		}
	}
	return strings.Join(out, " ")
}

// Through the index, every name is what a full parse makes it, and names
// are listed the same.
func TestIndexSameAnswers(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("no index on " + runtime.GOOS)
	}
	shortSettle(t, 10*time.Millisecond)
	getenv := scaleHome(t, bigAccounts(300, "eu-west-1"), bigConfig(300, "eu-west-1"))
	dir := filepath.Join(getenv("HOME"), "aws-creds")
	for i := range 300 { // enough key files for the listing to be indexed
		for _, ext := range []string{".access_key", ".secret_key"} {
			must(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("keyonly%03d%s", i, ext)), []byte("x\n"), 0o600))
		}
	}
	must(t, os.WriteFile(filepath.Join(dir, "half.access_key"), []byte("x\n"), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "p0001.access_key"), []byte("x\n"), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "p0001.secret_key"), []byte("x\n"), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "-bad.access_key"), []byte("x\n"), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "-bad.secret_key"), []byte("x\n"), 0o600))
	time.Sleep(30 * time.Millisecond)

	full, err := NewEnv("", "", getenv)
	must(t, err)
	indexedEnv(t, getenv) // writes the indexes
	e := indexedEnv(t, getenv)
	for _, n := range append(full.AccountNames(), "dev", "base", "p0007", "nope", "half", "-bad") {
		want, wantErr := full.Lookup(n)
		got, err := e.Lookup(n)
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Fatalf("Lookup(%q): error %v, want %v", n, err, wantErr)
		}
		if err == nil && (got.Region != want.Region || got.AccountID != want.AccountID || got.Scope != want.Scope ||
			!reflect.DeepEqual(got.Account, want.Account) || !reflect.DeepEqual(got.Profile, want.Profile)) {
			t.Fatalf("Lookup(%q) through the index: %+v, want %+v", n, got, want)
		}
	}
	if got, want := e.AccountNames(), oldAccountNames(full); !reflect.DeepEqual(got, want) {
		t.Errorf("AccountNames through the index:\n%q\nwant\n%q", got, want)
	}
	got, err := e.ProfileNames()
	must(t, err)
	if want := oldProfileNames(t, full); !reflect.DeepEqual(got, want) {
		t.Errorf("ProfileNames through the index:\n%q\nwant\n%q", got, want)
	}
	// The rows list shows come from the index, and are a full parse's.
	fullRows, err := full.Accounts.Rows()
	must(t, err)
	fullPS, err := full.Profiles()
	must(t, err)
	k, _ := statPath(e.Paths.Accounts)
	ix, ok := openIndex(indexPath(e.Paths.CacheDir, "accounts", e.Paths.Accounts), []string{e.Paths.Accounts}, []fileKey{k})
	if !ok {
		t.Fatal("the accounts file is not indexed")
	}
	indexed, err := accountIndex{ix}.Rows()
	ix.f.Close()
	must(t, err)
	if len(fullRows) != 302 {
		t.Fatalf("%d account rows", len(fullRows))
	}
	sameRows(t, "account rows in the index", indexed, fullRows)
	ps, err := e.Profiles()
	must(t, err)
	want := config.ProfileRows(fullPS)
	if len(want) != 302 {
		t.Fatalf("%d profile rows", len(want))
	}
	sameRows(t, "profile rows through the index", ps.Rows(), want)
	gotRows, err := e.Accounts.Rows()
	must(t, err)
	sameRows(t, "account rows through the index", gotRows, fullRows)
	cacheDir := e.Paths.CacheDir
	if k, _ := statPath(dir); !func() bool {
		ix, ok := openIndex(indexPath(cacheDir, "keys", dir), []string{dir}, []fileKey{k})
		if ok {
			ix.f.Close()
		}
		return ok
	}() {
		t.Error("the listing of the key files is not indexed")
	}

	t.Run("a key file added is listed", func(t *testing.T) {
		must(t, os.WriteFile(filepath.Join(dir, "half.secret_key"), []byte("x\n"), 0o600))
		if names := indexedEnv(t, getenv).AccountNames(); !contains(names, "half") {
			t.Errorf("half is not listed: %q", names)
		}
	})
	t.Run("a key file that is a symlink is what stat says", func(t *testing.T) {
		must(t, os.Symlink(filepath.Join(dir, "missing"), filepath.Join(dir, "dangling.access_key")))
		must(t, os.WriteFile(filepath.Join(dir, "dangling.secret_key"), []byte("x\n"), 0o600))
		must(t, os.Symlink(filepath.Join(dir, "work.access_key"), filepath.Join(dir, "linked.access_key")))
		must(t, os.WriteFile(filepath.Join(dir, "linked.secret_key"), []byte("x\n"), 0o600))
		time.Sleep(30 * time.Millisecond)
		for range 2 {
			names := indexedEnv(t, getenv).AccountNames()
			if contains(names, "dangling") || !contains(names, "linked") {
				t.Errorf("names %q", names)
			}
		}
	})
}

// sameRows reports the first row that differs.
func sameRows[R any](t *testing.T, what string, got, want []R) {
	t.Helper()
	for i := range min(len(got), len(want)) {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("%s: row %d is %+v, want %+v", what, i, got[i], want[i])
			return
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d", what, len(got), len(want))
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// oldAccountNames and oldProfileNames are AccountNames and ProfileNames as
// they were before the index: a stat of every key file.
func oldAccountNames(e *Env) []string {
	names := e.Accounts.Names()
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
	}
	ents, _ := os.ReadDir(e.Paths.CredDir)
	for _, de := range ents {
		n, ok := strings.CutSuffix(de.Name(), ".access_key")
		if ok && !seen[n] && config.CheckName(n) == nil && config.HasKeys(e.Paths.CredDir, n) {
			names = append(names, n)
			seen[n] = true
		}
	}
	return names
}

func oldProfileNames(t *testing.T, e *Env) []string {
	ps, err := e.Profiles()
	must(t, err)
	var out []string
	for _, n := range ps.Names() {
		if e.Accounts.Get(n) == nil && !(config.CheckName(n) == nil && config.HasKeys(e.Paths.CredDir, n)) {
			out = append(out, n)
		}
	}
	return out
}

// A broken entry fails the load as it always has, index or not; no index
// is written for a file that does not parse.
func TestIndexBrokenEntry(t *testing.T) {
	shortSettle(t, 0)
	getenv := scaleHome(t, strings.Replace(bigAccounts(300, "eu-west-1"), `"region": "eu-west-1"`, `"region": "EU"`, 1), "")
	p, err := config.Resolve("", "", getenv)
	must(t, err)
	for range 2 {
		if _, _, _, err := loadAccounts(p); err == nil || !strings.Contains(err.Error(), `account "work": region "EU"`) {
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
	shortSettle(t, 10*time.Millisecond)
	getenv := scaleHome(t, bigAccounts(300, "eu-west-1"), "")
	time.Sleep(30 * time.Millisecond)
	p, err := config.Resolve("", "", getenv)
	must(t, err)
	_, _, _, err = loadAccounts(p)
	must(t, err)
	path := indexPath(p.CacheDir, "accounts", p.Accounts)
	k, _ := statPath(p.Accounts)
	open := func() bool {
		ix, ok := openIndex(path, []string{p.Accounts}, []fileKey{k})
		if ok {
			ix.f.Close()
		}
		return ok
	}
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
		if e := indexedEnv(t, getenv); switchRegion(t, e, "work") != "eu-west-1" {
			t.Error("a cut index broke the lookup")
		}
	}
}

// The index format round-trips.
func TestIndexFormat(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ix")
	keys := []fileKey{{Exists: true, Dev: 1, Ino: 2, Size: 3, Mtime: 4, Ctime: 5, Mode: 6}, {}}
	records := map[string][]byte{"": nil}
	var names []string
	for i := range 1000 {
		records[fmt.Sprint("k", i)] = []byte(fmt.Sprint("value ", i))
		names = append(names, fmt.Sprint("name", i))
	}
	must(t, os.WriteFile(path, encodeIndex([]string{"/a", ""}, keys, names, records), 0o600))
	ix, ok := openIndex(path, []string{"/a", ""}, keys)
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
	if _, ok := openIndex(path, []string{"/a", ""}, other); ok {
		t.Error("opened for a file with another ctime")
	}
	if _, ok := openIndex(path, []string{"/b", ""}, keys); ok {
		t.Error("opened for other files")
	}
}

// BenchmarkIndexedSwitch is Lookup of an account and of a role profile at
// organisation scale, through the index and without it.
func BenchmarkIndexedSwitch(b *testing.B) {
	old := fsutil.Settle
	fsutil.Settle = 0
	defer func() { fsutil.Settle = old }()
	home := b.TempDir()
	for name, content := range map[string]string{
		"aws-creds/accounts.json": bigAccounts(5000, "eu-west-1"), ".aws/config": bigConfig(5000, "eu-west-1"), ".aws/credentials": bigCredentials,
	} {
		os.MkdirAll(filepath.Dir(filepath.Join(home, name)), 0o700)
		os.WriteFile(filepath.Join(home, name), []byte(content), 0o600)
	}
	time.Sleep(10 * time.Millisecond)
	getenv := func(k string) string { return map[string]string{"HOME": home, "USER": "b"}[k] }
	p, _ := config.Resolve("", "", getenv)
	loadAccounts(p)
	(&Env{Paths: p, Getenv: getenv}).loadProfiles()
	for _, name := range []string{"work", "dev"} {
		b.Run(name+"/index", func(b *testing.B) {
			for b.Loop() {
				accounts, _, _, err := loadAccounts(p)
				if err != nil {
					b.Fatal(err)
				}
				e := &Env{Paths: p, Accounts: accounts, Getenv: getenv}
				e.profiles, e.profErr = e.loadProfiles()
				e.loaded = true
				if _, err := e.Lookup(name); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/full", func(b *testing.B) {
			for b.Loop() {
				e, err := NewEnv("", "", getenv)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := e.Lookup(name); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Names, through its index of the four inputs, is AccountNames then
// ProfileNames; an edit to any of them in the same second, at the same
// size, is seen.
func TestNamesIndex(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("no index on " + runtime.GOOS)
	}
	shortSettle(t, 20*time.Millisecond)
	getenv := scaleHome(t, bigAccounts(300, "eu-west-1"), bigConfig(300, "eu-west-1"))
	dir := filepath.Join(getenv("HOME"), "aws-creds")
	for i := range 300 {
		for _, ext := range []string{".access_key", ".secret_key"} {
			must(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("keyonly%03d%s", i, ext)), []byte("x\n"), 0o600))
		}
	}
	time.Sleep(40 * time.Millisecond)
	want := func() []string {
		e, err := NewEnv("", "", getenv)
		must(t, err)
		profiles, err := e.ProfileNames()
		must(t, err)
		return append(e.AccountNames(), profiles...)
	}
	names := func() []string {
		names, err := indexedEnv(t, getenv).Names()
		must(t, err)
		return names
	}
	e := indexedEnv(t, getenv)
	cfg, cred := e.ProfileFiles()
	files := []string{e.Paths.Accounts, e.Paths.CredDir, cfg, cred}
	ixPath := indexPath(e.Paths.CacheDir, "names", files...)
	current := func() bool {
		keys := make([]fileKey, len(files))
		for i, f := range files {
			keys[i], _ = statPath(f)
		}
		ix, ok := openIndex(ixPath, files, keys)
		if ok {
			ix.f.Close()
		}
		return ok
	}
	// The first run makes the cache directory in the key files' one,
	// which changes that one's stamp.
	names()
	time.Sleep(40 * time.Millisecond)
	for round := range 2 {
		if got := names(); !reflect.DeepEqual(got, want()) || len(got) != 302+300+302 {
			t.Fatalf("round %d: %d names, want %d", round, len(got), len(want()))
		}
	}
	if !current() {
		t.Fatal("no current names index")
	}

	rewriteInPlace(t, cfg, strings.Replace(bigConfig(300, "eu-west-1"), "[profile p0007]", "[profile q0007]", 1))
	if got := names(); !contains(got, "q0007") || contains(got, "p0007") || !reflect.DeepEqual(got, want()) {
		t.Errorf("a profile renamed in the same second is not seen")
	}
	rewriteInPlace(t, e.Paths.Accounts, strings.Replace(bigAccounts(300, "eu-west-1"), `"acct0007"`, `"bcct0007"`, 1))
	if got := names(); !contains(got, "bcct0007") || !reflect.DeepEqual(got, want()) {
		t.Errorf("an account renamed in the same second is not seen")
	}
	must(t, os.Remove(filepath.Join(dir, "keyonly005.access_key")))
	if got := names(); contains(got, "keyonly005") || !reflect.DeepEqual(got, want()) {
		t.Errorf("a key file removed is not seen")
	}

	// A key file that is a symlink is what os.Stat says of it, which the
	// directory's stamp cannot tell: no index then.
	must(t, os.Symlink(filepath.Join(dir, "work.access_key"), filepath.Join(dir, "linked.access_key")))
	must(t, os.WriteFile(filepath.Join(dir, "linked.secret_key"), []byte("x\n"), 0o600))
	time.Sleep(40 * time.Millisecond)
	for range 2 {
		if got := names(); !contains(got, "linked") || !reflect.DeepEqual(got, want()) {
			t.Errorf("names with a symlinked key file: %d", len(got))
		}
	}
	if current() {
		t.Error("names are indexed with a symlinked key file")
	}
}

// Writing an index removes the same index of the format before, whose
// name had no version.
func TestIndexDropsVersion1(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("no index on " + runtime.GOOS)
	}
	shortSettle(t, 10*time.Millisecond)
	getenv := scaleHome(t, bigAccounts(300, "eu-west-1"), bigConfig(300, "eu-west-1"))
	time.Sleep(20 * time.Millisecond)
	e := indexedEnv(t, getenv)
	current := indexPath(e.Paths.CacheDir, "accounts", e.Paths.Accounts)
	dir, base := filepath.Split(current)
	v1 := filepath.Join(dir, strings.Replace(base, "accounts"+indexVersion+"-", "accounts-", 1))
	other := filepath.Join(dir, "profiles-0123456789abcdef01234567")
	must(t, os.Remove(current))
	must(t, os.WriteFile(v1, []byte("awsenvi1"), 0o600))
	must(t, os.WriteFile(other, []byte("awsenvi1"), 0o600))
	indexedEnv(t, getenv)
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

// An index records names only under the stamps their files had before
// they were read: a file edited after this run read it and before Names
// looked (a slow disk, a stopped process), once settled, must not be
// recorded with the names from before the edit.
func TestNamesIndexStampsBeforeRead(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("no index on " + runtime.GOOS)
	}
	shortSettle(t, 20*time.Millisecond)
	for _, tc := range []struct {
		name     string
		accounts int
		// edit renames from to to in the accounts file or ~/.aws/config,
		// after e read it.
		profiles bool
		from, to string
	}{
		{"small accounts file, parsed whole", 5, false, `"acct0003"`, `"renamed3"`},
		{"indexed accounts file", 300, false, `"acct0003"`, `"renamed3"`},
		{"config read before Names", 300, true, "[profile p0003]", "[profile renamed3]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			getenv := scaleHome(t, bigAccounts(tc.accounts, "eu-west-1"), bigConfig(300, "eu-west-1"))
			time.Sleep(40 * time.Millisecond)
			for range 2 { // the indexes and the cache directory settle
				e, err := NewEnv("", "", getenv)
				must(t, err)
				e.Names()
				time.Sleep(40 * time.Millisecond)
			}
			e, err := NewEnv("", "", getenv)
			must(t, err)
			file := e.Paths.Accounts
			if tc.profiles {
				_, err := e.Profiles()
				must(t, err)
				file, _ = e.ProfileFiles()
			}
			data, err := os.ReadFile(file)
			must(t, err)
			must(t, os.WriteFile(file, []byte(strings.Replace(string(data), tc.from, tc.to, 1)), 0o600))
			time.Sleep(40 * time.Millisecond) // settled by the time Names looks
			e.Names()
			time.Sleep(40 * time.Millisecond)
			for round := range 2 {
				fresh, err := NewEnv("", "", getenv)
				must(t, err)
				got, _ := fresh.Names()
				if !contains(got, "renamed3") {
					t.Errorf("round %d: Names misses renamed3, which a full parse has", round)
				}
				time.Sleep(40 * time.Millisecond)
			}
		})
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
