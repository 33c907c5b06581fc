package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testSecret = "SECRETwJalrXUtnFEMIK7MDENGbPxRfiCY"
	testToken  = "TOKENIQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJH"
)

var testExp = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func newEntry(exp time.Time) *Entry {
	return &Entry{
		Account:   "work",
		Kind:      "session",
		MFASerial: "arn:aws:iam::123456789012:mfa/alice",
		Created:   exp.Add(-12 * time.Hour),
		Credentials: Credentials{
			AccessKeyID:     "ASIAIOSFODNN7EXAMPLE",
			SecretAccessKey: testSecret,
			SessionToken:    testToken,
			Expiration:      exp,
		},
	}
}

// warnings collects what a Store warns about.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) add(s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, s)
}

func (w *warnings) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := w.msgs
	w.msgs = nil
	return m
}

func newStore(t *testing.T) (*Store, *warnings) {
	t.Helper()
	w := &warnings{}
	return &Store{Dir: filepath.Join(t.TempDir(), "cache"), Warn: w.add}, w
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func sameEntry(a, b *Entry) bool {
	return a.Version == b.Version && a.Account == b.Account && a.Kind == b.Kind && a.Role == b.Role &&
		a.ARN == b.ARN && a.MFASerial == b.MFASerial && a.Created.Equal(b.Created) &&
		a.Credentials.AccessKeyID == b.Credentials.AccessKeyID &&
		a.Credentials.SecretAccessKey == b.Credentials.SecretAccessKey &&
		a.Credentials.SessionToken == b.Credentials.SessionToken &&
		a.Credentials.Expiration.Equal(b.Credentials.Expiration)
}

func TestPutGet(t *testing.T) {
	s, w := newStore(t)
	s.Dir = filepath.Join(s.Dir, "nested", "deeper")
	if e := s.Get(stem("work")); e != nil {
		t.Fatalf("Get before Put = %+v", e)
	}
	in := newEntry(testExp)
	in.Kind, in.Role, in.ARN = "role", "admin", "arn:aws:sts::123456789012:assumed-role/admin/alice"
	if err := s.Put(stem("work"), in); err != nil {
		t.Fatal(err)
	}
	if in.Version != Version {
		t.Errorf("Put left Version %d, want %d", in.Version, Version)
	}
	got := s.Get(stem("work"))
	if got == nil {
		t.Fatal("Get after Put = nil")
	}
	if !sameEntry(got, in) {
		t.Errorf("round trip:\n got %+v\nwant %+v", *got, *in)
	}
	if m := mode(t, filepath.Join(s.Dir, "work.json")); m != 0o600 {
		t.Errorf("entry mode %04o, want 0600", m)
	}
	if m := mode(t, s.Dir); m != 0o700 {
		t.Errorf("directory mode %04o, want 0700", m)
	}
	if names := dirNames(t, s.Dir); !reflect.DeepEqual(names, []string{"work.json"}) {
		t.Errorf("directory holds %q, want only work.json", names)
	}

	// Replacing keeps one file and returns the new content.
	in2 := newEntry(testExp.Add(time.Hour))
	in2.Credentials.SessionToken = "second-token"
	if err := s.Put(stem("work"), in2); err != nil {
		t.Fatal(err)
	}
	if got := s.Get(stem("work")); got == nil || got.Credentials.SessionToken != "second-token" || !got.Credentials.Expiration.Equal(in2.Credentials.Expiration) {
		t.Errorf("after replace: %+v", got)
	}
	if names := dirNames(t, s.Dir); !reflect.DeepEqual(names, []string{"work.json"}) {
		t.Errorf("directory holds %q after replace", names)
	}
	if m := w.take(); len(m) != 0 {
		t.Errorf("warnings: %q", m)
	}
}

func TestPutRefusesIncomplete(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Entry)
	}{
		{"no access key", func(e *Entry) { e.Credentials.AccessKeyID = "" }},
		{"no secret", func(e *Entry) { e.Credentials.SecretAccessKey = "" }},
		{"no token", func(e *Entry) { e.Credentials.SessionToken = "" }},
		{"no expiration", func(e *Entry) { e.Credentials.Expiration = time.Time{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newStore(t)
			e := newEntry(testExp)
			tt.edit(e)
			err := s.Put(stem("work"), e)
			if err == nil || !strings.Contains(err.Error(), "refusing to cache") {
				t.Fatalf("Put = %v, want a refusal", err)
			}
			if strings.Contains(err.Error(), testSecret) || strings.Contains(err.Error(), testToken) {
				t.Errorf("error %q holds a secret", err)
			}
			if _, err := os.Stat(filepath.Join(s.Dir, "work.json")); err == nil {
				t.Error("an entry file was written")
			}
		})
	}
}

// TestDirTightened: an existing cache directory that others can read is
// made 0700 before anything is written into it or locked in it.
func TestDirTightened(t *testing.T) {
	for _, op := range []string{"Put", "Lock"} {
		t.Run(op, func(t *testing.T) {
			s, _ := newStore(t)
			if err := os.Mkdir(s.Dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(s.Dir, 0o755); err != nil {
				t.Fatal(err)
			}
			switch op {
			case "Put":
				if err := s.Put(stem("work"), newEntry(testExp)); err != nil {
					t.Fatal(err)
				}
			case "Lock":
				unlock, err := s.Lock(context.Background(), stem("work"), nil)
				if err != nil {
					t.Fatal(err)
				}
				unlock()
			}
			if m := mode(t, s.Dir); m != 0o700 {
				t.Errorf("directory mode %04o after %s, want 0700", m, op)
			}
		})
	}
}

// TestGetCorrupt: anything but a good entry is a miss with exactly one
// warning that names the file, and no secret is ever echoed.
func TestGetCorrupt(t *testing.T) {
	good := func(edit func(m map[string]any)) string {
		m := map[string]any{
			"Version": 1, "Account": "work", "Kind": "session", "Created": "2030-01-01T15:04:05Z",
			"Credentials": map[string]any{
				"AccessKeyId": "ASIAIOSFODNN7EXAMPLE", "SecretAccessKey": testSecret,
				"SessionToken": testToken, "Expiration": "2030-01-02T03:04:05Z",
			},
		}
		edit(m)
		return jsonString(t, m)
	}
	creds := func(m map[string]any) map[string]any { return m["Credentials"].(map[string]any) }
	tests := []struct {
		name    string
		content string
		want    string // substring of the warning
	}{
		{"truncated", good(func(map[string]any) {})[:60], "not valid JSON"},
		{"empty", "", "not valid JSON"},
		{"binary", "\x00\x01\xff\xfe" + testSecret, "not valid JSON"},
		{"array", "[1, 2]", "not valid JSON"},
		{"expiration not a time", good(func(m map[string]any) { creds(m)["Expiration"] = "tomorrow" }), "not valid JSON"},
		{"wrong version", good(func(m map[string]any) { m["Version"] = 2 }), "unknown format version 2"},
		{"no version", good(func(m map[string]any) { delete(m, "Version") }), "unknown format version 0"},
		{"no token", good(func(m map[string]any) { delete(creds(m), "SessionToken") }), "incomplete"},
		{"no secret", good(func(m map[string]any) { creds(m)["SecretAccessKey"] = "" }), "incomplete"},
		{"no key id", good(func(m map[string]any) { delete(creds(m), "AccessKeyId") }), "incomplete"},
		{"no credentials", good(func(m map[string]any) { delete(m, "Credentials") }), "incomplete"},
		{"no expiration", good(func(m map[string]any) { delete(creds(m), "Expiration") }), "no expiration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, w := newStore(t)
			if err := os.MkdirAll(s.Dir, 0o700); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(s.Dir, "work.json")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if e := s.Get(stem("work")); e != nil {
				t.Fatalf("Get returned a corrupt entry: %+v", *e)
			}
			msgs := w.take()
			if len(msgs) != 1 {
				t.Fatalf("got %d warnings %q, want exactly 1", len(msgs), msgs)
			}
			if !strings.Contains(msgs[0], path) || !strings.Contains(msgs[0], tt.want) {
				t.Errorf("warning %q does not name %s and %q", msgs[0], path, tt.want)
			}
			if strings.Contains(msgs[0], testSecret) || strings.Contains(msgs[0], testToken) || strings.Contains(msgs[0], "\n") {
				t.Errorf("warning %q holds a secret or a newline", msgs[0])
			}
			// The next Put replaces the corrupt entry.
			if err := s.Put(stem("work"), newEntry(testExp)); err != nil {
				t.Fatal(err)
			}
			if e := s.Get(stem("work")); e == nil || e.Credentials.SessionToken != testToken {
				t.Errorf("after Put: %+v", e)
			}
			if msgs := w.take(); len(msgs) != 0 {
				t.Errorf("warnings after Put: %q", msgs)
			}
		})
	}
}

func jsonString(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestGetNotARegularFile: a directory, a symlink or a FIFO where an entry
// should be is a miss with one warning, and Get does not hang on a FIFO.
func TestGetNotARegularFile(t *testing.T) {
	tests := []struct {
		name string
		make func(t *testing.T, s *Store, path string)
	}{
		{"directory", func(t *testing.T, _ *Store, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}},
		{"symlink to a good entry", func(t *testing.T, _ *Store, path string) {
			other := &Store{Dir: filepath.Join(t.TempDir(), "elsewhere")}
			if err := other.Put(stem("work"), newEntry(testExp)); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Join(other.Dir, "work.json"), path); err != nil {
				t.Fatal(err)
			}
		}},
		{"fifo", makeFIFO},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, w := newStore(t)
			if err := os.MkdirAll(s.Dir, 0o700); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(s.Dir, "work.json")
			tt.make(t, s, path)
			done := make(chan *Entry, 1)
			go func() { done <- s.Get(stem("work")) }()
			select {
			case e := <-done:
				if e != nil {
					t.Fatalf("Get returned %+v", *e)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("Get hangs")
			}
			msgs := w.take()
			if len(msgs) != 1 || !strings.Contains(msgs[0], path) {
				t.Errorf("warnings %q, want one naming %s", msgs, path)
			}
		})
	}
}

func TestValidRemaining(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name          string
		exp           time.Time
		margin        time.Duration
		wantRemaining time.Duration
		wantValid     bool
	}{
		{"plenty left", now.Add(time.Hour), 5 * time.Minute, time.Hour, true},
		{"exactly the margin", now.Add(5 * time.Minute), 5 * time.Minute, 5 * time.Minute, false},
		{"just over the margin", now.Add(5*time.Minute + time.Nanosecond), 5 * time.Minute, 5*time.Minute + time.Nanosecond, true},
		{"inside the margin", now.Add(4 * time.Minute), 5 * time.Minute, 4 * time.Minute, false},
		{"no margin", now.Add(time.Second), 0, time.Second, true},
		{"expires now", now, 0, 0, false},
		{"expired", now.Add(-time.Hour), 0, -time.Hour, false},
		{"other zone", now.In(time.FixedZone("X", 5*3600)).Add(10 * time.Minute), 5 * time.Minute, 10 * time.Minute, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEntry(tt.exp)
			if got := e.Remaining(now); got != tt.wantRemaining {
				t.Errorf("Remaining = %v, want %v", got, tt.wantRemaining)
			}
			if got := e.Valid(now, tt.margin); got != tt.wantValid {
				t.Errorf("Valid(margin %v) = %v, want %v", tt.margin, got, tt.wantValid)
			}
		})
	}
}

func TestKeyEscaping(t *testing.T) {
	tests := []struct {
		parts []string
		want  string
	}{
		{[]string{"work"}, "work"},
		{[]string{"Work-2.eu_x@y+z"}, "Work-2.eu_x@y+z"},
		{[]string{"work", "role", "admin"}, "work,role,admin"},
		{[]string{"a/b"}, "a%2Fb"},
		{[]string{".."}, "%2E."},
		{[]string{"../../etc/passwd"}, "%2E.%2F..%2Fetc%2Fpasswd"},
		{[]string{".hidden"}, "%2Ehidden"},
		{[]string{"-x"}, "%2Dx"},
		{[]string{"a,b"}, "a%2Cb"},
		{[]string{"a%2Cb"}, "a%252Cb"},
		{[]string{"a b"}, "a%20b"},
		{[]string{"ü"}, "%C3%BC"},
		{[]string{"a\x00"}, "a%00"},
		{[]string{"work", "role", "arn:aws:iam::1:role/x", "alice"}, "work,role,arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fx,alice"},
		{[]string{"work", ""}, "work,"},
		{[]string{"work", ".", ".."}, "work,%2E,%2E."},
	}
	for _, tt := range tests {
		if got := fileName(tt.parts...); got != tt.want {
			t.Errorf("fileName(%q) = %q, want %q", tt.parts, got, tt.want)
		}
	}
}

// keyRE is every character Key may produce: nothing a shell, a path or a
// file system treats specially.
// keyRE: what Key may emit; "#" only marks a hashed owner or tail.
var keyRE = regexp.MustCompile(`^([A-Za-z0-9_@+.%,-]*|[A-Za-z0-9_@+.%-]*#[0-9a-f]{64})(,#[0-9a-f]{64})?$`)

func checkKeyShape(t *testing.T, parts []string, k string) {
	t.Helper()
	if strings.ContainsRune(k, '/') || strings.HasPrefix(k, ".") || !keyRE.MatchString(k) {
		t.Fatalf("fileName(%q) = %q: unsafe as a file name", parts, k)
	}
	if filepath.Base(k+".json") != k+".json" || filepath.Clean(k+".json") != k+".json" {
		t.Fatalf("fileName(%q) = %q is not a plain file name", parts, k)
	}
}

// keyInputs are part lists that differ in ways an escaping scheme could
// confuse: separators inside parts, escapes that look like escapes, empty
// parts, dots, case, non-ASCII.
var keyInputs = [][]string{
	{"a"}, {"A"}, {"a", ""}, {"", "a"}, {"", ""}, {"a", "", ""}, {","}, {"a,"}, {"a", "b"}, {"a,b"},
	{"a", "b,c"}, {"a,b", "c"}, {"a", "b", "c"}, {"a%2Cb"}, {"a%2Cb", "c"}, {"a%b"}, {"a%25b"},
	{"."}, {".."}, {"%2E"}, {"%2E."}, {".a"}, {"a."}, {"-a"}, {"a-"}, {"%2Da"},
	{"a/b"}, {"a%2Fb"}, {"a\\b"}, {"a b"}, {"a%20b"}, {"a\x00b"}, {"a\x00", "b"}, {"a", "\x00b"},
	{"ü"}, {"%C3%BC"}, {"u"}, {"work", "role", "admin"}, {"work", "role,admin"}, {"work,role", "admin"},
	{"work", "role", "admin", "alice"}, {"work", "role", "admin,alice"}, {"work-role-admin"},
	{"work", "role", "arn:aws:iam::1:role/x", "s"}, {"work", "role", "arn:aws:iam::1:role/y", "s"},
}

func TestKeyDistinctAndSafe(t *testing.T) {
	seen := map[string][]string{}
	for _, parts := range keyInputs {
		k := fileName(parts...)
		if len(k) > 0 {
			checkKeyShape(t, parts, k)
		}
		if prev, dup := seen[k]; dup {
			t.Errorf("fileName(%q) = fileName(%q) = %q", parts, prev, k)
		}
		seen[k] = parts
	}
}

// TestKeyValidAccountNames: a valid account name is its own key, so
// entries keep their plain file names (work.json).
func TestKeyValidAccountNames(t *testing.T) {
	for _, name := range []string{"work", "Work-2", "a.b", "a_b", "dev@corp", "x+y", strings.Repeat("n", 64)} {
		if got := fileName(name); got != name {
			t.Errorf("fileName(%q) = %q", name, got)
		}
	}
}

// TestKeyLong: a long role ARN still gives a short, safe key of the account.
func TestKeyLong(t *testing.T) {
	long1 := "arn:aws:iam::123456789012:role/" + strings.Repeat("p/", 100) + "Admin"
	long2 := "arn:aws:iam::123456789012:role/" + strings.Repeat("p/", 100) + "Audit"
	k1 := fileName("work", "role", long1, "alice")
	k2 := fileName("work", "role", long2, "alice")
	k3 := fileName("work", "role", long1, "bob")
	for _, k := range []string{k1, k2, k3} {
		checkKeyShape(t, nil, k)
		// KEY.json, KEY.lock and .KEY.json.tmpNNNNNNNNNN must fit in 255 bytes.
		if len(k)+len(".json.tmp")+1+20 > 255 {
			t.Errorf("key %q is too long for a file name (%d bytes)", k, len(k))
		}
		if pk, ok := ParseKey(k); !ok || pk.Name != "work" || pk.Scope != ScopeAccount {
			t.Errorf("ParseKey(%q) = %+v, %v: want account work", k, pk, ok)
		}
	}
	if k1 == k2 || k1 == k3 || k2 == k3 {
		t.Errorf("long keys collide: %q %q %q", k1, k2, k3)
	}
	if fileName("work", "role", long1, "alice") != k1 {
		t.Error("Key is not deterministic")
	}
	// A long key must work as a file name.
	s, w := newStore(t)
	if err := s.Put(stem(k1), newEntry(testExp)); err != nil {
		t.Fatal(err)
	}
	if s.Get(stem(k1)) == nil || s.Get(stem(k2)) != nil {
		t.Error("long keys do not address their own entries")
	}
	if m := w.take(); len(m) != 0 {
		t.Errorf("warnings: %q", m)
	}
}

func FuzzFileName(f *testing.F) {
	f.Add("work", "role", "work", "role")
	f.Add("a,b", "c", "a", "b,c")
	f.Add("..", "/", "%2E.", "%2F")
	f.Add("", "", "", ",")
	f.Add(".a", "-b", "%2Ea", "%2Db")
	f.Add("work", strings.Repeat("x", 200), "work", strings.Repeat("x", 199))
	f.Fuzz(func(t *testing.T, a, b, c, d string) {
		k1, k2 := fileName(a, b), fileName(c, d)
		checkKeyShape(t, []string{a, b}, k1)
		checkKeyShape(t, []string{c, d}, k2)
		if (a != c || b != d) && k1 == k2 {
			t.Fatalf("fileName(%q, %q) = fileName(%q, %q) = %q", a, b, c, d, k1)
		}
		if (a != c) == (fileName(a) == fileName(c)) {
			t.Fatalf("fileName(%q) = %q, fileName(%q) = %q", a, fileName(a), c, fileName(c))
		}
	})
}

func TestDeleteAndKeys(t *testing.T) {
	s, w := newStore(t)
	if keys := s.Keys(); keys != nil {
		t.Errorf("Keys of a missing directory = %q", keys)
	}
	for _, k := range []string{"b", "a", fileName("a", "role", "x", "s"), fileName("a/b")} {
		if err := s.Put(stem(k), newEntry(testExp)); err != nil {
			t.Fatal(err)
		}
	}
	unlock, err := s.Lock(context.Background(), stem("a"), nil)
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	// Files that are not entries.
	for _, n := range []string{".a.json.tmp123", "notes.txt", ".hidden.json", "b.json~"} {
		if err := os.WriteFile(filepath.Join(s.Dir, n), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"a", "a%2Fb", "a,role,x,s", "b"}
	sort.Strings(want)
	if got := stems(s.Keys()); !reflect.DeepEqual(got, want) {
		t.Errorf("Keys = %q, want %q", got, want)
	}

	ok, err := s.Delete(stem("a"))
	if !ok || err != nil {
		t.Fatalf("Delete(a) = %v, %v", ok, err)
	}
	if s.Get(stem("a")) != nil {
		t.Error("entry a still there")
	}
	if s.Get(stem(fileName("a", "role", "x", "s"))) == nil {
		t.Error("Delete(a) removed a's role entry too")
	}
	ok, err = s.Delete(stem("a"))
	if ok || err != nil {
		t.Errorf("second Delete(a) = %v, %v; want false, nil", ok, err)
	}
	ok, err = s.Delete(stem("never"))
	if ok || err != nil {
		t.Errorf("Delete(never) = %v, %v; want false, nil", ok, err)
	}
	want = []string{"a%2Fb", "a,role,x,s", "b"}
	if got := stems(s.Keys()); !reflect.DeepEqual(got, want) {
		t.Errorf("Keys after Delete = %q, want %q", got, want)
	}

	// An entry path that cannot be removed is an error.
	if err := os.MkdirAll(filepath.Join(s.Dir, "stuck.json", "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Delete(stem("stuck")); ok || err == nil {
		t.Errorf("Delete(stuck) = %v, %v; want an error", ok, err)
	}
	if m := w.take(); len(m) != 0 {
		t.Errorf("warnings: %q", m)
	}
}

// TestLockExcludes shows that a second Lock of the same key, in the same
// process, waits until the first is released: flock locks belong to the
// open file description, and each Lock opens the file anew.
func TestLockExcludes(t *testing.T) {
	s, _ := newStore(t)
	unlock1, err := s.Lock(context.Background(), stem("work"), func() { t.Error("waiting called for a free lock") })
	if err != nil {
		t.Fatal(err)
	}
	if m := mode(t, filepath.Join(s.Dir, "work.lock")); m&0o077 != 0 {
		t.Errorf("lock file mode %04o", m)
	}

	// Another key is independent.
	unlockOther, err := s.Lock(context.Background(), stem("other"), func() { t.Error("waiting called for another key") })
	if err != nil {
		t.Fatal(err)
	}
	unlockOther()

	// A short deadline runs out while the lock is held.
	waits := 0
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	start := time.Now()
	_, err = s.Lock(ctx, stem("work"), func() { waits++ })
	cancel()
	if err == nil {
		t.Fatal("second Lock succeeded while the first was held")
	}
	if elapsed := time.Since(start); elapsed < 150*time.Millisecond {
		t.Errorf("second Lock gave up after %v, before its deadline", elapsed)
	}
	if !strings.Contains(err.Error(), `"work"`) || !strings.Contains(err.Error(), "too long") {
		t.Errorf("timeout error %q does not name the key and the cause", err)
	}
	if waits != 1 {
		t.Errorf("waiting called %d times, want 1", waits)
	}

	// A waiter gets the lock only after the holder lets go.
	acquired := make(chan time.Time, 1)
	errc := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		unlock2, err := s.Lock(ctx, stem("work"), nil)
		if err != nil {
			errc <- err
			return
		}
		acquired <- time.Now()
		unlock2()
	}()
	time.Sleep(300 * time.Millisecond)
	select {
	case <-acquired:
		t.Fatal("the waiter got the lock while it was held")
	case err := <-errc:
		t.Fatal(err)
	default:
	}
	released := time.Now()
	unlock1()
	select {
	case at := <-acquired:
		if at.Before(released) {
			t.Errorf("acquired at %v, before the release at %v", at, released)
		}
	case err := <-errc:
		t.Fatal(err)
	case <-time.After(30 * time.Second):
		t.Fatal("the waiter did not get the lock after it was released")
	}
}

// TestConcurrentWriters: 16 writers do read-modify-write under the lock;
// no update is lost and no reader ever sees a torn entry.
func TestConcurrentWriters(t *testing.T) {
	s, w := newStore(t)
	const n = 16
	key := fileName("work", "role", "admin", "alice")
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			unlock, err := s.Lock(ctx, stem(key), nil)
			if err != nil {
				errs <- err
				return
			}
			defer unlock()
			count := 0
			if e := s.Get(stem(key)); e != nil {
				if _, err := fmt.Sscanf(e.Credentials.SessionToken, "token-%d", &count); err != nil {
					errs <- fmt.Errorf("writer %d read %q: %v", i, e.Credentials.SessionToken, err)
					return
				}
			}
			e := newEntry(testExp)
			e.Credentials.SessionToken = fmt.Sprintf("token-%d", count+1)
			e.Role = fmt.Sprint(i)
			if err := s.Put(stem(key), e); err != nil {
				errs <- err
				return
			}
			if got := s.Get(stem(key)); got == nil || got.Credentials.SessionToken != e.Credentials.SessionToken {
				errs <- fmt.Errorf("writer %d did not read back its own entry: %+v", i, got)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	e := s.Get(stem(key))
	if e == nil {
		t.Fatal("no entry after the writers")
	}
	if want := fmt.Sprintf("token-%d", n); e.Credentials.SessionToken != want {
		t.Errorf("final token %q, want %q: an update was lost", e.Credentials.SessionToken, want)
	}
	if m := w.take(); len(m) != 0 {
		t.Errorf("warnings: %q", m)
	}
	for _, name := range dirNames(t, s.Dir) {
		if strings.Contains(name, ".tmp") {
			t.Errorf("temporary file %q left behind", name)
		}
	}
}

func TestKeyHashedNoCollision(t *testing.T) {
	L := strings.Repeat("r", 200)
	if fileName("work", "role", L+"\x00x") == fileName("work", "role\x00"+L, "x") {
		t.Error("parts joined ambiguously before hashing")
	}
	h := fileName("work", L)
	if !strings.Contains(h, ",#") || fileName("work", strings.TrimPrefix(h, "work,")) == h {
		t.Errorf("hashed key %q can be made by a plain key", h)
	}
}

// stem is the key whose file name is s, for tests written in file names.
func stem(s string) Key {
	k, ok := ParseKey(s)
	if !ok {
		panic("no key has the file name " + s)
	}
	return k
}

func stems(keys []Key) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k.String())
	}
	return out
}
