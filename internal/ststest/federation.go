package ststest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// federationPath is where the console federation endpoint is served.
const federationPath = "/federation"

// Limits of the federation endpoint, from the IAM user guide.
const (
	signinTokenLifetime   = 15 * time.Minute
	minConsoleSession     = 900
	maxConsoleSession     = 43200
	invalidCredentialsMsg = "Invalid credentials parameter"
)

type signinToken struct {
	cred            *credential
	issued          time.Time
	sessionDuration time.Duration
}

// Login is one successful console sign-in through /federation.
type Login struct {
	ARN             string        // principal of the credentials behind the sign-in token
	Issuer          string        // the Issuer parameter, as sent
	Destination     string        // where the browser was redirected
	SessionDuration time.Duration // SessionDuration of getSigninToken, 0 when absent
	Time            time.Time     // server time of the sign-in
}

// Logins returns the successful console sign-ins, oldest first.
func (s *Server) Logins() []Login {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Login(nil), s.logins...)
}

// SigninSessions returns the number of successful console sign-ins.
func (s *Server) SigninSessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.logins)
}

func (s *Server) serveFederation(w http.ResponseWriter, r *http.Request) {
	formErr := r.ParseForm()
	action := r.Form.Get("Action")
	s.count(action)
	if !s.wait(r.Context()) {
		fedError(w, http.StatusServiceUnavailable, "Service unavailable")
		return
	}
	now := s.now()
	switch {
	case r.Method != http.MethodGet && r.Method != http.MethodPost:
		fedError(w, http.StatusMethodNotAllowed, "Method not allowed")
	case formErr != nil:
		fedError(w, http.StatusBadRequest, "Malformed query string")
	case action == "getSigninToken":
		s.getSigninToken(w, r.Form, now)
	case action == "login":
		s.login(w, r.Form, now)
	default:
		fedError(w, http.StatusBadRequest, "Invalid Action parameter")
	}
}

// fedError answers like the federation endpoint: a status and a short,
// non-XML body.
func fedError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg + "\n"))
}

func (s *Server) getSigninToken(w http.ResponseWriter, p url.Values, now time.Time) {
	var session struct {
		ID    string `json:"sessionId"`
		Key   string `json:"sessionKey"`
		Token string `json:"sessionToken"`
	}
	if err := json.Unmarshal([]byte(p.Get("Session")), &session); err != nil || session.ID == "" {
		fedError(w, http.StatusBadRequest, invalidCredentialsMsg)
		return
	}
	var duration time.Duration
	hasDuration := p.Has("SessionDuration")
	if hasDuration {
		n, err := strconv.Atoi(p.Get("SessionDuration"))
		if err != nil || n < minConsoleSession || n > maxConsoleSession {
			fedError(w, http.StatusBadRequest, "Invalid SessionDuration parameter")
			return
		}
		duration = time.Duration(n) * time.Second
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.creds[session.ID]
	switch {
	case c == nil || c.kind == kindUser || !equalSecret(session.Key, c.secret) || !equalSecret(session.Token, c.token):
		// Long-lived keys have no token and are refused too.
		fedError(w, http.StatusBadRequest, invalidCredentialsMsg)
		return
	case c.expired(now):
		s.countExpired()
		fedError(w, http.StatusBadRequest, "The security token included in the request is expired")
		return
	case c.kind == kindSession:
		// The console does not accept GetSessionToken credentials.
		fedError(w, http.StatusBadRequest, invalidCredentialsMsg)
		return
	case hasDuration && (c.kind == kindFederated || c.chained):
		// SessionDuration is refused for GetFederationToken credentials and
		// for credentials obtained by role chaining.
		fedError(w, http.StatusBadRequest, invalidCredentialsMsg)
		return
	}
	for t, st := range s.signin {
		if now.Sub(st.issued) > signinTokenLifetime {
			delete(s.signin, t)
		}
	}
	token := base64.RawURLEncoding.EncodeToString(randomBytes(384))
	s.signin[token] = &signinToken{cred: c, issued: now, sessionDuration: duration}
	out, _ := json.Marshal(map[string]string{"SigninToken": token})
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}

func (s *Server) login(w http.ResponseWriter, p url.Values, now time.Time) {
	dest := p.Get("Destination")
	u, err := url.Parse(dest)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		fedError(w, http.StatusBadRequest, "Invalid Destination parameter")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	token := p.Get("SigninToken")
	st := s.signin[token]
	if st == nil || now.Sub(st.issued) > signinTokenLifetime || now.Before(st.issued) || st.cred.expired(now) {
		fedError(w, http.StatusBadRequest, "Invalid SigninToken parameter")
		return
	}
	delete(s.signin, token) // a sign-in token is good for one sign-in
	s.logins = append(s.logins, Login{
		ARN: st.cred.arn, Issuer: p.Get("Issuer"), Destination: dest,
		SessionDuration: st.sessionDuration, Time: now,
	})
	w.Header().Set("Location", dest)
	w.WriteHeader(http.StatusFound)
}
