// Package oidclogin gets an OIDC ID token by logging the user in through a
// browser: authorization code flow with PKCE (S256), state and nonce, on a
// loopback redirect.
//
// The ID token is verified (signature against the issuer's published keys,
// issuer, audience, expiry, nonce) before Login returns it, so a caller can
// hand it to STS knowing it came from the issuer for this login.
package oidclogin

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/awsenv/awsenv/internal/httpx"
	"github.com/awsenv/awsenv/internal/loopback"
	"github.com/awsenv/awsenv/internal/xerr"
)

// DefaultTimeout bounds a login when Config.Timeout is zero.
const DefaultTimeout = 5 * time.Minute

// callbackPath is the path of the loopback redirect URI.
const callbackPath = "/callback"

// Config says where and how to log in.
type Config struct {
	Issuer       string // the identity provider's issuer URL
	ClientID     string
	ClientSecret string // optional: public clients have none
	// Scopes are requested with the code; "openid" is always among them.
	// Default {"openid"}.
	Scopes []string
	// HTTP is used for discovery, the keys and the token exchange, made
	// to follow no redirect (httpx.Strict) and to read no answer larger
	// than httpx.MaxAnswer; nil means httpx.Default(). Its Timeout (the
	// command's --timeout; 0 means httpx.DefaultTimeout) bounds each of
	// the issuer's answers: Timeout below is the person's, no bound on a
	// server.
	HTTP *http.Client
	// Show is called once with the authorization URL: the caller prints it
	// on stderr or opens a browser. An error ends the login.
	Show func(authURL string) error
	// Timeout bounds the whole login, the user's time in the browser
	// included; default DefaultTimeout.
	Timeout time.Duration
	// AllowHTTP lets an http issuer on another computer through
	// (AWSENV_ALLOW_HTTP=1); http to this computer is always allowed.
	AllowHTTP bool
	// Now is the clock the ID token's expiry is checked with; nil means
	// time.Now.
	Now func() time.Time
}

// Token is a verified ID token.
type Token struct {
	IDToken string // the raw JWT: a credential, never print it
	Subject string // sub
	Email   string // email, "" when the provider sends none
	Expiry  time.Time
}

// Login logs the user in and returns the verified ID token. It listens on
// 127.0.0.1 on a random port for the browser to come back, only until the
// login ends; ctx and cfg.Timeout stop it early.
func Login(ctx context.Context, cfg Config) (*Token, error) {
	switch {
	case cfg.Issuer == "":
		return nil, errors.New("no oidc issuer: give the identity provider's issuer url")
	case cfg.ClientID == "":
		return nil, errors.New("no oidc client id: give the client id registered with the identity provider")
	case cfg.Show == nil:
		return nil, errors.New("oidclogin: Config.Show is nil")
	}
	if err := checkIssuer(cfg.Issuer, cfg.AllowHTTP); err != nil {
		return nil, err
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// Discovery, the keys and the token exchange follow no redirect: the
	// exchange carries the code, the verifier and the client secret. go-oidc
	// reads whole bodies with no limit: the client cuts them.
	hc := httpx.Capped(httpx.Strict(cfg.HTTP), httpx.MaxAnswer)
	if hc.Timeout <= 0 {
		hc.Timeout = httpx.DefaultTimeout
	}
	// go-oidc and oauth2 both take their HTTP client from the context.
	ctx = oidc.ClientContext(ctx, hc)
	stopped := func() error { return stopError(parent, timeout) }

	// Each answer gets the client's time, and its own context, so that
	// running out of it is told apart from the login's end.
	dctx, dcancel := context.WithTimeout(ctx, hc.Timeout)
	provider, err := oidc.NewProvider(dctx, cfg.Issuer)
	dcancel()
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return nil, stopped()
		case pastDeadline(dctx):
			return nil, fmt.Errorf("cannot read the discovery document of issuer %q: it did not answer within %v: check the network or raise --timeout",
				cfg.Issuer, hc.Timeout)
		}
		return nil, fmt.Errorf("cannot read the discovery document of issuer %q (%s): check the issuer url and the network",
			cfg.Issuer, xerr.Clip(err.Error(), maxNetText))
	}

	if err := loopback.Check(); err != nil {
		return nil, fmt.Errorf("cannot check which user's browser comes back to the login redirect (%w): get the ID token another way and pass it with --token-file", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("cannot listen on 127.0.0.1 for the login redirect: %w", err)
	}
	endpoint := provider.Endpoint()
	if cfg.ClientSecret == "" {
		// A public client identifies itself by client_id in the body.
		endpoint.AuthStyle = oauth2.AuthStyleInParams
	}
	f := &flow{
		oauth: &oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			Endpoint:     endpoint,
			RedirectURL:  "http://" + ln.Addr().String() + callbackPath,
			Scopes:       scopes(cfg.Scopes),
		},
		verifier:     provider.Verifier(&oidc.Config{ClientID: cfg.ClientID, Now: cfg.Now}),
		issuer:       cfg.Issuer,
		answerTime:   hc.Timeout,
		state:        randomToken(),
		nonce:        randomToken(),
		codeVerifier: oauth2.GenerateVerifier(),
	}
	authURL := f.oauth.AuthCodeURL(f.state, oauth2.S256ChallengeOption(f.codeVerifier), oidc.Nonce(f.nonce))

	cb := loopback.Serve(ctx, ln, callbackPath, "the identity provider's redirect", f.finish)
	defer cb.Close()
	defer cancel() // first: a callback still at work stops before close waits for it
	if err := cfg.Show(authURL); err != nil {
		return nil, fmt.Errorf("cannot show the login url: %w", err)
	}
	select {
	case r := <-cb.Results:
		if r.Err != nil && ctx.Err() != nil {
			return nil, stopped()
		}
		return r.Value, r.Err
	case <-ctx.Done():
		select {
		case r := <-cb.Results: // finished just in time
			if r.Err == nil {
				return r.Value, nil
			}
		default:
		}
		return nil, stopped()
	}
}

// checkIssuer accepts https issuer URLs, and http ones only as every
// endpoint is held to (httpx.CheckPlainHTTP: this computer, or allowHTTP):
// discovery and keys fetched in clear text could be changed on the way.
func checkIssuer(issuer string, allowHTTP bool) error {
	u, err := url.Parse(issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("oidc issuer %q is not an https url: give the identity provider's https issuer url", issuer)
	}
	return httpx.CheckPlainHTTP(issuer, "oidc issuer", allowHTTP)
}

// pastDeadline reports whether ctx's deadline has passed: a call under it
// that failed ran out of time, whichever timer (the context's or the
// client's, set a moment later to the same length) noticed first.
func pastDeadline(ctx context.Context) bool {
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}

// stopError explains why the login's context, derived from parent with
// timeout, ended.
func stopError(parent context.Context, timeout time.Duration) error {
	if err := parent.Err(); err != nil {
		return fmt.Errorf("login stopped before it finished: %w", err)
	}
	return &timeoutError{timeout}
}

// timeoutError is the end of a login that took longer than its timeout.
type timeoutError struct{ after time.Duration }

func (e *timeoutError) Error() string {
	return fmt.Sprintf("login timed out after %v: finish it in the browser within that time, or try again", e.after)
}

func (e *timeoutError) Unwrap() error { return context.DeadlineExceeded }

// flow is one login's secrets and the means to check the answer.
type flow struct {
	oauth        *oauth2.Config
	verifier     *oidc.IDTokenVerifier
	issuer       string
	answerTime   time.Duration // what the issuer has for one answer
	state        string
	nonce        string
	codeVerifier string
}

// finish takes the query the browser brought back to the redirect URI,
// exchanges the code and verifies the ID token.
func (f *flow) finish(ctx context.Context, q url.Values) (*Token, error) {
	if !equal(q.Get("state"), f.state) {
		return nil, errors.New("login state mismatch: the browser came back with an answer that does not belong to this login; start the login again")
	}
	if e := q.Get("error"); e != "" {
		msg := xerr.Clip(e, maxNetText)
		if d := q.Get("error_description"); d != "" {
			msg += ": " + xerr.Clip(d, maxNetText)
		}
		return nil, fmt.Errorf("the identity provider refused the login (%s): check that your account may use client %q, then log in again",
			msg, f.oauth.ClientID)
	}
	code := q.Get("code")
	if code == "" {
		return nil, errors.New("the identity provider came back without an authorization code: log in again")
	}
	ectx, ecancel := context.WithTimeout(ctx, f.answerTime)
	tok, err := f.oauth.Exchange(ectx, code, oauth2.VerifierOption(f.codeVerifier))
	ecancel()
	if err != nil {
		if ctx.Err() == nil && pastDeadline(ectx) {
			return nil, fmt.Errorf("the identity provider did not answer the code exchange within %v: check the network or raise --timeout, then log in again", f.answerTime)
		}
		return nil, f.exchangeError(err, code)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, errors.New(`the identity provider sent no id token: check that the client may use the "openid" scope`)
	}
	vctx, vcancel := context.WithTimeout(ctx, f.answerTime) // the keys may be fetched
	idt, err := f.verifier.Verify(vctx, raw)
	vcancel()
	if err != nil {
		var expired *oidc.TokenExpiredError
		if ctx.Err() == nil && pastDeadline(vctx) {
			return nil, fmt.Errorf("cannot read the keys of issuer %q: it did not answer within %v: check the network or raise --timeout, then log in again",
				f.issuer, f.answerTime)
		}
		// go-oidc's words for keys it could not fetch or read.
		if msg := err.Error(); strings.Contains(msg, "fetching keys") {
			return nil, fmt.Errorf("cannot read the keys of issuer %q (%s): check the issuer url and the network, then log in again",
				f.issuer, xerr.Clip(strings.TrimPrefix(msg, "failed to verify signature: fetching keys "), maxNetText))
		}
		if errors.As(err, &expired) {
			return nil, fmt.Errorf("the id token from %q expired at %s: check this computer's clock, then log in again",
				f.issuer, expired.Expiry.UTC().Format(time.RFC3339))
		}
		return nil, fmt.Errorf("the id token from %q failed verification (%s): check the issuer url and client id, then log in again",
			f.issuer, xerr.Clip(strings.TrimPrefix(err.Error(), "oidc: "), maxNetText))
	}
	if !equal(idt.Nonce, f.nonce) {
		return nil, errors.New("the id token's nonce does not belong to this login, so it may be replayed: log in again")
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return nil, errors.New("the id token does not match the access token it came with (at_hash): log in again")
		}
	}
	if idt.Subject == "" {
		return nil, fmt.Errorf("the id token from %q names no subject (sub): ask the identity provider's administrator", f.issuer)
	}
	var claims struct {
		Email string `json:"email"`
	}
	_ = idt.Claims(&claims) // already decoded once by Verify
	return &Token{IDToken: raw, Subject: idt.Subject, Email: claims.Email, Expiry: idt.Expiry}, nil
}

// exchangeError describes a failed code exchange without the code, the
// PKCE verifier or the client secret.
func (f *flow) exchangeError(err error, code string) error {
	var re *oauth2.RetrieveError
	msg := err.Error()
	if errors.As(err, &re) {
		msg = re.ErrorCode
		if re.ErrorDescription != "" {
			msg += ": " + re.ErrorDescription
		}
		if msg == "" && re.Response != nil {
			msg = "HTTP " + re.Response.Status
		}
	}
	msg = xerr.Clip(msg, maxNetText)
	for _, secret := range []string{code, f.codeVerifier, f.oauth.ClientSecret} {
		if secret != "" {
			msg = strings.ReplaceAll(msg, secret, "[redacted]")
		}
	}
	return fmt.Errorf("the identity provider would not exchange the login code for tokens (%s): check the client id and secret, then log in again", msg)
}

// scopes returns "openid" followed by the other requested scopes.
func scopes(requested []string) []string {
	out := []string{oidc.ScopeOpenID}
	for _, s := range requested {
		s = strings.TrimSpace(s)
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// randomToken returns 256 random bits, base64url-encoded.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// maxNetText bounds what a message quotes of an answer from the network.
const maxNetText = 200
