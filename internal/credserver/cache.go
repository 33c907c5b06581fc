package credserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/xerr"
)

// Defaults of Options.
const (
	// DefaultRefreshBefore is more than botocore's advisory refresh window
	// (15 minutes), the largest of the clients'. A provider that caches
	// (creds.Cached) should use at least this margin for the credentials it
	// hands the server, or it will hand back the same ones until its own
	// margin is reached.
	DefaultRefreshBefore = 20 * time.Minute
	DefaultMinValid      = time.Minute
	DefaultRetryEvery    = 30 * time.Second
	DefaultTimeout       = time.Minute
	DefaultWait          = time.Second
)

// Options tune a server; the zero value is the defaults.
type Options struct {
	// RefreshBefore: once the credentials held have less than this left,
	// the next request asks the provider again. For credentials that live
	// less than twice as long (as counted from when the server got them),
	// half their lifetime is used instead, so that short-lived credentials
	// are still served for a while before each refresh.
	RefreshBefore time.Duration
	// MinValid: credentials with less than this left are never handed out
	// (a quarter of their lifetime for short-lived ones, but not less than
	// half a second); a request then waits for fresh ones, or gets the
	// provider's error.
	MinValid time.Duration
	// RetryEvery paces calls of the provider while the credentials held
	// are past RefreshBefore but still usable, after a failure or after the
	// provider handed back credentials that were no fresher (an eighth of
	// the lifetime for short-lived ones). Once nothing usable is held, every
	// request asks the provider again (concurrent requests share one call),
	// so that credentials are served again as soon as a person has run
	// ec2mfa.
	RetryEvery time.Duration
	// Timeout bounds one call of the provider.
	Timeout time.Duration
	// Wait is how long a request waits for a refresh under way while the
	// credentials held are still usable; after that it gets those. Clients
	// give up on the server after a few seconds (botocore after 2).
	Wait time.Duration
	// Log receives one line, without secrets, for each failed refresh and
	// for the first success after failures; nil discards them.
	Log func(msg string)
	// Now is the clock; nil for time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.RefreshBefore, DefaultRefreshBefore)
	def(&o.MinValid, DefaultMinValid)
	def(&o.RetryEvery, DefaultRetryEvery)
	def(&o.Timeout, DefaultTimeout)
	def(&o.Wait, DefaultWait)
	if o.Log == nil {
		o.Log = func(string) {}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// held is the credentials the server serves, with when it first got them.
type held struct {
	cr  aws.Credentials
	got time.Time
}

// lifetime is how long the credentials lived when the server got them.
func (h held) lifetime() time.Duration { return h.cr.Expires.Sub(h.got) }

// flight is one call of the provider; done is closed when it has ended.
type flight struct {
	done chan struct{}
	err  error
}

// cache holds the credentials and runs the refreshes. Its fields are
// guarded by mu.
type cache struct {
	opts     Options
	mu       sync.Mutex
	have     bool
	held     held
	lastTry  time.Time // end of the last provider call
	failing  bool      // the last provider call failed
	inflight *flight
	closed   bool // Close has begun
	stats    Stats
}

// refreshAt is when the credentials should be replaced.
func (c *cache) refreshAt(h held) time.Time {
	return h.cr.Expires.Add(-min(c.opts.RefreshBefore, h.lifetime()/2))
}

// minFloor is the least time left with which credentials are handed out
// when they live so short that a quarter of their lifetime is less, unless
// Options.MinValid is smaller still: a client must be able to sign and send
// a request before they expire.
const minFloor = 500 * time.Millisecond

// usable reports whether h may still be handed out at now.
func (c *cache) usable(h held, now time.Time) bool {
	if !h.cr.CanExpire {
		return true
	}
	return h.cr.Expires.Sub(now) > min(c.opts.MinValid, max(h.lifetime()/4, minFloor))
}

func (c *cache) retryEvery(h held) time.Duration {
	if !h.cr.CanExpire {
		return c.opts.RetryEvery
	}
	return min(c.opts.RetryEvery, h.lifetime()/8)
}

// credentials returns credentials to hand out now, refreshing them first
// when they are due.
func (s *Server) credentials(ctx context.Context) (aws.Credentials, error) {
	s.mu.Lock()
	now := s.opts.Now()
	usable := s.have && s.usable(s.held, now)
	if usable && (!s.held.cr.CanExpire || now.Before(s.refreshAt(s.held)) ||
		(s.inflight == nil && now.Sub(s.lastTry) < s.retryEvery(s.held))) {
		cr := s.held.cr
		s.mu.Unlock()
		return cr, nil
	}
	f := s.startRefresh()
	s.mu.Unlock()

	var waited <-chan time.Time
	if usable {
		t := time.NewTimer(s.opts.Wait)
		defer t.Stop()
		waited = t.C
	}
	select {
	case <-f.done:
	case <-waited:
	case <-ctx.Done():
		return aws.Credentials{}, errGone
	case <-s.ctx.Done():
		return aws.Credentials{}, errGone
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.have && s.usable(s.held, s.opts.Now()) {
		return s.held.cr, nil
	}
	select {
	case <-f.done:
		if f.err != nil {
			return aws.Credentials{}, f.err
		}
	default:
	}
	return aws.Credentials{}, errors.New("the credentials expired while a refresh was under way: try again")
}

// errGone is the answer to a request that ended, or a server that closed,
// before credentials were ready.
var errGone = errors.New("the credential server is stopping")

// startRefresh returns the provider call under way, starting one if there
// is none. s.mu must be held.
func (s *Server) startRefresh() *flight {
	if s.inflight != nil {
		return s.inflight
	}
	f := &flight{done: make(chan struct{})}
	if s.closed {
		f.err = errGone
		close(f.done)
		return f
	}
	s.inflight = f
	s.stats.ProviderCalls++
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ctx, cancel := context.WithTimeout(s.ctx, s.opts.Timeout)
		cr, err := s.provider.Retrieve(ctx)
		cancel()
		s.mu.Lock()
		now := s.opts.Now()
		if err == nil {
			err = s.accept(cr, now)
		} else if s.ctx.Err() != nil {
			err = errGone
		} else if ctx.Err() == context.DeadlineExceeded && !errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w (the refresh took longer than %s)", err, s.opts.Timeout)
		}
		s.lastTry = now
		if err != nil {
			s.stats.Failures++
			s.opts.Log("cannot refresh the credentials: " + capped(err.Error()))
		} else if s.failing {
			s.opts.Log("credentials refreshed again")
		}
		s.failing = err != nil
		f.err = err
		s.inflight = nil
		s.mu.Unlock()
		close(f.done)
	}()
	return f
}

// accept keeps cr, got from the provider at now, if it may be served.
// s.mu must be held.
func (s *Server) accept(cr aws.Credentials, now time.Time) error {
	if cr.AccessKeyID == "" || cr.SecretAccessKey == "" {
		return errors.New("the credentials provider returned no keys")
	}
	h := held{cr: cr, got: now}
	if s.have && s.held.cr.AccessKeyID == cr.AccessKeyID {
		h.got = s.held.got // the same credentials again: they are no younger
	}
	if cr.CanExpire && !s.usable(h, now) {
		return fmt.Errorf("the credentials provider returned credentials that expire at %s, too soon to hand out",
			cr.Expires.UTC().Format(time.RFC3339))
	}
	s.held, s.have = h, true
	return nil
}

// classify maps an error to the HTTP status and code of the answer.
func classify(err error) (int, string) {
	switch {
	case xerr.KindOf(err) == xerr.NeedsPerson:
		// A 4xx: the Go SDK does not retry it and the JS SDK keeps its
		// message; 401 as a login (an MFA code) is what is missing.
		return http.StatusUnauthorized, "ActionRequired"
	case errors.Is(err, errGone):
		return http.StatusServiceUnavailable, "ServiceUnavailable"
	}
	return http.StatusBadGateway, "RefreshFailed"
}
