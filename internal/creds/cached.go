package creds

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/xerr"
)

// Cached decorates a provider with the on-disk cache, and is itself a
// provider, so chains compose by wrapping: a valid entry is returned without
// calling Inner; otherwise the entry is refreshed under its lock, so that
// concurrent processes make one STS call between them.
type Cached struct {
	Store    *cache.Store
	Key      cache.Key
	Inner    aws.CredentialsProvider
	Template cache.Entry // Account, Kind, Role, MFASerial, Source, Config of new entries
	MinTTL   time.Duration
	Now      func() time.Time
	// Force ignores a valid entry and always asks Inner.
	Force bool
	// Accept, when set, must approve a valid entry too: one made another
	// way than the caller asks for (a longer duration, other source
	// credentials, another configuration) is refreshed.
	Accept func(*cache.Entry) bool
	// OnlyCached makes Retrieve return ErrNotCached instead of calling Inner.
	OnlyCached bool
	// Waiting is called when another process holds the entry's lock.
	Waiting func()
	// LockWait bounds the wait for that lock (default 3 minutes).
	LockWait time.Duration
	// Warn reports a cache write failure; the credentials are still returned.
	Warn func(string)
	// Renew, when set, is what a person runs for new credentials (ec2mfa):
	// an entry inside the MinTTL margin but not expired is then still used,
	// with a warning that says so and names What and Renew, where new
	// credentials need a person who is not here (OnlyCached, or Inner fails
	// with xerr.NeedsPerson). One rule for every command: a code is asked
	// for where one can be, and otherwise what is still valid is used.
	Renew, What string

	mu   sync.Mutex
	last *cache.Entry
	hit  bool
}

// ErrNotCached is what an OnlyCached provider returns on a miss.
var ErrNotCached = errors.New("no valid cached credentials")

func (c *Cached) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Lookup returns the cached entry if it is valid for more than MinTTL and
// accepted. It never calls Inner and never touches the network.
func (c *Cached) Lookup() *cache.Entry {
	e := c.Store.Get(c.Key)
	if e == nil || !e.Valid(c.now(), c.MinTTL) || (c.Accept != nil && !c.Accept(e)) {
		return nil
	}
	return e
}

// Retrieve returns valid credentials: from the cache, or from Inner under
// the entry's lock, written back for the next caller.
func (c *Cached) Retrieve(ctx context.Context) (aws.Credentials, error) {
	e, hit, err := c.get(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	c.mu.Lock()
	c.last, c.hit = e, hit
	c.mu.Unlock()
	return FromEntry(e), nil
}

// Last is the entry the last successful Retrieve returned, and whether it
// came from the cache.
func (c *Cached) Last() (e *cache.Entry, hit bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last, c.hit
}

// lastValid is the accepted entry while it has not expired at all, for
// when no new one can be made (see Renew); nil without Renew or Force.
func (c *Cached) lastValid() *cache.Entry {
	if c.Renew == "" || c.Force {
		return nil
	}
	e := c.Store.Get(c.Key)
	if e == nil || !e.Valid(c.now(), 0) || (c.Accept != nil && !c.Accept(e)) {
		return nil
	}
	return e
}

// usingLast warns that e, inside the margin, is used since no person is
// here to renew it.
func (c *Cached) usingLast(e *cache.Entry) {
	if c.Warn != nil {
		c.Warn(fmt.Sprintf("warning: %s expires in %s, inside the --min-ttl margin of %s: using it until then; run %s for a new one",
			c.What, left(e.Remaining(c.now())), c.MinTTL, c.Renew))
	}
}

func (c *Cached) get(ctx context.Context) (*cache.Entry, bool, error) {
	if e := c.Lookup(); e != nil && !c.Force {
		return e, true, nil
	}
	if c.OnlyCached {
		if e := c.lastValid(); e != nil {
			c.usingLast(e)
			return e, true, nil
		}
		return nil, false, ErrNotCached
	}
	wait := c.LockWait
	if wait == 0 {
		wait = 3 * time.Minute
	}
	lctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	unlock, err := c.Store.Lock(lctx, c.Key, c.Waiting)
	if err != nil {
		return nil, false, err
	}
	defer unlock()
	// Another process may have refreshed the entry while we waited.
	if e := c.Lookup(); e != nil && !c.Force {
		return e, true, nil
	}
	cr, err := c.Inner.Retrieve(ctx)
	if err != nil {
		// A step below that only uses what is cached and found nothing
		// (ErrNotCached) needs a person too.
		if e := c.lastValid(); e != nil && (xerr.KindOf(err) == xerr.NeedsPerson || errors.Is(err, ErrNotCached)) {
			c.usingLast(e)
			return e, true, nil
		}
		return nil, false, err
	}
	entry := c.Template
	entry.Created = c.now().UTC().Truncate(time.Second)
	if a, ok := c.Inner.(interface{ ARN() string }); ok {
		entry.ARN = a.ARN()
	}
	entry.Credentials = cache.Credentials{
		AccessKeyID:     cr.AccessKeyID,
		SecretAccessKey: cr.SecretAccessKey,
		SessionToken:    cr.SessionToken,
		Expiration:      cr.Expires.UTC(),
	}
	// Credentials that arrive inside the margin would be a miss for the
	// next run, and would replace what another shell may still use.
	if left := entry.Remaining(c.now()); cr.CanExpire && left <= c.MinTTL {
		if c.Warn != nil {
			c.Warn(fmt.Sprintf("warning: the new credentials expire in %s, inside the --min-ttl margin of %s: they are used but not cached", left.Round(time.Second), c.MinTTL))
		}
		return &entry, false, nil
	}
	if err := c.Store.Put(c.Key, &entry); err != nil && c.Warn != nil {
		c.Warn("warning: " + err.Error() + "; the session is used but not cached")
	}
	return &entry, false, nil
}

// ARN is the principal of the last entry (assumed-role or federated-user ARN).
func (c *Cached) ARN() string {
	e, _ := c.Last()
	if e == nil {
		return ""
	}
	return e.ARN
}
