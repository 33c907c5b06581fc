package creds

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/stsapi"
)

// STS's bounds for GetSessionToken.
const (
	MinSessionDuration     = 900 * time.Second
	MaxSessionDuration     = 129600 * time.Second
	DefaultSessionDuration = 12 * time.Hour
)

// CheckSessionDuration checks d against GetSessionToken's bounds before any
// call is made.
func CheckSessionDuration(d time.Duration) error {
	if d < MinSessionDuration || d > MaxSessionDuration || d%time.Second != 0 {
		return fmt.Errorf("session duration %s is out of bounds: sts allows 15m to 36h (900-129600 seconds)", d)
	}
	return nil
}

// Static is an IAM user's long-lived access keys.
type Static struct{ Keys config.Keys }

// Retrieve returns the keys.
func (s Static) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{
		AccessKeyID:     s.Keys.AccessKeyID,
		SecretAccessKey: s.Keys.SecretAccessKey,
		Source:          "awsenv-keys",
	}, nil
}

// CodeFunc returns a six-digit MFA code; it is called only when STS must be
// asked, never on a cache hit.
type CodeFunc func(ctx context.Context) (string, error)

// SessionToken is an MFA session from GetSessionToken, signed with Source.
type SessionToken struct {
	Source    aws.CredentialsProvider
	Endpoint  Endpoint
	Duration  time.Duration
	MFASerial string // "" for a session without MFA
	Code      CodeFunc
}

// Retrieve asks for the code (if MFA is used) and calls GetSessionToken once.
func (p *SessionToken) Retrieve(ctx context.Context) (aws.Credentials, error) {
	if err := CheckSessionDuration(p.Duration); err != nil {
		return aws.Credentials{}, err
	}
	// Read the keys first: a broken key file must fail before the user is
	// asked for a code.
	if _, err := p.Source.Retrieve(ctx); err != nil {
		return aws.Credentials{}, err
	}
	var code string
	attempts := 3
	if p.MFASerial != "" {
		var err error
		if code, err = p.Code(ctx); err != nil {
			return aws.Credentials{}, err
		}
		attempts = 1
	}
	client, err := p.Endpoint.Client(p.Source, attempts)
	if err != nil {
		return aws.Credentials{}, err
	}
	var out *stsapi.Credentials
	err = p.Endpoint.call(ctx, func(ctx context.Context) (err error) {
		out, err = client.GetSessionToken(ctx, p.Duration, p.MFASerial, code)
		return err
	})
	if err != nil {
		return aws.Credentials{}, err
	}
	return fromSTS(out, "awsenv-session"), nil
}

func fromSTS(c *stsapi.Credentials, source string) aws.Credentials {
	return aws.Credentials{
		AccessKeyID:     c.AccessKeyID,
		SecretAccessKey: c.SecretAccessKey,
		SessionToken:    c.SessionToken,
		CanExpire:       true,
		Expires:         c.Expiration.UTC(),
		Source:          source,
	}
}

// Cached decorates a provider with the on-disk cache: a valid entry is used
// without calling the provider; otherwise the entry is refreshed under its
// lock, so that concurrent processes make one STS call between them.
type Cached struct {
	Store    *cache.Store
	Key      string
	Template cache.Entry // Account, Kind, Role, MFASerial of new entries
	Provider aws.CredentialsProvider
	MinTTL   time.Duration
	Now      func() time.Time
	// Refresh ignores a valid entry and always asks the provider.
	Refresh bool
	// Accept, when set, must approve a valid entry too: one made another
	// way than the caller asks for (a longer duration, other source
	// credentials) is refreshed.
	Accept func(*cache.Entry) bool
	// Waiting is called when another process holds the entry's lock.
	Waiting func()
	// LockWait bounds the wait for that lock (default 3 minutes).
	LockWait time.Duration
	// Warn reports a cache write failure; the credentials are still returned.
	Warn func(string)
}

func (c *Cached) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Lookup returns the cached entry if it is valid for more than MinTTL. It
// never calls the provider and never touches the network.
func (c *Cached) Lookup() *cache.Entry {
	e := c.Store.Get(c.Key)
	if e == nil || !e.Valid(c.now(), c.MinTTL) || (c.Accept != nil && !c.Accept(e)) {
		return nil
	}
	return e
}

// Get returns a valid entry, from the cache (hit true) or from the provider.
func (c *Cached) Get(ctx context.Context) (e *cache.Entry, hit bool, err error) {
	if e := c.Lookup(); e != nil && !c.Refresh {
		return e, true, nil
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
	if e := c.Lookup(); e != nil && !c.Refresh {
		return e, true, nil
	}
	cr, err := c.Provider.Retrieve(ctx)
	if err != nil {
		return nil, false, err
	}
	entry := c.Template
	entry.Created = c.now().UTC().Truncate(time.Second)
	if a, ok := c.Provider.(interface{ ARN() string }); ok {
		entry.ARN = a.ARN()
	}
	entry.Credentials = cache.Credentials{
		AccessKeyID:     cr.AccessKeyID,
		SecretAccessKey: cr.SecretAccessKey,
		SessionToken:    cr.SessionToken,
		Expiration:      cr.Expires.UTC(),
	}
	if err := c.Store.Put(c.Key, &entry); err != nil && c.Warn != nil {
		c.Warn("warning: " + err.Error() + "; the session is used but not cached")
	}
	return &entry, false, nil
}

// FromEntry turns a cache entry into SDK credentials.
func FromEntry(e *cache.Entry) aws.Credentials {
	return aws.Credentials{
		AccessKeyID:     e.Credentials.AccessKeyID,
		SecretAccessKey: e.Credentials.SecretAccessKey,
		SessionToken:    e.Credentials.SessionToken,
		CanExpire:       true,
		Expires:         e.Credentials.Expiration,
		Source:          "awsenv-cache",
	}
}
