package ststest

// The sign-in service of `aws login` (AWS CLI 2.32): the browser's
// /v1/authorize page, its cross-device confirmation page, and
// CreateOAuth2Token on /v1/token, with the paths, JSON field names and
// error shapes of the signin service model the AWS SDKs ship (2023-01-01,
// restJson1): the request body is the token input itself ({clientId,
// grantType, code, codeVerifier, redirectUri} or {clientId, grantType,
// refreshToken}); the answer is {accessToken: {accessKeyId,
// secretAccessKey, sessionToken}, tokenType, expiresIn, refreshToken,
// idToken}; an error is a status, an x-amzn-ErrorType header naming the
// exception and {"error": OAuth2ErrorCode, "message": "..."}.
//
// Both grants need a DPoP proof (RFC 9449) in the DPoP header: an ES256
// JWT whose header carries the client's public key (jwk) and typ
// dpop+jwt, whose payload has htm POST, htu equal to the request's URL, an
// iat within five minutes of the server's clock and a jti never seen
// before, signed (raw r||s, 64 bytes) with that key. A login's refresh
// tokens are bound to the key of the proof that made it; each is good for
// one use, and one used again ends the login (a stolen, replayed token is
// worth nothing), as OAuth 2.0 for browser-based apps recommends.
//
// Server.Count counts SigninAuthorize (the browser page),
// SigninConfirmation (the cross-device page), CreateOAuth2Token, and
// CreateOAuth2Token.authorization_code and CreateOAuth2Token.refresh_token
// by grant (which Total does not count again).

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The client ids of the AWS CLI's two `aws login` flows.
const (
	SigninSameDevice  = "arn:aws:signin:::devtools/same-device"
	SigninCrossDevice = "arn:aws:signin:::devtools/cross-device"
)

// SigninTokenType is the tokenType of CreateOAuth2Token's answer.
const SigninTokenType = "urn:aws:params:oauth:token-type:access_token_sigv4"

const (
	pathSigninAuthorize    = "/v1/authorize"
	pathSigninToken        = "/v1/token"
	pathSigninConfirmation = "/v1/sessions/confirmation"
)

// dpopWindow is how far a DPoP proof's iat may be from the server's clock.
const dpopWindow = 5 * time.Minute

// AWSLoginSettings configure the sign-in service. A zero field takes its
// default.
type AWSLoginSettings struct {
	// UserName is the IAM user who signs in in the browser; the user is
	// created (without MFA: the browser did that) when the server has none
	// of that name. Default "login-user".
	UserName string
	// CredentialLifetime is how long the credentials of a token call last
	// (expiresIn), cut further by Server.SetLifetime. Default 15m, the
	// service's.
	CredentialLifetime time.Duration
	// SessionLifetime is how long a login's refresh tokens work. Default
	// 12h, the service's.
	SessionLifetime time.Duration
	// AuthCodeLifetime is how long an authorization code can be exchanged.
	// Default 5m.
	AuthCodeLifetime time.Duration
	// Consent is what the person does in the browser (SSOAllow, SSODeny,
	// SSOWrongState).
	Consent SSOConsent
}

func (st AWSLoginSettings) withDefaults() AWSLoginSettings {
	if st.UserName == "" {
		st.UserName = "login-user"
	}
	if st.CredentialLifetime <= 0 {
		st.CredentialLifetime = 15 * time.Minute
	}
	if st.SessionLifetime <= 0 {
		st.SessionLifetime = 12 * time.Hour
	}
	if st.AuthCodeLifetime <= 0 {
		st.AuthCodeLifetime = 5 * time.Minute
	}
	return st
}

// awsLoginState is the sign-in service's side of the server, guarded by
// Server.mu; its maps are made on first use.
type awsLoginState struct {
	settings AWSLoginSettings
	codes    map[string]*loginCode
	refresh  map[string]*loginRefresh // every refresh token ever issued
	jtis     map[string]bool
	sessions []*loginSession
	idKey    *ecdsa.PrivateKey // signs the idTokens
}

func (st *awsLoginState) init() {
	if st.codes == nil {
		st.codes = map[string]*loginCode{}
		st.refresh = map[string]*loginRefresh{}
		st.jtis = map[string]bool{}
		st.idKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
}

type loginCode struct {
	clientID, redirect, challenge string
	user                          *userState
	expires                       time.Time
	used                          bool
}

// loginSession is one sign-in: its refresh tokens work until it ends, and
// only with proofs of its key.
type loginSession struct {
	user     *userState
	clientID string
	key      string // the JWK thumbprint of the key the login was made with
	expires  time.Time
	ended    string // the OAuth2ErrorCode its refreshes get once ended, "" while live
}

type loginRefresh struct {
	session *loginSession
	used    bool
}

// SetAWSLogin replaces the sign-in service's settings.
func (s *Server) SetAWSLogin(st AWSLoginSettings) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.alogin.settings = st
}

// EndAWSLogins ends every login made so far: their refresh tokens are
// refused with code, an OAuth2ErrorCode such as "TOKEN_EXPIRED" (the
// login's 12 hours are over), "USER_CREDENTIALS_CHANGED" (the password was
// changed) or "INSUFFICIENT_PERMISSIONS" (the user lost
// signin:CreateOAuth2Token).
func (s *Server) EndAWSLogins(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, se := range s.alogin.sessions {
		se.ended = code
	}
}

// AWSLogins returns how many logins (authorization codes exchanged) the
// service made.
func (s *Server) AWSLogins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.alogin.sessions)
}

// serveAWSLogin serves the sign-in service's paths; false for any other.
func (s *Server) serveAWSLogin(w http.ResponseWriter, r *http.Request) bool {
	switch r.URL.Path {
	case pathSigninAuthorize:
		s.count("SigninAuthorize")
		if r.Method != http.MethodGet {
			fedError(w, http.StatusMethodNotAllowed, "GET only")
			return true
		}
		s.signinAuthorize(w, r, s.now())
	case pathSigninConfirmation:
		s.count("SigninConfirmation")
		signinConfirmation(w, r)
	case pathSigninToken:
		s.count("CreateOAuth2Token")
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		switch {
		case !s.wait(r.Context()):
			writeSigninError(w, &signinError{http.StatusServiceUnavailable, "ServiceUnavailableException", "service_unavailable", "service is shutting down"})
		case r.Method != http.MethodPost:
			writeSigninError(w, &signinError{http.StatusNotFound, "UnknownOperationException", "INVALID_REQUEST", "no operation " + r.Method + " " + r.URL.Path})
		case err != nil || len(body) > maxBody:
			writeSigninError(w, errSigninValidation("the request body could not be read or is too large"))
		default:
			s.createOAuth2Token(w, r, body, s.now())
		}
	default:
		return false
	}
	return true
}

// signinError is an error of the sign-in service.
type signinError struct {
	status    int
	exception string // e.g. AccessDeniedException
	code      string // the OAuth2ErrorCode of the body's "error"
	message   string
}

func errSigninValidation(msg string) *signinError {
	return &signinError{http.StatusBadRequest, "ValidationException", "INVALID_REQUEST", msg}
}

func errSigninGrant(msg string) *signinError {
	return &signinError{http.StatusBadRequest, "InvalidGrantException", "invalid_grant", msg}
}

func errSigninDenied(code, msg string) *signinError {
	return &signinError{http.StatusBadRequest, "AccessDeniedException", code, msg}
}

func writeSigninError(w http.ResponseWriter, e *signinError) {
	w.Header().Set("X-Amzn-Errortype", e.exception)
	writeJSON(w, e.status, map[string]string{"error": e.code, "message": e.message})
}

// signinAuthorize is the sign-in page: the person signs in (as the
// settings' user) and the browser is sent to the client's redirect URI
// with a code and the client's state.
func (s *Server) signinAuthorize(w http.ResponseWriter, r *http.Request, now time.Time) {
	q := r.URL.Query()
	redirect := q.Get("redirect_uri")
	client := q.Get("client_id")
	var redirectOK bool
	switch client {
	case SigninSameDevice:
		u, err := url.Parse(redirect)
		redirectOK = err == nil && u.Scheme == "http" && isLoopback(u.Hostname()) && u.Port() != "" &&
			u.User == nil && u.Fragment == ""
	case SigninCrossDevice:
		redirectOK = redirect == baseURL(r)+pathSigninConfirmation
	}
	if !redirectOK {
		// Never send a code to an address that is not the client's.
		fedError(w, http.StatusBadRequest, "Invalid client_id or redirect_uri")
		return
	}
	fail := func(code, desc string) {
		back(w, redirect, url.Values{"error": {code}, "error_description": {desc}}, q)
	}
	challenge := q.Get("code_challenge")
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "response_type must be code")
		return
	case q.Get("code_challenge_method") != "SHA-256":
		fail("invalid_request", "code_challenge_method must be SHA-256")
		return
	case len(challenge) != 43 || strings.Trim(challenge, base64URLAlphabet) != "":
		fail("invalid_request", "code_challenge must be the base64url SHA-256 of the code verifier")
		return
	case q.Get("state") == "":
		fail("invalid_request", "state is required")
		return
	case !containsWord(q.Get("scope"), "openid"):
		fail("invalid_scope", "scope must include openid")
		return
	}
	s.mu.Lock()
	s.alogin.init()
	st := s.alogin.settings.withDefaults()
	if st.Consent == SSODeny {
		s.mu.Unlock()
		fail("access_denied", "The user denied the authorization request")
		return
	}
	user := s.users[st.UserName]
	s.mu.Unlock()
	if user == nil {
		s.AddUser(st.UserName, false)
		s.mu.Lock()
		user = s.users[st.UserName]
		s.mu.Unlock()
	}
	code := base64.RawURLEncoding.EncodeToString(randomBytes(32))
	s.mu.Lock()
	s.alogin.codes[code] = &loginCode{clientID: client, redirect: redirect, challenge: challenge,
		user: user, expires: now.Add(st.AuthCodeLifetime)}
	s.mu.Unlock()
	if st.Consent == SSOWrongState {
		q = url.Values{"state": {"not-" + q.Get("state")}}
	}
	back(w, redirect, url.Values{"code": {code}}, q)
}

const base64URLAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func containsWord(list, word string) bool {
	for _, w := range strings.Fields(list) {
		if w == word {
			return true
		}
	}
	return false
}

// signinConfirmation is the page the cross-device flow ends on: it shows
// the code to paste into the terminal, base64 of "code=...&state=...".
// Its one line starting "Code: " is what a test reads.
func signinConfirmation(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if e := q.Get("error"); e != "" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = fmt.Fprintf(w, "Sign-in failed: %s\n", e)
		return
	}
	pasted := url.Values{"code": {q.Get("code")}, "state": {q.Get("state")}}.Encode()
	_, _ = fmt.Fprintf(w, "Copy this code into your terminal to finish signing in.\nCode: %s\n",
		base64.StdEncoding.EncodeToString([]byte(pasted)))
}

type oauth2TokenRequest struct {
	ClientID     *string `json:"clientId"`
	GrantType    *string `json:"grantType"`
	Code         *string `json:"code"`
	RedirectURI  *string `json:"redirectUri"`
	CodeVerifier *string `json:"codeVerifier"`
	RefreshToken *string `json:"refreshToken"`
}

func (s *Server) createOAuth2Token(w http.ResponseWriter, r *http.Request, body []byte, now time.Time) {
	var req oauth2TokenRequest
	if json.Unmarshal(body, &req) != nil {
		writeSigninError(w, errSigninValidation("the request body is not valid JSON of this operation"))
		return
	}
	grant := ""
	if req.GrantType != nil {
		grant = *req.GrantType
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.alogin.init()
	if grant == GrantAuthorizationCode || grant == GrantRefreshToken {
		s.counts["CreateOAuth2Token."+grant]++ // not a request of its own: Total is unchanged
	}
	if req.ClientID == nil || *req.ClientID != SigninSameDevice && *req.ClientID != SigninCrossDevice {
		writeSigninError(w, errSigninValidation("clientId must be one of the devtools clients"))
		return
	}
	key, err := s.checkDPoP(r, now)
	if err != nil {
		writeSigninError(w, err)
		return
	}
	var out map[string]any
	switch grant {
	case GrantAuthorizationCode:
		out, err = s.exchangeCode(&req, key, now)
	case GrantRefreshToken:
		out, err = s.refreshLogin(&req, key, now)
	default:
		err = &signinError{http.StatusBadRequest, "ValidationException", "unsupported_grant_type", "grantType must be authorization_code or refresh_token"}
	}
	if err != nil {
		writeSigninError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// exchangeCode is the authorization_code grant. s.mu must be held.
func (s *Server) exchangeCode(req *oauth2TokenRequest, key string, now time.Time) (map[string]any, *signinError) {
	if req.Code == nil || req.CodeVerifier == nil || req.RedirectURI == nil {
		return nil, errSigninValidation("code, codeVerifier and redirectUri are required")
	}
	c := s.alogin.codes[*req.Code]
	if c == nil || c.used {
		return nil, errSigninGrant("the authorization code is not valid or was already used")
	}
	c.used = true // one try, right or wrong
	if !now.Before(c.expires) {
		return nil, errSigninDenied("AUTHCODE_EXPIRED", "the authorization code has expired")
	}
	sum := sha256.Sum256([]byte(*req.CodeVerifier))
	switch {
	case c.clientID != *req.ClientID:
		return nil, errSigninGrant("the authorization code was issued to another client")
	case c.redirect != *req.RedirectURI:
		return nil, errSigninGrant("redirectUri is not the one of the authorization request")
	case !equalSecret(base64.RawURLEncoding.EncodeToString(sum[:]), c.challenge):
		return nil, errSigninGrant("the code verifier does not match the code challenge")
	}
	st := s.alogin.settings.withDefaults()
	se := &loginSession{user: c.user, clientID: c.clientID, key: key, expires: now.Add(st.SessionLifetime)}
	s.alogin.sessions = append(s.alogin.sessions, se)
	out := s.loginTokens(se, now, st)
	out["idToken"] = s.idToken(se, now)
	return out, nil
}

// refreshLogin is the refresh_token grant. s.mu must be held.
func (s *Server) refreshLogin(req *oauth2TokenRequest, key string, now time.Time) (map[string]any, *signinError) {
	if req.RefreshToken == nil || *req.RefreshToken == "" {
		return nil, errSigninValidation("refreshToken is required")
	}
	rt := s.alogin.refresh[*req.RefreshToken]
	if rt == nil {
		return nil, errSigninGrant("the refresh token is not valid")
	}
	se := rt.session
	switch {
	case rt.used:
		se.ended = "TOKEN_EXPIRED" // a replayed token ends the login it belongs to
		return nil, errSigninGrant("the refresh token was already used")
	case se.ended != "":
		return nil, errSigninDenied(se.ended, loginEndedMessage[se.ended])
	case !now.Before(se.expires):
		return nil, errSigninDenied("TOKEN_EXPIRED", loginEndedMessage["TOKEN_EXPIRED"])
	case se.clientID != *req.ClientID:
		return nil, errSigninGrant("the refresh token was issued to another client")
	case se.key != key:
		return nil, errSigninGrant("the DPoP proof is not signed with the key the login is bound to")
	}
	rt.used = true
	return s.loginTokens(se, now, s.alogin.settings.withDefaults()), nil
}

var loginEndedMessage = map[string]string{
	"TOKEN_EXPIRED":            "the login session has expired",
	"USER_CREDENTIALS_CHANGED": "the user's password was changed",
	"INSUFFICIENT_PERMISSIONS": "the user is not allowed signin:CreateOAuth2Token",
}

// loginTokens issues credentials and a new refresh token of se. s.mu must
// be held.
func (s *Server) loginTokens(se *loginSession, now time.Time, st AWSLoginSettings) map[string]any {
	c := s.issue(&credential{
		kind: kindSession, user: se.user, arn: se.user.ARN, userID: se.user.uniqueID,
		account: se.user.AccountID, mfa: true,
	}, now, int(st.CredentialLifetime/time.Second))
	if c.expires.After(se.expires) {
		c.expires = se.expires.UTC().Truncate(time.Second)
	}
	refresh := "aws-login-rt-" + base64.RawURLEncoding.EncodeToString(randomBytes(48))
	s.alogin.refresh[refresh] = &loginRefresh{session: se}
	return map[string]any{
		"accessToken": map[string]string{
			"accessKeyId": c.keyID, "secretAccessKey": c.secret, "sessionToken": c.token,
		},
		"tokenType":    SigninTokenType,
		"expiresIn":    int(c.expires.Sub(now) / time.Second),
		"refreshToken": refresh,
	}
}

// idToken is an OpenID Connect ID token of se's user, signed by the
// service; its sub is the user's ARN, the login_session the CLI records.
func (s *Server) idToken(se *loginSession, now time.Time) string {
	header := b64JSON(map[string]string{"alg": "ES256", "typ": "JWT", "kid": "signin-standin"})
	payload := b64JSON(map[string]any{
		"iss": "https://signin.aws.amazon.com", "sub": se.user.ARN, "aud": se.clientID,
		"iat": now.Unix(), "exp": now.Add(15 * time.Minute).Unix(),
	})
	sum := sha256.Sum256([]byte(header + "." + payload))
	r, sig, err := ecdsa.Sign(rand.Reader, s.alogin.idKey, sum[:])
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	raw := make([]byte, 64)
	r.FillBytes(raw[:32])
	sig.FillBytes(raw[32:])
	return header + "." + payload + "." + base64.RawURLEncoding.EncodeToString(raw)
}

func b64JSON(v any) string {
	data, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(data)
}

// checkDPoP verifies the request's DPoP proof and returns the thumbprint
// of its key. s.mu must be held.
func (s *Server) checkDPoP(r *http.Request, now time.Time) (string, *signinError) {
	proofs := r.Header.Values("DPoP")
	if len(proofs) != 1 {
		return "", errSigninValidation("exactly one DPoP proof is required")
	}
	parts := strings.Split(proofs[0], ".")
	if len(parts) != 3 {
		return "", errSigninValidation("the DPoP proof is not a JWT")
	}
	var header struct {
		Typ string          `json:"typ"`
		Alg string          `json:"alg"`
		JWK json.RawMessage `json:"jwk"`
	}
	var payload struct {
		JTI *string  `json:"jti"`
		HTM *string  `json:"htm"`
		HTU *string  `json:"htu"`
		IAT *float64 `json:"iat"`
	}
	if !decodeSegment(parts[0], &header) || !decodeSegment(parts[1], &payload) {
		return "", errSigninValidation("the DPoP proof's header or payload is not base64url JSON")
	}
	if header.Typ != "dpop+jwt" || header.Alg != "ES256" {
		return "", errSigninValidation("the DPoP proof must have typ dpop+jwt and alg ES256")
	}
	pub, thumb, ok := parseJWK(header.JWK)
	if !ok {
		return "", errSigninValidation("the DPoP proof's jwk is not a public P-256 key")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return "", errSigninValidation("the DPoP proof's signature is not a raw 64-byte ES256 signature")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return "", errSigninValidation("the DPoP proof's signature does not verify with its jwk")
	}
	want := baseURL(r) + r.URL.Path
	switch {
	case payload.HTM == nil || *payload.HTM != r.Method:
		return "", errSigninValidation("the DPoP proof's htm is not the request's method")
	case payload.HTU == nil || *payload.HTU != want:
		return "", errSigninValidation("the DPoP proof's htu is not the request's URL")
	case payload.JTI == nil || *payload.JTI == "":
		return "", errSigninValidation("the DPoP proof has no jti")
	case payload.IAT == nil:
		return "", errSigninValidation("the DPoP proof has no iat")
	}
	iat := time.Unix(int64(*payload.IAT), 0)
	if iat.Before(now.Add(-dpopWindow)) || iat.After(now.Add(dpopWindow)) {
		return "", errSigninValidation("the DPoP proof's iat is too far from the server's clock")
	}
	if s.alogin.jtis[*payload.JTI] {
		return "", errSigninValidation("the DPoP proof's jti was already used")
	}
	s.alogin.jtis[*payload.JTI] = true
	return thumb, nil
}

func decodeSegment(seg string, v any) bool {
	data, err := base64.RawURLEncoding.DecodeString(seg)
	return err == nil && json.Unmarshal(data, v) == nil
}

// parseJWK reads a public P-256 JWK and returns the key and its RFC 7638
// thumbprint. A JWK with a private part ("d") is refused.
func parseJWK(raw json.RawMessage) (*ecdsa.PublicKey, string, bool) {
	var jwk map[string]any
	if json.Unmarshal(raw, &jwk) != nil || jwk["kty"] != "EC" || jwk["crv"] != "P-256" || jwk["d"] != nil {
		return nil, "", false
	}
	xs, _ := jwk["x"].(string)
	ys, _ := jwk["y"].(string)
	x, err1 := base64.RawURLEncoding.DecodeString(xs)
	y, err2 := base64.RawURLEncoding.DecodeString(ys)
	if err1 != nil || err2 != nil || len(x) > 32 || len(y) > 32 {
		return nil, "", false
	}
	point := make([]byte, 65)
	point[0] = 4
	copy(point[33-len(x):33], x)
	copy(point[65-len(y):], y)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return nil, "", false
	}
	canon := `{"crv":"P-256","kty":"EC","x":"` + base64.RawURLEncoding.EncodeToString(point[1:33]) +
		`","y":"` + base64.RawURLEncoding.EncodeToString(point[33:]) + `"}`
	sum := sha256.Sum256([]byte(canon))
	return pub, base64.RawURLEncoding.EncodeToString(sum[:]), true
}
