package cache

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Issue 12: a profile (or account) name of hundreds of characters failed
// with "file name too long". Its key hashes the owner too, stays a file
// name, and forget still finds it by name.
func TestKeyLongOwner(t *testing.T) {
	long := strings.Repeat("very-long-profile-name.", 13) // 299 characters
	other := long[:len(long)-1] + "X"
	arn := "arn:aws:iam::123456789012:role/" + strings.Repeat("p/", 100) + "Admin"
	keys := []Key{
		{Scope: ScopeProfile, Name: long, Kind: KindOwn},
		{Scope: ScopeProfile, Name: long, Kind: KindSession},
		{Scope: ScopeProfile, Name: long, Kind: KindRole, Role: arn, Sess: "s"},
		{Scope: ScopeAccount, Name: long, Kind: KindSession},
		{Scope: ScopeAccount, Name: long, Kind: KindRole, Role: "arn:aws:iam::1:role/x", Sess: "s"},
		{Scope: ScopeWebIdentity, Name: long, Kind: KindWebIdentity, Role: arn},
	}
	s, w := newStore(t)
	seen := map[string]bool{}
	for _, k := range keys {
		name := k.String()
		checkKeyShape(t, nil, name)
		if len(name) > maxStem {
			t.Errorf("%+v: stem of %d bytes", k, len(name))
		}
		if seen[name] {
			t.Errorf("%+v: stem %q used twice", k, name)
		}
		seen[name] = true
		if err := s.Put(k, newEntry(testExp)); err != nil {
			t.Fatalf("Put %+v: %v", k, err)
		}
		if s.Get(k) == nil {
			t.Errorf("Get %+v: no entry", k)
		}
		unlock, err := s.Lock(context.Background(), k, nil)
		if err != nil {
			t.Fatalf("Lock %+v: %v", k, err)
		}
		unlock()
		o := k
		o.Name = other
		if o.String() == name {
			t.Errorf("names that differ in their last character share stem %q", name)
		}
	}
	listed := s.Keys()
	if len(listed) != len(keys) {
		t.Fatalf("Keys = %d keys, want %d", len(listed), len(keys))
	}
	for _, k := range listed {
		if !k.Owns(long) || k.Owns(other) || k.Owns("") {
			t.Errorf("%q: Owns(long) = %v, Owns(other) = %v", k.String(), k.Owns(long), k.Owns(other))
		}
		if !seen[k.String()] {
			t.Errorf("Keys listed %q, which was not put", k.String())
		}
		if ok, err := s.Delete(k); !ok || err != nil {
			t.Errorf("Delete %q = %v, %v", k.String(), ok, err)
		}
	}
	if m := w.take(); len(m) != 0 {
		t.Errorf("warnings: %q", m)
	}
	// Names at the edge keep the file names awsenv has always used.
	for _, n := range []int{maxKeyLen, maxStem} {
		name := strings.Repeat("a", n)
		if got := fileName(name); got != name {
			t.Errorf("fileName of a %d-character name = %q", n, got)
		}
	}
}

// Issue 12: forget deleted the entries of a cache directory another user
// owns, which every other command refuses.
func TestForeignDirNotTouched(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to give the cache directory to another user")
	}
	s, w := newStore(t)
	if err := s.Put(AccountSession("work"), newEntry(testExp)); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(s.Dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err == nil || !strings.Contains(err.Error(), "belongs to another user") {
		t.Errorf("Check = %v", err)
	}
	if keys := s.Keys(); keys != nil {
		t.Errorf("Keys = %q", stems(keys))
	}
	if m := w.take(); len(m) != 1 || !strings.Contains(m[0], "belongs to another user") {
		t.Errorf("warnings: %q", m)
	}
	if ok, err := s.Delete(AccountSession("work")); ok || err == nil || !strings.Contains(err.Error(), "belongs to another user") {
		t.Errorf("Delete = %v, %v; want a refusal", ok, err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "work.json")); err != nil {
		t.Errorf("the entry is gone: %v", err)
	}
}

// Issue 12: a read-only cache directory made mfa fail instead of working
// uncached. Lock succeeds without a lock where nothing can be written, and
// Put says why nothing was cached. The directory is made read-only by a
// bind mount in a mount namespace of its own, so nothing outside the test
// sees it.
func TestLockReadOnlyDir(t *testing.T) {
	if dir := os.Getenv("AWSENV_TEST_RO_CACHE"); dir != "" {
		s := &Store{Dir: dir}
		if _, err := os.Create(filepath.Join(dir, "probe")); err == nil {
			t.Fatal("the directory is writable: the bind mount did not take")
		}
		unlock, err := s.Lock(context.Background(), AccountSession("work"), nil)
		if err != nil {
			t.Fatalf("Lock in a read-only directory: %v", err)
		}
		unlock()
		err = s.Put(AccountSession("work"), newEntry(testExp))
		if err == nil || !strings.Contains(err.Error(), "read-only file system") {
			t.Fatalf("Put in a read-only directory: %v", err)
		}
		if s.Get(AccountSession("old")) == nil {
			t.Fatal("the entry there before cannot be read")
		}
		// Not a writable directory: Lock still fails for other reasons.
		return
	}
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs root on Linux, for a read-only bind mount in a private mount namespace")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("needs unshare (util-linux)")
	}
	s, _ := newStore(t)
	if err := s.Put(AccountSession("old"), newEntry(testExp)); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(unshare, "--mount", "--propagation", "private", "sh", "-c",
		`mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && exec "$2" -test.run '^TestLockReadOnlyDir$' -test.v`,
		"sh", s.Dir, os.Args[0])
	cmd.Env = append(os.Environ(), "AWSENV_TEST_RO_CACHE="+s.Dir)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestLockReadOnlyDir") {
		t.Fatalf("in a read-only directory: %v\n%s", err, out)
	}
}

// A lock in a writable directory that fails is still an error.
func TestLockFailsOnSymlink(t *testing.T) {
	s, _ := newStore(t)
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "target")
	if err := os.Symlink(target, filepath.Join(s.Dir, "work.lock")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lock(context.Background(), AccountSession("work"), nil); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("Lock through a symlink: %v", err)
	}
	if _, err := os.Lstat(target); err == nil {
		t.Error("the lock created the symlink's target")
	}
}
