// Package credserver serves AWS credentials on 127.0.0.1 in the container
// credentials protocol, the one every AWS SDK and the AWS CLI read when
// AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN
// are set, and refreshes them ahead of their expiry, so that a long-running
// tool keeps working for as long as the credentials can be renewed without
// a person.
//
// The protocol, as the clients implement it: a GET of the URL with the
// token as the whole value of the Authorization header (no scheme); on 200
// a JSON object with AccessKeyId, SecretAccessKey, Token, Expiration
// (RFC 3339) and, for newer SDKs, AccountId. Over plain http the clients
// accept only loopback hosts (the AWS CLI v2.9 only "127.0.0.1" and
// "localhost" among them), so the server listens on 127.0.0.1 and names it
// by address. On any other status botocore and the AWS CLI show the body
// as it is, the Go SDK shows "Code: Message" of a JSON body when the
// Content-Type is exactly application/json, and the JS SDK keeps Code and
// Message of 4xx bodies only; so every error here is a 4xx or 5xx with
// {"Code": ..., "Message": ...}, and the one a person must act on is a 4xx.
//
// Clients refresh early: botocore and the AWS CLI from 15 minutes before
// expiry (mandatory at 10), the Go SDK 5 minutes before (for this provider)
// and the JS SDK 5 minutes before. A client asks again on every call while
// it is inside its window, so the server keeps credentials with more than
// Options.RefreshBefore (default 20 minutes) left whenever the provider can
// give them, and never hands out credentials with less than Options.MinValid
// left.
//
// The provider the server is given must never prompt: the server runs
// unattended, possibly detached from any terminal. Where a code or a login
// is needed, the provider must fail with an error of kind xerr.NeedsPerson
// whose message says what to run (e.g. "run ec2mfa"); the server relays
// that message, on one line, to the client. Provider errors must not hold
// secrets: they are sent to whoever holds the token.
package credserver

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/xerr"
)

// Path is the URL path credentials are served on; every other path is 404.
const Path = "/credentials"

// tokenBytes is the number of random bytes in a token.
const tokenBytes = 32

// Server is a running credential server. Its methods are safe for
// concurrent use.
type Server struct {
	provider aws.CredentialsProvider
	ln       net.Listener
	srv      *http.Server
	url      string
	token    string
	tokenSum [sha256.Size]byte

	ctx    context.Context // ends when the server closes; bounds provider calls
	cancel context.CancelFunc
	served chan struct{} // closed when the HTTP server has returned
	done   chan struct{} // closed when Close has finished
	once   sync.Once
	wg     sync.WaitGroup // refreshes under way

	cache
}

// Start listens on 127.0.0.1 on a free port and serves credentials from
// provider until Close is called or ctx ends. provider must not prompt (see
// the package documentation); it is first called on the first request.
func Start(ctx context.Context, provider aws.CredentialsProvider, opts Options) (*Server, error) {
	if provider == nil {
		return nil, errors.New("credserver: no credentials provider")
	}
	opts = opts.withDefaults()
	raw := make([]byte, tokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("cannot make a token for the credential server: %w", err)
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("the credential server cannot listen on 127.0.0.1: %w", err)
	}
	s := &Server{
		provider: provider,
		ln:       ln,
		url:      "http://" + ln.Addr().String() + Path,
		token:    base64.RawURLEncoding.EncodeToString(raw),
		served:   make(chan struct{}),
		done:     make(chan struct{}),
	}
	s.tokenSum = sha256.Sum256([]byte(s.token))
	s.cache.opts = opts
	s.ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	go func() {
		defer close(s.served)
		_ = s.srv.Serve(ln)
	}()
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.done:
		}
	}()
	return s, nil
}

// URL is the address for AWS_CONTAINER_CREDENTIALS_FULL_URI:
// http://127.0.0.1:PORT/credentials.
func (s *Server) URL() string { return s.url }

// Token is the value for AWS_CONTAINER_AUTHORIZATION_TOKEN. It is a secret:
// it goes into the environment of the processes the server is for, never
// on a command line or into a file others can read.
func (s *Server) Token() string { return s.token }

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Done is closed once the server has stopped.
func (s *Server) Done() <-chan struct{} { return s.done }

// Close stops the server: it stops listening, ends the provider call under
// way, waits a little for the requests being answered and then ends them.
// It is safe to call more than once.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true // no refresh starts from now on
		s.mu.Unlock()
		s.cancel()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err = s.srv.Shutdown(ctx); err != nil {
			err = s.srv.Close()
		}
		<-s.served
		s.wg.Wait()
		close(s.done)
	})
	<-s.done
	return err
}

// Stats says what the server did so far.
type Stats struct {
	Requests      int       // requests answered, refused ones included
	Served        int       // requests answered with credentials
	ProviderCalls int       // calls of the provider's Retrieve
	Failures      int       // provider calls that failed or gave unusable credentials
	Expires       time.Time // expiry of the credentials held; zero if none or they do not expire
}

// Stats returns what the server did so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	if s.have && s.held.cr.CanExpire {
		st.Expires = s.held.cr.Expires
	}
	return st
}

// ServeHTTP answers one request. Only a GET of Path with the right token
// gets credentials.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.Requests++
	s.mu.Unlock()
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	// A page of another site whose name a DNS record points at 127.0.0.1
	// (DNS rebinding) comes with its own name in Host.
	if !s.ownHost(r.Host) {
		writeError(w, http.StatusMisdirectedRequest, "InvalidHost",
			fmt.Sprintf("this credential server answers only as %s, not as host %q: set AWS_CONTAINER_CREDENTIALS_FULL_URI as awsenv printed it",
				s.url, xerr.Clip(r.Host, 100)))
		return
	}
	// A browser page could reach 127.0.0.1 too; SDKs send no Origin.
	if !s.authorized(r) || r.Header.Get("Origin") != "" {
		writeError(w, http.StatusForbidden, "AccessDenied",
			"missing or wrong authorization token: set AWS_CONTAINER_AUTHORIZATION_TOKEN as awsenv printed it")
		return
	}
	if r.URL.Path != Path {
		writeError(w, http.StatusNotFound, "NotFound", "only "+Path+" is served here")
		return
	}
	if r.Method != http.MethodGet {
		h.Set("Allow", http.MethodGet)
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "only GET is served here")
		return
	}
	cr, err := s.credentials(r.Context())
	if err != nil {
		status, code := classify(err)
		writeError(w, status, code, capped(err.Error()))
		return
	}
	s.mu.Lock()
	s.stats.Served++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, answer(cr, s.opts.Now()))
}

// ownHost reports whether host (a request's Host) is a name the server goes
// by: 127.0.0.1 or localhost with its port. It listens on 127.0.0.1 alone,
// so [::1] is not one.
func (s *Server) ownHost(host string) bool {
	name, port, err := net.SplitHostPort(host)
	if err != nil {
		return false
	}
	_, own, _ := net.SplitHostPort(s.ln.Addr().String())
	return port == own && (name == "127.0.0.1" || strings.EqualFold(name, "localhost"))
}

// authorized compares the Authorization header with the token in constant
// time (over their hashes, so the length does not show either).
func (s *Server) authorized(r *http.Request) bool {
	vals := r.Header.Values("Authorization")
	if len(vals) != 1 {
		return false
	}
	sum := sha256.Sum256([]byte(vals[0]))
	return subtle.ConstantTimeCompare(sum[:], s.tokenSum[:]) == 1
}

// credentialsJSON is the answer of the container credentials protocol.
type credentialsJSON struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration"`
	AccountID       string `json:"AccountId,omitempty"`
}

// staticExpiry is the Expiration reported for credentials that do not
// expire (long-lived keys): the JS SDK requires one, and an hour makes the
// clients come back now and then.
const staticExpiry = time.Hour

func answer(cr aws.Credentials, now time.Time) credentialsJSON {
	exp := cr.Expires
	if !cr.CanExpire {
		exp = now.Add(staticExpiry)
	}
	// Cut to the second, never rounded up: a client must not think
	// credentials live longer than they do.
	return credentialsJSON{
		AccessKeyID:     cr.AccessKeyID,
		SecretAccessKey: cr.SecretAccessKey,
		Token:           cr.SessionToken,
		Expiration:      exp.UTC().Truncate(time.Second).Format(time.RFC3339),
		AccountID:       cr.AccountID,
	}
}

type errorJSON struct {
	Code    string `json:"Code"`
	Message string `json:"Message"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, errorJSON{Code: code, Message: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"Code":"InternalError","Message":"cannot encode the answer"}`)
	}
	// Exactly this value: the Go SDK decodes an error body as JSON only
	// when the Content-Type is "application/json" with no parameters.
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// maxMessage bounds the message relayed to a client.
const maxMessage = 600

// oneLine makes an error message a single line of bounded length.
func capped(s string) string { return xerr.Clip(xerr.OneLine(s), maxMessage) }
