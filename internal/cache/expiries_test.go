package cache

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// settleNow is the shortest settle a Store takes (zero is fsutil.Settle):
// an entry counts as settled as soon as it was written.
const settleNow = time.Nanosecond

// Expiries says what Get says of each listed entry, and nothing of the
// others.
func TestExpiriesAsGet(t *testing.T) {
	s, w := newStore(t)
	keys := map[Key]time.Time{
		AccountSession("work"):                                 testExp,
		AccountSession("prod"):                                 testExp.Add(time.Hour),
		{Scope: ScopeProfile, Name: "dev", Kind: KindOwn}:      testExp.Add(2 * time.Hour),
		{Scope: ScopeProfile, Name: "base", Kind: KindSession}: testExp.Add(3 * time.Hour),
		{Scope: ScopeAccount, Name: "work", Kind: KindRole, Role: "arn:aws:iam::123456789012:role/admin", Sess: "alice"}: testExp,
		{Scope: ScopeProfile, Name: "dev", Kind: KindRole, Role: "arn:aws:iam::123456789012:role/dev", Sess: "alice"}:    testExp,
		{Scope: ScopeProfile, Name: strings.Repeat("long", 80), Kind: KindOwn}:                                           testExp.Add(4 * time.Hour),
	}
	for k, exp := range keys {
		must(t, s.Put(k, newEntry(exp)))
	}
	must(t, os.WriteFile(filepath.Join(s.Dir, "broken.json"), []byte("{"), 0o600))
	for round := range 2 {
		got := s.Expiries(Key.Listed)
		for k, exp := range keys {
			ex, ok := got[k.String()]
			e := ex.Expires
			if k.Listed() != ok || ok && !e.Equal(exp) {
				t.Errorf("round %d: %s: %v %v, want listed %v, %v", round, k, e, ok, k.Listed(), exp)
			}
			if ok && !s.Get(k).Credentials.Expiration.Equal(e) {
				t.Errorf("round %d: %s: Get says %v", round, k, s.Get(k).Credentials.Expiration)
			}
		}
		if len(got) != 6 {
			t.Errorf("round %d: %d entries: %v", round, len(got), got)
		}
		// The broken entry's warning is the caller's to give.
		if b := got["broken"]; !strings.Contains(b.Warning, "broken.json") || !b.Expires.IsZero() {
			t.Errorf("round %d: the broken entry: %+v", round, b)
		}
		if msgs := w.take(); len(msgs) != 0 {
			t.Errorf("round %d: warnings %q", round, msgs)
		}
	}
}

// readRecorded is the summary's record of key, read from its file.
func recorded(t *testing.T, s *Store, key Key) (summaryRecord, bool) {
	t.Helper()
	rec, ok := s.readSummary()[key.String()]
	return rec, ok
}

// forgeSummary rewrites the summary's expiry of key to exp.
func forgeSummary(t *testing.T, s *Store, key Key, exp time.Time) {
	t.Helper()
	recs := s.readSummary()
	rec, ok := recs[key.String()]
	if !ok {
		t.Fatalf("%s is not in the summary", key)
	}
	rec.expires = exp
	recs[key.String()] = rec
	s.writeSummary(recs)
}

// The summary answers for an entry as it was recorded; an entry changed
// since, in place, in the same second, at the same size and with its old
// modification time put back, is read again.
func TestExpiriesSummary(t *testing.T) {
	// Entries settle after an hour: however slow this machine, the entry
	// just written has not settled.
	s := summarised(t, time.Hour)
	key := AccountSession("work")
	must(t, s.Put(key, newEntry(testExp)))

	// Just written: read, not recorded.
	if got := s.Expiries(Key.Listed)[key.String()]; !got.Expires.Equal(testExp) {
		t.Fatalf("expiry %v", got)
	}
	if _, ok := recorded(t, s, key); ok {
		t.Fatal("an entry that has not settled is in the summary")
	}
	// Now entries settle after 50 ms, more than the change time's
	// granularity: the entry, unchanged, settles and is recorded.
	s.settle = 50 * time.Millisecond
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		s.Expiries(Key.Listed)
		if _, ok := recorded(t, s, key); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a settled entry is not in the summary")
		}
	}

	// What the summary says is what Expiries answers while the entry
	// stays as it was: a forged record shows through.
	forged := testExp.Add(time.Minute)
	forgeSummary(t, s, key, forged)
	if got := s.Expiries(Key.Listed)[key.String()]; !got.Expires.Equal(forged) {
		t.Fatalf("expiry %v, want the summary's %v", got, forged)
	}

	// An edit in place, same size, old mtime: read again.
	path := s.path(key)
	before, err := os.Stat(path)
	must(t, err)
	old, err := os.ReadFile(path)
	must(t, err)
	edited := strings.Replace(string(old), "2030-01-02T03:04:05Z", "2030-01-02T03:09:05Z", 1)
	if edited == string(old) || len(edited) != len(old) {
		t.Fatal("the edit does not change the expiry at the same size")
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	must(t, err)
	_, err = f.WriteAt([]byte(edited), 0)
	must(t, err)
	must(t, f.Close())
	must(t, os.Chtimes(path, before.ModTime(), before.ModTime()))
	want := testExp.Add(5 * time.Minute)
	if got := s.Expiries(Key.Listed)[key.String()]; !got.Expires.Equal(want) {
		t.Fatalf("expiry after the edit %v, want %v", got, want)
	}

	// A removed entry leaves the summary.
	_, err = s.Delete(key)
	must(t, err)
	if got := s.Expiries(Key.Listed); len(got) != summaryMin {
		t.Fatalf("after forget: %d entries", len(got))
	}
	if _, ok := recorded(t, s, key); ok {
		t.Error("a removed entry is still in the summary")
	}
}

// A summary that is not ours, or not one, is not read.
func TestExpiriesSummaryUntrusted(t *testing.T) {
	s := summarised(t, 0)
	key := AccountSession("work")
	must(t, s.Put(key, newEntry(testExp)))
	time.Sleep(5 * time.Millisecond)
	s.Expiries(Key.Listed)
	forged := testExp.Add(time.Minute)
	forgeSummary(t, s, key, forged)
	p := s.summaryPath()

	must(t, os.Chmod(p, 0o666)) // writable by others
	if got := s.Expiries(Key.Listed)[key.String()]; !got.Expires.Equal(testExp) {
		t.Errorf("a world-writable summary was read: %v", got)
	}

	forgeSummary(t, s, key, forged)
	data, err := os.ReadFile(p)
	must(t, err)
	for _, bad := range [][]byte{data[:len(data)-1], append(append([]byte{}, data...), 0), []byte("awsenvx0" + string(data[8:])),
		binary.LittleEndian.AppendUint32([]byte(summaryMagic), 1<<30)} {
		must(t, os.WriteFile(p, bad, 0o600))
		if got := s.Expiries(Key.Listed)[key.String()]; !got.Expires.Equal(testExp) {
			t.Errorf("a bad summary was read: %v", got)
		}
	}
	must(t, os.Remove(p))
	must(t, os.Symlink(filepath.Join(t.TempDir(), "elsewhere"), p))
	if got := s.Expiries(Key.Listed)[key.String()]; !got.Expires.Equal(testExp) {
		t.Errorf("through a symlinked summary: %v", got)
	}
}

// An entry that is not a regular file (a FIFO, a directory, a symlink) is
// what Get makes of it: a warning, and no hang.
func TestExpiriesNotRegular(t *testing.T) {
	s, w := newStore(t)
	s.settle = settleNow
	must(t, s.Put(AccountSession("ok"), newEntry(testExp)))
	makeFIFO(t, s, s.path(AccountSession("fifo")))
	must(t, os.Mkdir(s.path(AccountSession("dir")), 0o700))
	must(t, os.Symlink(s.path(AccountSession("ok")), s.path(AccountSession("link"))))
	for range 2 {
		done := make(chan map[string]Expiry)
		go func() { done <- s.Expiries(Key.Listed) }()
		select {
		case got := <-done:
			warned := 0
			for _, e := range got {
				if e.Warning != "" {
					warned++
				}
			}
			if len(got) != 4 || warned != 3 || !got["ok"].Expires.Equal(testExp) {
				t.Errorf("expiries %v", got)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("Expiries hangs")
		}
		if msgs := w.take(); len(msgs) != 0 {
			t.Errorf("warnings %q", msgs)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// summarised is a store with summaryMin entries, enough for Expiries to
// keep a summary, whose entries settle after settle.
func summarised(t *testing.T, settle time.Duration) *Store {
	t.Helper()
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("no change time to read on " + runtime.GOOS)
	}
	s, _ := newStore(t)
	s.settle = cmp.Or(settle, settleNow)
	fill(t, s)
	return s
}

// fill puts summaryMin other entries in the store, enough for Expiries
// to keep a summary.
func fill(t *testing.T, s *Store) {
	t.Helper()
	for i := range summaryMin {
		must(t, s.Put(AccountSession(fmt.Sprintf("other%02d", i)), newEntry(testExp)))
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A summary decodes what it encoded, and anything else is none: never a
// panic or an allocation its bytes do not justify.
func FuzzDecodeSummary(f *testing.F) {
	f.Add(encodeSummary(map[string]summaryRecord{"work": {expires: time.Unix(7, 0)}, "@profile%3Adev": {expires: time.Date(2300, 1, 1, 0, 0, 0, 5, time.UTC)}}))
	f.Add([]byte(summaryMagic + "\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		recs := decodeSummary(b)
		if recs == nil {
			return
		}
		// Records of other stamps than StampOf makes (Exists false) are
		// not written; the rest encodes back to the same bytes, unless a
		// name came twice.
		for n, r := range recs {
			if len(n) > 0xffff || !r.stamp.Exists {
				t.Fatalf("record %q %+v", n, r)
			}
		}
		if again := decodeSummary(encodeSummary(recs)); !reflect.DeepEqual(again, recs) {
			t.Fatalf("%d records do not survive encoding", len(recs))
		}
	})
}

// An expiry past 2262, which UnixNano cannot say, survives the summary.
func TestExpiriesFarFuture(t *testing.T) {
	s := summarised(t, 0)
	key := AccountSession("work")
	far := time.Date(2300, 1, 1, 0, 0, 0, 123, time.UTC)
	must(t, s.Put(key, newEntry(far)))
	time.Sleep(5 * time.Millisecond)
	for round := range 3 {
		if got := s.Expiries(Key.Listed)[key.String()].Expires; !got.Equal(far) {
			t.Errorf("round %d: %v, want %v", round, got, far)
		}
	}
	if _, ok := recorded(t, s, key); !ok {
		t.Error("not in the summary")
	}
}
