package ststest

import (
	"sync/atomic"
	"time"
)

// shortLived is the test-only lifetime override and the count of calls
// that came with expired credentials.
type shortLived struct {
	lifetime atomic.Int64 // a time.Duration; 0 for what the caller asked
	expired  atomic.Int64
}

// SetLifetime makes every credential the server issues from now on
// (GetSessionToken, AssumeRole, AssumeRoleWithWebIdentity,
// GetFederationToken, and any other action that issues keys through
// Server.issue) expire d after it is issued, when d is shorter than
// the DurationSeconds asked for, so that tests can watch credentials expire
// and be refreshed within seconds. DurationSeconds is still checked against
// STS's own bounds (at least 900 seconds), as real STS does. The Expiration
// in the answer is the one the server enforces: it is cut to the whole
// second, as STS reports it, so a lifetime of 5s gives credentials that
// live between 4 and 5 seconds; use at least 2s. Zero or less turns the
// override off. Credentials issued before the call keep their expiration.
func (s *Server) SetLifetime(d time.Duration) {
	if d < 0 {
		d = 0
	}
	s.short.lifetime.Store(int64(d))
}

// Lifetime is the setting of SetLifetime (0 when off).
func (s *Server) Lifetime() time.Duration { return time.Duration(s.short.lifetime.Load()) }

// ExpiredCalls returns how many requests arrived with temporary
// credentials the server had issued and that had expired by the time it
// received them: STS calls signed with them (refused with ExpiredToken) and
// getSigninToken calls on /federation carrying them. A test of a refreshing
// client asserts that it is zero. ResetCounts sets it to zero too.
func (s *Server) ExpiredCalls() int { return int(s.short.expired.Load()) }

// expiry is when credentials issued at now for seconds expire, under the
// lifetime override.
func (s *Server) expiry(now time.Time, seconds int) time.Time {
	d := time.Duration(seconds) * time.Second
	if l := s.Lifetime(); l > 0 && l < d {
		d = l
	}
	return now.Add(d).UTC().Truncate(time.Second)
}

// countExpired records a call that came with expired credentials.
func (s *Server) countExpired() { s.short.expired.Add(1) }
