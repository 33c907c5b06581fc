package fsutil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

func perm(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func TestWriteFileNew(t *testing.T) {
	for _, mode := range []os.FileMode{0o600, 0o640, 0o644, 0o400} {
		t.Run(mode.String(), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "credentials")
			if err := WriteFile(path, []byte("hello\n"), mode); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil || string(got) != "hello\n" {
				t.Errorf("content %q, %v", got, err)
			}
			// The mode is exactly perm, whatever the umask.
			if m := perm(t, path); m != mode {
				t.Errorf("mode %04o, want %04o", m, mode)
			}
			if n := names(t, dir); !reflect.DeepEqual(n, []string{"credentials"}) {
				t.Errorf("directory holds %q", n)
			}
		})
	}
}

// TestWriteFileReplace: the old file is replaced by a new one (a reader that
// has the old one open keeps reading the old content), with perm as given,
// and no temporary file remains.
func TestWriteFileReplace(t *testing.T) {
	tests := []struct {
		name             string
		oldMode, newMode os.FileMode
		old, new         string
	}{
		{"tighten 0644 to 0600", 0o644, 0o600, "old content that is longer\n", "new\n"},
		{"keep 0600", 0o600, 0o600, "a", "b\nlonger than before\n"},
		{"loosen to 0644", 0o600, 0o644, "a", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "f")
			if err := os.WriteFile(path, []byte(tt.old), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.oldMode); err != nil {
				t.Fatal(err)
			}
			reader, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer reader.Close()

			if err := WriteFile(path, []byte(tt.new), tt.newMode); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(path); string(got) != tt.new {
				t.Errorf("content %q, want %q", got, tt.new)
			}
			if m := perm(t, path); m != tt.newMode {
				t.Errorf("mode %04o, want %04o", m, tt.newMode)
			}
			if old, _ := io.ReadAll(reader); string(old) != tt.old {
				t.Errorf("the open old file now reads %q: it was overwritten in place, not replaced", old)
			}
			if n := names(t, dir); !reflect.DeepEqual(n, []string{"f"}) {
				t.Errorf("directory holds %q", n)
			}
		})
	}
}

// TestWriteFileNoTornReads: readers racing a writer see one version or the
// other, never a mix or an empty file.
func TestWriteFileNoTornReads(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	a := bytes.Repeat([]byte("a"), 64<<10)
	b := bytes.Repeat([]byte("b"), 3<<10)
	if err := WriteFile(path, a, 0o600); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var bad []string
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				got, err := os.ReadFile(path)
				if err != nil || (!bytes.Equal(got, a) && !bytes.Equal(got, b)) {
					mu.Lock()
					bad = append(bad, fmt.Sprintf("read %d bytes, err %v", len(got), err))
					mu.Unlock()
					return
				}
			}
		}()
	}
	for i := range 60 {
		data := a
		if i%2 == 0 {
			data = b
		}
		if err := WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if len(bad) > 0 {
		t.Errorf("torn reads: %q", bad)
	}
	if n := names(t, dir); !reflect.DeepEqual(n, []string{"f"}) {
		t.Errorf("directory holds %q", n)
	}
}

// TestWriteFileFailureRename: the rename fails because path is a non-empty
// directory; WriteFile reports it and leaves no temporary file.
func TestWriteFileFailureRename(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "target")
	if err := os.MkdirAll(filepath.Join(path, "inside"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("data"), 0o600); err == nil {
		t.Fatal("WriteFile over a non-empty directory succeeded")
	}
	if n := names(t, dir); !reflect.DeepEqual(n, []string{"target"}) {
		t.Errorf("directory holds %q, want only target", n)
	}
	if n := names(t, path); !reflect.DeepEqual(n, []string{"inside"}) {
		t.Errorf("target now holds %q", n)
	}
}

func TestWriteFileFailureMissingDir(t *testing.T) {
	dir := t.TempDir()
	err := WriteFile(filepath.Join(dir, "missing", "f"), []byte("data"), 0o600)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want not-exist", err)
	}
	if n := names(t, dir); len(n) != 0 {
		t.Errorf("directory holds %q", n)
	}
}

// TestWriteFileFailureReadOnlyDir: in a directory the user cannot write to,
// WriteFile fails and the old file stays as it was.
func TestWriteFileFailureReadOnlyDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: root can write into a read-only directory, so this failure cannot be produced")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	if err := WriteFile(path, []byte("new"), 0o600); !errors.Is(err, os.ErrPermission) {
		t.Errorf("err = %v, want permission denied", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("old file now holds %q", got)
	}
	if n := names(t, dir); !reflect.DeepEqual(n, []string{"f"}) {
		t.Errorf("directory holds %q", n)
	}
}

func TestSweepTemps(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{
		"x.json", ".x.json.tmp123", ".x.json.tmpabc", // x's entry and its leftovers
		".y.json.tmp1", "x.jsonl", ".x.jsonl.tmp9", // other files
		"a[1]*.json", ".a[1]*.json.tmp5", ".a1.json.tmp6", ".ab.json.tmp7", // glob characters in the name
	} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	SweepTemps(filepath.Join(dir, "x.json"))
	SweepTemps(filepath.Join(dir, "a[1]*.json"))
	want := []string{".a1.json.tmp6", ".ab.json.tmp7", ".x.jsonl.tmp9", ".y.json.tmp1", "a[1]*.json", "x.json", "x.jsonl"}
	if n := names(t, dir); !reflect.DeepEqual(n, want) {
		t.Errorf("after SweepTemps: %q, want %q", n, want)
	}
}

func TestLockFree(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	calls := 0
	unlock, err := Lock(context.Background(), path, func() { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	if calls != 0 {
		t.Errorf("waiting called %d times for a free lock", calls)
	}
	if m := perm(t, path); m&0o077 != 0 {
		t.Errorf("lock file mode %04o, want no access for others", m)
	}
	unlock()
	// Released: it can be taken again at once.
	unlock, err = Lock(context.Background(), path, func() { calls++ })
	if err != nil || calls != 0 {
		t.Fatalf("relock: %v, waiting called %d times", err, calls)
	}
	unlock()
}

func TestLockTimeout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	unlock, err := Lock(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	t.Run("deadline", func(t *testing.T) {
		calls := 0
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := Lock(ctx, path, func() { calls++ })
		if !errors.Is(err, ErrLockTimeout) {
			t.Fatalf("err = %v, want ErrLockTimeout", err)
		}
		if d := time.Since(start); d < 100*time.Millisecond || d > 30*time.Second {
			t.Errorf("gave up after %v, want about the 150ms deadline", d)
		}
		if calls != 1 {
			t.Errorf("waiting called %d times, want 1", calls)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		calls := 0
		_, err := Lock(ctx, path, func() { calls++ })
		if !errors.Is(err, ErrLockTimeout) || calls != 1 {
			t.Errorf("err = %v, waiting called %d times; want ErrLockTimeout and 1", err, calls)
		}
	})
	t.Run("nil waiting", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Millisecond)
		defer cancel()
		if _, err := Lock(ctx, path, nil); !errors.Is(err, ErrLockTimeout) {
			t.Errorf("err = %v, want ErrLockTimeout", err)
		}
	})
}

// TestLockContended: a waiter is told once that it waits, then gets the
// lock when the holder releases it, not before.
func TestLockContended(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	unlock, err := Lock(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	var released time.Time
	var mu sync.Mutex
	go func() {
		time.Sleep(200 * time.Millisecond)
		mu.Lock()
		released = time.Now()
		mu.Unlock()
		unlock()
	}()
	calls := 0
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	unlock2, err := Lock(ctx, path, func() { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	got := time.Now()
	unlock2()
	mu.Lock()
	defer mu.Unlock()
	if released.IsZero() || got.Before(released) {
		t.Errorf("got the lock at %v, holder released it at %v", got, released)
	}
	if calls != 1 {
		t.Errorf("waiting called %d times, want 1", calls)
	}
}

func TestLockBadPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "x.lock")
	_, err := Lock(context.Background(), path, nil)
	if err == nil || errors.Is(err, ErrLockTimeout) || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v, want an error naming %s that is not a timeout", err, path)
	}
}

// SweepOldTemps leaves a temporary file a writer may still be at.
func TestSweepOldTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ix")
	old, fresh, other := filepath.Join(dir, ".ix.tmp1"), filepath.Join(dir, ".ix.tmp2"), filepath.Join(dir, ".iy.tmp1")
	for _, p := range []string{old, fresh, other} {
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-time.Hour)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(other, long, long)
	SweepOldTemps(path, time.Minute)
	for p, want := range map[string]bool{old: false, fresh: true, other: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", p, err == nil, want)
		}
	}
}

// EditFile serialises edits of one file under its lock: no increment is
// lost between processes' (here goroutines') read and write, and a failed
// edit writes nothing.
func TestEditFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "counter")
	incr := func() error {
		return EditFile(context.Background(), "counter file", path, func() ([]byte, os.FileMode, error) {
			b, err := os.ReadFile(path)
			if err != nil && !os.IsNotExist(err) {
				return nil, 0, err
			}
			n, _ := strconv.Atoi(string(b))
			return []byte(strconv.Itoa(n + 1)), 0o600, nil
		})
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 25 {
				if err := incr(); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if b, _ := os.ReadFile(path); string(b) != "100" {
		t.Errorf("counter = %q, want 100", b)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(path), ".counter.lock")); err != nil {
		t.Errorf("the lock is not beside the file as LockPath names it: %v", err)
	}
	boom := errors.New("boom")
	err := EditFile(context.Background(), "counter file", path, func() ([]byte, os.FileMode, error) { return []byte("x"), 0o600, boom })
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want the edit's", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "100" {
		t.Errorf("a failed edit wrote %q", b)
	}
}
