package creds

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/xerr"
)

// countingProvider hands out numbered session credentials.
type countingProvider struct {
	mu    sync.Mutex
	calls int
	life  time.Duration
	err   error
}

func (p *countingProvider) Retrieve(context.Context) (aws.Credentials, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if p.err != nil {
		return aws.Credentials{}, p.err
	}
	return aws.Credentials{AccessKeyID: "ASIATEST" + strings.Repeat("X", p.calls), SecretAccessKey: "secret-secret-secret",
		SessionToken: "token", CanExpire: true, Expires: time.Now().Add(p.life)}, nil
}

func (p *countingProvider) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls
}

func newCached(t *testing.T, inner aws.CredentialsProvider) (*Cached, *[]string) {
	t.Helper()
	var warnings []string
	store := &cache.Store{Dir: filepath.Join(t.TempDir(), "cache")}
	return &Cached{Store: store, Key: cache.AccountSession("work"), Inner: inner, MinTTL: 5 * time.Minute,
		Template: cache.Entry{Account: "work", Kind: "session"},
		Warn:     func(s string) { warnings = append(warnings, s) }}, &warnings
}

func TestCachedMissThenHit(t *testing.T) {
	inner := &countingProvider{life: time.Hour}
	c, warnings := newCached(t, inner)
	first, err := c.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if e, hit := c.Last(); hit || e == nil || e.Account != "work" || e.Kind != "session" {
		t.Errorf("miss: Last() = %+v, %v", e, hit)
	}
	second, err := c.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, hit := c.Last(); !hit {
		t.Error("second Retrieve was not a cache hit")
	}
	if inner.count() != 1 || first.AccessKeyID != second.AccessKeyID || !second.CanExpire {
		t.Errorf("inner called %d times; %q then %q", inner.count(), first.AccessKeyID, second.AccessKeyID)
	}
	// A second decorator over the same store (another process) sees it too.
	other := &Cached{Store: c.Store, Key: c.Key, MinTTL: c.MinTTL, Inner: &countingProvider{err: errors.New("must not be called")}}
	if _, err := other.Retrieve(context.Background()); err != nil {
		t.Errorf("another process missed the entry: %v", err)
	}
	if len(*warnings) != 0 {
		t.Errorf("warnings: %q", *warnings)
	}
}

func TestCachedRefreshes(t *testing.T) {
	tests := []struct {
		name  string
		setup func(c *Cached)
	}{
		{"force", func(c *Cached) { c.Force = true }},
		{"not accepted", func(c *Cached) { c.Accept = func(*cache.Entry) bool { return false } }},
		{"inside the margin", func(c *Cached) { c.MinTTL = 2 * time.Hour; c.Inner.(*countingProvider).life = 3 * time.Hour }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inner := &countingProvider{life: time.Hour}
			c, _ := newCached(t, inner)
			if _, err := c.Retrieve(context.Background()); err != nil {
				t.Fatal(err)
			}
			tt.setup(c)
			cr, err := c.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if _, hit := c.Last(); hit || inner.count() != 2 || cr.AccessKeyID != "ASIATESTXX" {
				t.Errorf("hit=%v calls=%d key=%s: the entry was not refreshed", hit, inner.count(), cr.AccessKeyID)
			}
			if e := c.Store.Get(c.Key); e == nil || e.Credentials.AccessKeyID != "ASIATESTXX" {
				t.Errorf("refreshed entry not written: %+v", e)
			}
		})
	}
}

func TestCachedOnlyCached(t *testing.T) {
	inner := &countingProvider{life: time.Hour}
	c, _ := newCached(t, inner)
	c.OnlyCached = true
	if _, err := c.Retrieve(context.Background()); !errors.Is(err, ErrNotCached) {
		t.Errorf("miss: %v, want ErrNotCached", err)
	}
	if inner.count() != 0 {
		t.Error("OnlyCached called the inner provider")
	}
}

// The lock path: a process that finds the entry missing waits for the one
// refreshing it, then takes its entry instead of calling STS again.
func TestCachedWaitsForLockHolder(t *testing.T) {
	inner := &countingProvider{life: time.Hour}
	c, _ := newCached(t, inner)
	unlock, err := c.Store.Lock(context.Background(), c.Key, nil)
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan struct{})
	c.Waiting = func() { close(waiting) }
	done := make(chan error)
	go func() {
		_, err := c.Retrieve(context.Background())
		done <- err
	}()
	select {
	case <-waiting:
	case <-time.After(30 * time.Second):
		t.Fatal("Retrieve did not wait for the lock")
	}
	// The lock holder (another process) writes the fresh entry, then unlocks.
	e := &cache.Entry{Account: "work", Kind: "session", Credentials: cache.Credentials{AccessKeyID: "ASIAOTHERPROCESS",
		SecretAccessKey: "secret-secret-secret", SessionToken: "token", Expiration: time.Now().Add(time.Hour)}}
	if err := c.Store.Put(c.Key, e); err != nil {
		t.Fatal(err)
	}
	unlock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if e, hit := c.Last(); inner.count() != 0 || !hit || e.Credentials.AccessKeyID != "ASIAOTHERPROCESS" {
		t.Errorf("inner called %d times, hit %v: the lock holder's entry was not taken", inner.count(), hit)
	}
}

func TestCachedLockTimeout(t *testing.T) {
	inner := &countingProvider{life: time.Hour}
	c, _ := newCached(t, inner)
	unlock, err := c.Store.Lock(context.Background(), c.Key, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	c.LockWait = 200 * time.Millisecond
	_, err = c.Retrieve(context.Background())
	if err == nil || !strings.Contains(err.Error(), "held the cache lock") {
		t.Errorf("err = %v", err)
	}
	if inner.count() != 0 {
		t.Error("called STS without the lock")
	}
}

func TestCachedInnerFailureWritesNothing(t *testing.T) {
	inner := &countingProvider{err: errors.New("sts said no")}
	c, _ := newCached(t, inner)
	if _, err := c.Retrieve(context.Background()); err == nil || err.Error() != "sts said no" {
		t.Errorf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(c.Store.Dir, "work.json")); !os.IsNotExist(err) {
		t.Errorf("an entry was written after a failure: %v", err)
	}
}

// New credentials that are already inside the margin are used, not cached:
// they would be a miss for the next run and replace a good entry.
func TestCachedNotWritingInsideMargin(t *testing.T) {
	inner := &countingProvider{life: time.Hour}
	c, warnings := newCached(t, inner)
	c.MinTTL = 2 * time.Hour
	cr, err := c.Retrieve(context.Background())
	if err != nil || cr.AccessKeyID == "" {
		t.Fatalf("Retrieve = %v, %v", cr.AccessKeyID, err)
	}
	if e := c.Store.Get(c.Key); e != nil {
		t.Errorf("an entry inside the margin was written: %+v", e)
	}
	if !strings.Contains(strings.Join(*warnings, "\n"), "inside the --min-ttl margin") {
		t.Errorf("warnings = %q", *warnings)
	}
}

// A cache that cannot be written warns; the credentials are still used.
func TestCachedWriteFailureWarns(t *testing.T) {
	inner := &countingProvider{life: time.Hour}
	c, warnings := newCached(t, inner)
	if err := os.MkdirAll(filepath.Join(c.Store.Dir, "work.json"), 0o700); err != nil {
		t.Fatal(err)
	}
	cr, err := c.Retrieve(context.Background())
	if err != nil || cr.AccessKeyID == "" {
		t.Fatalf("Retrieve = %v, %v", cr.AccessKeyID, err)
	}
	if !strings.Contains(strings.Join(*warnings, "\n"), "used but not cached") {
		t.Errorf("warnings = %q", *warnings)
	}
}

// An entry inside the margin, not expired, is renewed where a person is
// here to give a code; where none is (Inner needs a person, or the step is
// OnlyCached), it is used until it expires, with a warning that names the
// command to run. Any other failure, an expired entry or --force fails.
func TestCachedInsideMarginWithoutPerson(t *testing.T) {
	person := xerr.New(xerr.NeedsPerson, errors.New("an mfa code is needed"), "run ec2mfa")
	// setup caches an hour's session, then moves the clock to when left
	// of it is left.
	setup := func(t *testing.T, left time.Duration, err error) (*Cached, *countingProvider, *[]string) {
		inner := &countingProvider{life: time.Hour}
		c, warnings := newCached(t, inner)
		c.Renew, c.What = "ec2mfa (awsenv mfa --account work)", "the mfa session of work"
		if _, e := c.Retrieve(context.Background()); e != nil {
			t.Fatal(e)
		}
		c.Now = func() time.Time { return time.Now().Add(time.Hour - left) }
		inner.err, inner.life = err, 3*time.Hour
		*warnings = nil
		return c, inner, warnings
	}
	t.Run("no person: used, with a warning", func(t *testing.T) {
		c, inner, warnings := setup(t, 4*time.Minute, person)
		cr, err := c.Retrieve(context.Background())
		if err != nil || cr.AccessKeyID != "ASIATESTX" || inner.count() != 2 {
			t.Fatalf("got %v %v after %d calls", cr.AccessKeyID, err, inner.count())
		}
		if len(*warnings) != 1 || !strings.HasPrefix((*warnings)[0], "warning: the mfa session of work expires in ") ||
			!strings.HasSuffix((*warnings)[0], ", inside the --min-ttl margin of 5m0s: using it until then; run ec2mfa (awsenv mfa --account work) for a new one") {
			t.Errorf("warnings %q", *warnings)
		}
	})
	t.Run("only cached: used, with a warning, without asking", func(t *testing.T) {
		c, inner, warnings := setup(t, 4*time.Minute, nil)
		c.OnlyCached = true
		if _, err := c.Retrieve(context.Background()); err != nil || inner.count() != 1 || len(*warnings) != 1 {
			t.Errorf("err %v, calls %d, warnings %q", err, inner.count(), *warnings)
		}
	})
	t.Run("a person here: renewed", func(t *testing.T) {
		c, _, warnings := setup(t, 4*time.Minute, nil)
		cr, err := c.Retrieve(context.Background())
		if err != nil || cr.AccessKeyID != "ASIATESTXX" || len(*warnings) != 0 {
			t.Errorf("got %v %v, warnings %q", cr.AccessKeyID, err, *warnings)
		}
	})
	t.Run("a step below found nothing cached: used, with a warning", func(t *testing.T) {
		c, _, warnings := setup(t, 4*time.Minute, ErrNotCached)
		if _, err := c.Retrieve(context.Background()); err != nil || len(*warnings) != 1 {
			t.Errorf("err %v, warnings %q", err, *warnings)
		}
	})
	t.Run("another failure is not hidden", func(t *testing.T) {
		c, _, _ := setup(t, 4*time.Minute, errors.New("sts refused"))
		if _, err := c.Retrieve(context.Background()); err == nil || err.Error() != "sts refused" {
			t.Errorf("err %v", err)
		}
	})
	t.Run("forced: not used", func(t *testing.T) {
		c, _, _ := setup(t, 4*time.Minute, person)
		c.Force = true
		if _, err := c.Retrieve(context.Background()); err != person {
			t.Errorf("err %v", err)
		}
	})
	t.Run("expired: a person is needed", func(t *testing.T) {
		c, _, _ := setup(t, -time.Minute, person)
		if _, err := c.Retrieve(context.Background()); err != person {
			t.Errorf("err %v", err)
		}
		c.OnlyCached = true
		if _, err := c.Retrieve(context.Background()); !errors.Is(err, ErrNotCached) {
			t.Errorf("only cached: err %v", err)
		}
	})
}
