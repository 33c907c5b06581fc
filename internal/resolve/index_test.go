package resolve

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/index"
	"github.com/awsenv/awsenv/internal/index/indextest"
)

// The tests of the index itself (its format, its settle rule, what it
// trusts) are in package index; these are of what resolve makes of names
// read through it.

// settledEnv is what NewEnv makes, through an index that trusts files
// unchanged for settle.
func settledEnv(t testing.TB, getenv func(string) string, settle time.Duration) *Env {
	t.Helper()
	p, err := config.Resolve("", "", getenv)
	if err != nil {
		t.Fatal(err)
	}
	ix := index.New(p.CacheDir, settle)
	accounts, err := ix.Accounts(p.Accounts, !p.AccountsExplicit)
	if err != nil {
		t.Fatal(err)
	}
	return &Env{Paths: p, Accounts: accounts, Getenv: getenv, index: ix}
}

// indexedEnv is what NewEnv and Env.Profiles make, through an index that
// trusts files unchanged for settle.
func indexedEnv(t testing.TB, getenv func(string) string, settle time.Duration) *Env {
	t.Helper()
	e := settledEnv(t, getenv, settle)
	if _, err := e.Profiles(); err != nil {
		t.Fatal(err)
	}
	return e
}

// Through the index, every name is what a full parse makes it, and names
// are listed the same.
func TestIndexSameAnswers(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("no index on " + runtime.GOOS)
	}
	const settle = 10 * time.Millisecond
	getenv := indextest.Home(t, indextest.Accounts(300, "eu-west-1"), indextest.Config(300, "eu-west-1"))
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
	indexedEnv(t, getenv, settle) // writes the indexes
	e := indexedEnv(t, getenv, settle)
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
	// The rows list shows are a full parse's (that they come from the
	// index is TestIndexRowsRecorded's, in package index).
	fullRows, err := full.Accounts.Rows()
	must(t, err)
	fullPS, err := full.Profiles()
	must(t, err)
	if !e.index.Current("accounts", e.Paths.Accounts) {
		t.Fatal("the accounts file is not indexed")
	}
	if len(fullRows) != 302 {
		t.Fatalf("%d account rows", len(fullRows))
	}
	ps, err := e.Profiles()
	must(t, err)
	want := config.ProfileRows(fullPS)
	if len(want) != 302 {
		t.Fatalf("%d profile rows", len(want))
	}
	indextest.SameRows(t, "profile rows through the index", ps.Rows(), want)
	gotRows, err := e.Accounts.Rows()
	must(t, err)
	indextest.SameRows(t, "account rows through the index", gotRows, fullRows)
	if !e.index.Current("keys", dir) {
		t.Error("the listing of the key files is not indexed")
	}

	t.Run("a key file added is listed", func(t *testing.T) {
		must(t, os.WriteFile(filepath.Join(dir, "half.secret_key"), []byte("x\n"), 0o600))
		if names := indexedEnv(t, getenv, settle).AccountNames(); !slices.Contains(names, "half") {
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
			names := indexedEnv(t, getenv, settle).AccountNames()
			if slices.Contains(names, "dangling") || !slices.Contains(names, "linked") {
				t.Errorf("names %q", names)
			}
		}
	})
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

// BenchmarkIndexedSwitch is Lookup of an account and of a role profile at
// organisation scale, through the index and without it.
func BenchmarkIndexedSwitch(b *testing.B) {
	home := b.TempDir()
	for name, content := range map[string]string{
		"aws-creds/accounts.json": indextest.Accounts(5000, "eu-west-1"), ".aws/config": indextest.Config(5000, "eu-west-1"), ".aws/credentials": indextest.Credentials,
	} {
		os.MkdirAll(filepath.Dir(filepath.Join(home, name)), 0o700)
		os.WriteFile(filepath.Join(home, name), []byte(content), 0o600)
	}
	time.Sleep(10 * time.Millisecond)
	getenv := func(k string) string { return map[string]string{"HOME": home, "USER": "b"}[k] }
	indexedEnv(b, getenv, 0)
	for _, name := range []string{"work", "dev"} {
		b.Run(name+"/index", func(b *testing.B) {
			for b.Loop() {
				e := indexedEnv(b, getenv, 0)
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
	const settle = 20 * time.Millisecond
	getenv := indextest.Home(t, indextest.Accounts(300, "eu-west-1"), indextest.Config(300, "eu-west-1"))
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
		names, err := indexedEnv(t, getenv, settle).Names()
		must(t, err)
		return names
	}
	e := indexedEnv(t, getenv, settle)
	cfg, cred := e.ProfileFiles()
	files := []string{e.Paths.Accounts, e.Paths.CredDir, cfg, cred}
	current := func() bool { return e.index.Current("names", files...) }
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

	indextest.RewriteInPlace(t, cfg, strings.Replace(indextest.Config(300, "eu-west-1"), "[profile p0007]", "[profile q0007]", 1))
	if got := names(); !slices.Contains(got, "q0007") || slices.Contains(got, "p0007") || !reflect.DeepEqual(got, want()) {
		t.Errorf("a profile renamed in the same second is not seen")
	}
	indextest.RewriteInPlace(t, e.Paths.Accounts, strings.Replace(indextest.Accounts(300, "eu-west-1"), `"acct0007"`, `"bcct0007"`, 1))
	if got := names(); !slices.Contains(got, "bcct0007") || !reflect.DeepEqual(got, want()) {
		t.Errorf("an account renamed in the same second is not seen")
	}
	must(t, os.Remove(filepath.Join(dir, "keyonly005.access_key")))
	if got := names(); slices.Contains(got, "keyonly005") || !reflect.DeepEqual(got, want()) {
		t.Errorf("a key file removed is not seen")
	}

	// A key file that is a symlink is what os.Stat says of it, which the
	// directory's stamp cannot tell: no index then.
	must(t, os.Symlink(filepath.Join(dir, "work.access_key"), filepath.Join(dir, "linked.access_key")))
	must(t, os.WriteFile(filepath.Join(dir, "linked.secret_key"), []byte("x\n"), 0o600))
	time.Sleep(40 * time.Millisecond)
	for range 2 {
		if got := names(); !slices.Contains(got, "linked") || !reflect.DeepEqual(got, want()) {
			t.Errorf("names with a symlinked key file: %d", len(got))
		}
	}
	if current() {
		t.Error("names are indexed with a symlinked key file")
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
	const settle = 20 * time.Millisecond
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
			getenv := indextest.Home(t, indextest.Accounts(tc.accounts, "eu-west-1"), indextest.Config(300, "eu-west-1"))
			time.Sleep(40 * time.Millisecond)
			for range 2 { // the indexes and the cache directory settle
				settledEnv(t, getenv, settle).Names()
				time.Sleep(40 * time.Millisecond)
			}
			e := settledEnv(t, getenv, settle)
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
				got, _ := settledEnv(t, getenv, settle).Names()
				if !slices.Contains(got, "renamed3") {
					t.Errorf("round %d: Names misses renamed3, which a full parse has", round)
				}
				time.Sleep(40 * time.Millisecond)
			}
		})
	}
}
