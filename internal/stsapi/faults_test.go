package stsapi

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/awsenv/awsenv/internal/httpx"
	"github.com/awsenv/awsenv/internal/ststest"
)

// faulty is the stand-in behind a Faults, with an MFA user.
func faulty(t *testing.T, tls bool) (*ststest.Faults, *ststest.User, *Client) {
	t.Helper()
	srv := ststest.New()
	user := srv.AddUser("alice", true)
	f := ststest.NewFaults(srv)
	u := f.Listen()
	hc := &http.Client{Timeout: 5 * time.Second}
	if tls {
		u = f.ListenTLS()
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(f.CertPEM())
		hc = httpx.New(httpx.Options{Timeout: 5 * time.Second, RootCAs: pool})
		// A client that would follow: Strict must stop it anyway.
		hc.CheckRedirect = nil
	}
	t.Cleanup(f.Close)
	c := userClient(u, user)
	c.HTTP = hc
	return f, user, c
}

// Issue 12: STS calls followed 302 and 307 to another host with the
// session token, and a 307 replayed the body with the MFA code, https to
// http too. No redirect is followed, whatever client the caller gives.
func TestNoRedirect(t *testing.T) {
	for _, fault := range []ststest.Fault{ststest.Redirect302, ststest.Redirect307, ststest.RedirectLoop} {
		for _, tls := range []bool{false, true} {
			name := string(fault)
			if tls {
				name += "/https"
			}
			t.Run(name, func(t *testing.T) {
				f, user, c := faulty(t, tls)
				c.Attempts = 3
				f.Set(fault)
				code := user.Code(time.Now())
				_, err := c.GetSessionToken(context.Background(), time.Hour, user.MFASerial, code)
				var re *httpx.RedirectError
				if !errors.As(err, &re) {
					t.Fatalf("err = %v (%T), want a RedirectError", err, err)
				}
				if !strings.Contains(err.Error(), "sts at "+c.URL) || strings.Contains(err.Error(), code) {
					t.Errorf("err = %q: does not name the endpoint, or quotes the code", err)
				}
				if sink := f.Sink(); len(sink) != 0 {
					t.Errorf("the redirect target got %d requests: %+v", len(sink), sink[0])
				}
				if n := f.Count("GetSessionToken"); n != 1 {
					t.Errorf("%d requests, want 1: a redirect is not retried", n)
				}
			})
		}
	}
}

// Issue 12: credentials that expired before they arrived were exported
// and cached. They are an error.
func TestExpiredAtReceipt(t *testing.T) {
	f, user, c := faulty(t, false)
	f.Set(ststest.PastExpiration)
	_, err := c.GetSessionToken(context.Background(), time.Hour, user.MFASerial, user.Code(time.Now()))
	var ee *ExpiredError
	if !errors.As(err, &ee) || ee.Action != "GetSessionToken" || time.Since(ee.Expiration) < 59*time.Minute {
		t.Fatalf("err = %v (%T), want an ExpiredError an hour old", err, err)
	}
}

// Answers that are not credentials are an AnswerError, read within a
// bounded size, after one request.
func TestUnusableAnswers(t *testing.T) {
	for _, tt := range []struct {
		fault ststest.Fault
		want  string
	}{
		{ststest.MalformedXML, "XML syntax error"},
		{ststest.TruncatedXML, "XML syntax error"},
		{ststest.MissingFields, "credentials without SessionToken"},
		{ststest.HugeBody, "an answer larger than 1 MiB"},
	} {
		t.Run(string(tt.fault), func(t *testing.T) {
			f, user, c := faulty(t, false)
			f.Set(tt.fault)
			start := time.Now()
			_, err := c.GetSessionToken(context.Background(), time.Hour, user.MFASerial, user.Code(time.Now()))
			var ae *AnswerError
			if !errors.As(err, &ae) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v (%T), want an AnswerError with %q", err, err, tt.want)
			}
			if d := time.Since(start); d > 30*time.Second {
				t.Errorf("took %s", d)
			}
			if n := f.Count(""); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

// 5xx and throttling are retried where the call may be (no MFA code), and
// are recognisable for advice.
func TestFailingOrThrottling(t *testing.T) {
	for _, fault := range []ststest.Fault{ststest.Status500XML, ststest.Status503Plain, ststest.Throttling} {
		t.Run(string(fault), func(t *testing.T) {
			f, _, c := faulty(t, false)
			c.Attempts = 2
			f.Set(fault)
			_, err := c.GetCallerIdentity(context.Background())
			e := stsError(t, err)
			if !e.Throttling() && e.Status < 500 {
				t.Errorf("err = %v: neither throttling nor 5xx", err)
			}
			if n := f.Count(""); n != 2 {
				t.Errorf("%d requests, want 2", n)
			}
		})
	}
}
