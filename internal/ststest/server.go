// Package ststest is a small, strict stand-in for AWS STS and the console
// federation endpoint.
//
// It serves the STS Query API (GetCallerIdentity, GetSessionToken,
// AssumeRole, GetFederationToken, AssumeRoleWithWebIdentity) with STS's XML
// shapes and HTTP statuses, verifies every request's SigV4 signature against
// the keys it issued (all but AssumeRoleWithWebIdentity's, which is
// unsigned: it verifies the OIDC ID token against the identity provider's
// keys instead),
// checks MFA one-time codes (RFC 6238) and refuses reused ones, and serves
// getSigninToken and login on /federation. The AWS SDK for Go v2 and the AWS
// CLI accept it as STS when pointed at it with an endpoint URL.
//
// It is meant for end-to-end tests and for local sandboxes; it keeps
// everything in memory and trusts every user to assume every role.
package ststest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultAccountID is the account of the users New creates.
const DefaultAccountID = "123456789012"

// stsVersion is the only API version STS has.
const stsVersion = "2011-06-15"

// maxBody bounds the size of a request body.
const maxBody = 1 << 20

// User is an IAM user with a long-lived access key and, optionally, a
// virtual MFA device.
type User struct {
	Name            string
	AccountID       string
	ARN             string // arn:aws:iam::ACCOUNT:user/NAME
	AccessKeyID     string // AKIA + 16 uppercase alphanumerics
	SecretAccessKey string // 40 characters
	MFASerial       string // arn:aws:iam::ACCOUNT:mfa/NAME, "" without MFA
	TOTPSecret      string // base32 (RFC 4648, no padding) of 20 random bytes, "" without MFA
}

// Role is an IAM role that any user of the server may assume.
type Role struct {
	ARN                string        // arn:aws:iam::ACCOUNT:role/[PATH/]NAME
	MaxSessionDuration time.Duration // 1h when zero
	RequireMFA         bool          // callers must be MFA-authenticated
	ExternalID         string        // when set, AssumeRole must send it
	// WebIdentityIssuer is the issuer URL of an identity provider (see
	// AddOIDCProvider) whose ID tokens may assume the role with
	// AssumeRoleWithWebIdentity; "" trusts none.
	WebIdentityIssuer string
}

type credKind int

const (
	kindUser      credKind = iota // long-lived IAM user key
	kindSession                   // from GetSessionToken
	kindRole                      // from AssumeRole or AssumeRoleWithWebIdentity
	kindFederated                 // from GetFederationToken
)

// credential is a key pair the server issued, with what it stands for.
type credential struct {
	kind    credKind
	keyID   string
	secret  string
	token   string     // "" for long-lived keys
	user    *userState // the IAM user at the origin of the credentials
	arn     string     // caller ARN, as GetCallerIdentity reports it
	userID  string     // caller UserId, as GetCallerIdentity reports it
	account string
	mfa     bool      // authenticated with MFA, directly or up the chain
	chained bool      // role credentials obtained with role credentials
	expires time.Time // zero for long-lived keys
}

func (c *credential) expired(now time.Time) bool {
	return c.kind != kindUser && !now.Before(c.expires)
}

type userState struct {
	User
	uniqueID  string
	usedSteps map[uint64]bool // TOTP time steps whose code was accepted
	created   time.Time       // when its access key was made
}

type roleState struct {
	Role
	name     string
	account  string
	uniqueID string
}

// Server is the STS stand-in. It implements http.Handler and is safe for
// concurrent use.
type Server struct {
	accountID string
	clock     atomic.Pointer[func() time.Time]
	delay     atomic.Int64
	short     shortLived

	mu     sync.Mutex
	users  map[string]*userState
	roles  map[string]*roleState
	creds  map[string]*credential
	signin map[string]*signinToken
	oidc   map[string]*oidcState // identity providers by issuer
	sso    ssoState              // IAM Identity Center (sso.go)
	alogin awsLoginState         // the sign-in service of aws login (awslogin.go)
	saml   samlState             // SAML identity provider and providers (saml_idp.go)
	logins []Login
	counts map[string]int
	total  int

	lmu    sync.Mutex // guards the fields below
	srv    *http.Server
	url    string
	served chan struct{}
	done   chan struct{} // closed by Close to end delayed requests
}

// New returns a server for account 123456789012 that uses the real clock.
func New() *Server {
	return &Server{
		accountID: DefaultAccountID,
		users:     map[string]*userState{},
		roles:     map[string]*roleState{},
		creds:     map[string]*credential{},
		signin:    map[string]*signinToken{},
		oidc:      map[string]*oidcState{},
		counts:    map[string]int{},
		done:      make(chan struct{}),
	}
}

// AccountID returns the account of the users the server creates.
func (s *Server) AccountID() string { return s.accountID }

// SetClock makes the server read the time from now (nil restores the real
// clock). It governs expirations, MFA codes and the SigV4 clock-skew check.
func (s *Server) SetClock(now func() time.Time) {
	if now == nil {
		s.clock.Store(nil)
		return
	}
	s.clock.Store(&now)
}

func (s *Server) now() time.Time {
	if f := s.clock.Load(); f != nil {
		return (*f)()
	}
	return time.Now()
}

// SetDelay delays every response (STS and federation) by d, to let tests
// exercise client timeouts. A request whose context ends first is dropped
// without effect.
func (s *Server) SetDelay(d time.Duration) { s.delay.Store(int64(d)) }

// Listen serves the server on 127.0.0.1 on a free port, in a goroutine, and
// returns its base URL ("http://127.0.0.1:PORT").
func (s *Server) Listen() (string, error) {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	if s.srv != nil {
		return "", errors.New("ststest: already listening")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second}
	served := make(chan struct{})
	s.srv, s.served = srv, served
	s.url = "http://" + ln.Addr().String()
	go func() {
		defer close(served)
		_ = srv.Serve(ln)
	}()
	return s.url, nil
}

// URL returns the base URL of the listener started by Listen, or "".
func (s *Server) URL() string {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	return s.url
}

// Close stops the listener started by Listen and waits for it to finish.
// Requests still waiting out a delay are answered 503.
func (s *Server) Close() error {
	s.lmu.Lock()
	srv, served, done := s.srv, s.served, s.done
	s.srv, s.url, s.done = nil, "", make(chan struct{})
	s.lmu.Unlock()
	close(done)
	if srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err != nil {
		err = srv.Close()
	}
	<-served
	return err
}

// AddUser creates an IAM user with a fresh access key and, when withMFA,
// a virtual MFA device. A user of the same name is replaced and its key
// stops working.
func (s *Server) AddUser(name string, withMFA bool) *User {
	u := User{
		Name:            name,
		AccountID:       s.accountID,
		ARN:             "arn:aws:iam::" + s.accountID + ":user/" + name,
		AccessKeyID:     "AKIA" + randomString(upperAlnum, 16),
		SecretAccessKey: randomString(secretAlphabet, 40),
	}
	if withMFA {
		u.MFASerial = "arn:aws:iam::" + s.accountID + ":mfa/" + name
		u.TOTPSecret = totpEncoding.EncodeToString(randomBytes(20))
	}
	st := &userState{User: u, uniqueID: "AIDA" + randomString(upperAlnum, 17), usedSteps: map[uint64]bool{}, created: s.now()}
	s.mu.Lock()
	if old := s.users[name]; old != nil {
		delete(s.creds, old.AccessKeyID)
	}
	s.users[name] = st
	s.creds[u.AccessKeyID] = &credential{
		kind: kindUser, keyID: u.AccessKeyID, secret: u.SecretAccessKey,
		user: st, arn: u.ARN, userID: st.uniqueID, account: s.accountID,
	}
	s.mu.Unlock()
	return &u
}

// AddRole registers (or replaces) a role.
func (s *Server) AddRole(r Role) {
	if r.MaxSessionDuration <= 0 {
		r.MaxSessionDuration = time.Hour
	}
	account, name, _ := parseRoleARN(r.ARN)
	st := &roleState{Role: r, name: name, account: account, uniqueID: "AROA" + randomString(upperAlnum, 17)}
	s.mu.Lock()
	s.roles[r.ARN] = st
	s.mu.Unlock()
}

// Count returns how many requests the server received for action (an STS
// Action, or "getSigninToken"/"login" on /federation, or an IAM Identity
// Center operation: see sso.go), refused ones included.
func (s *Server) Count(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[action]
}

// Total returns how many requests the server received.
func (s *Server) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// ResetCounts sets every count to zero.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts = map[string]int{}
	s.total = 0
	s.short.expired.Store(0)
}

func (s *Server) count(action string) {
	s.mu.Lock()
	s.counts[action]++
	s.total++
	s.mu.Unlock()
}

// wait sleeps the configured delay; false means the request must be dropped.
func (s *Server) wait(ctx context.Context) bool {
	d := time.Duration(s.delay.Load())
	if d <= 0 {
		return true
	}
	s.lmu.Lock()
	done := s.done
	s.lmu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-done:
	}
	return false
}

// ServeHTTP serves /federation, IAM Identity Center's and the sign-in
// service's paths and, on every other path, STS.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == federationPath {
		s.serveFederation(w, r)
		return
	}
	if s.serveSSO(w, r) || s.serveAWSLogin(w, r) || s.serveSAMLIdP(w, r) {
		return
	}
	s.serveSTS(w, r)
}

func (s *Server) serveSTS(w http.ResponseWriter, r *http.Request) {
	body, readErr := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	r.Body = io.NopCloser(bytes.NewReader(body))
	formErr := r.ParseForm()
	action := r.Form.Get("Action")
	s.count(action)
	reqID := newRequestID()
	if !s.wait(r.Context()) {
		writeError(w, s.now(), reqID, newAPIError(http.StatusServiceUnavailable, "ServiceUnavailable", "service is shutting down"))
		return
	}
	now := s.now()
	var result any
	var err *apiError
	switch {
	case readErr != nil || len(body) > maxBody:
		err = newAPIError(http.StatusBadRequest, "MalformedInput", "request body could not be read or is too large")
	default:
		result, err = s.handleSTS(r, body, action, formErr, now)
	}
	if err != nil {
		writeError(w, now, reqID, err)
		return
	}
	writeResult(w, now, reqID, action, result)
}

func (s *Server) handleSTS(r *http.Request, body []byte, action string, formErr error, now time.Time) (any, *apiError) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return nil, newAPIError(http.StatusMethodNotAllowed, "InvalidAction", "method "+r.Method+" is not allowed")
	}
	if formErr != nil {
		return nil, newAPIError(http.StatusBadRequest, "MalformedQueryString", "the request parameters could not be parsed")
	}
	if action == "" {
		return nil, newAPIError(http.StatusBadRequest, "MissingAction", "Missing Action")
	}
	version := r.Form.Get("Version")
	handler, unsigned := s.action(action), s.unsignedAction(action)
	service := sigV4Service
	switch version {
	case stsVersion:
	case iamVersion: // the few IAM actions awsenv's doctor asks
		handler, unsigned, service = s.iamAction(action), nil, iamService
	default:
		handler, unsigned = nil, nil
	}
	if handler == nil && unsigned == nil {
		if version == "" {
			version = "NO_VERSION_SPECIFIED"
		}
		return nil, newAPIError(http.StatusBadRequest, "InvalidAction",
			"Could not find operation "+action+" for version "+version)
	}
	if unsigned != nil {
		return unsigned(r.Context(), r.Form, now)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	caller, err := s.authenticate(r, body, service, now)
	if err != nil {
		return nil, err
	}
	return handler(caller, r.Form, now)
}

// authenticate checks the request's SigV4 signature and session token and
// returns the credentials it was signed with, for service ("sts" or
// "iam"). s.mu must be held.
func (s *Server) authenticate(r *http.Request, body []byte, service string, now time.Time) (*credential, *apiError) {
	a, err := parseSigV4(r)
	if err != nil {
		return nil, err
	}
	if a.service != service {
		return nil, errSignature("Credential should be scoped to correct service: '" + service + "'. ")
	}
	if err := a.checkSkew(now); err != nil {
		return nil, err
	}
	c := s.creds[a.accessKeyID]
	if c == nil {
		return nil, errInvalidToken()
	}
	token := r.Header.Get("X-Amz-Security-Token")
	if c.kind == kindUser {
		if token != "" {
			return nil, errInvalidToken()
		}
	} else if !equalSecret(token, c.token) {
		return nil, errInvalidToken()
	}
	if c.expired(now) {
		s.countExpired()
		return nil, errExpiredToken()
	}
	if err := a.verify(r, body, c.secret); err != nil {
		return nil, err
	}
	return c, nil
}

// issue completes c with fresh temporary keys valid for seconds and stores
// it. s.mu must be held.
func (s *Server) issue(c *credential, now time.Time, seconds int) *credential {
	c.keyID = "ASIA" + randomString(upperAlnum, 16)
	c.secret = randomString(secretAlphabet, 40)
	c.token = base64.StdEncoding.EncodeToString(randomBytes(298))
	c.expires = s.expiry(now, seconds)
	s.creds[c.keyID] = c
	return c
}

func (c *credential) xml() credentialsXML {
	return credentialsXML{
		AccessKeyID:     c.keyID,
		SecretAccessKey: c.secret,
		SessionToken:    c.token,
		Expiration:      c.expires.UTC().Format(isoFormat),
	}
}

const (
	upperAlnum     = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// randomString returns n characters drawn uniformly from alphabet.
func randomString(alphabet string, n int) string {
	out := make([]byte, 0, n)
	limit := 256 - 256%len(alphabet)
	for len(out) < n {
		for _, b := range randomBytes(n) {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

func equalSecret(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
