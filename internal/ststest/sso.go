package ststest

// The IAM Identity Center stand-in: the sso-oidc API (RegisterClient,
// StartDeviceAuthorization, CreateToken and the /authorize page of the
// authorization code flow) in this file, the portal API (GetRoleCredentials,
// ListAccounts, ListAccountRoles, Logout) in sso_portal.go. Both are
// REST-JSON, with the paths, field names, error shapes and HTTP statuses of
// the service models that botocore and the AWS SDKs ship (sso-oidc and sso,
// 2019-06-10): an error is a status, an x-amzn-ErrorType header naming the
// exception (what the SDKs read) and a JSON body, {"error": "slow_down",
// "error_description": "..."} for sso-oidc and {"message": "..."} for the
// portal.
//
// Server.Count counts each operation by name (RegisterClient,
// StartDeviceAuthorization, CreateToken, GetRoleCredentials, ListAccounts,
// ListAccountRoles, Logout; Authorize and Device for the two browser
// pages), and CreateToken also by grant as CreateToken.device_code,
// CreateToken.authorization_code and CreateToken.refresh_token (which
// Total does not count again).

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultSSOStartURL is the AWS access portal URL of the stand-in's IAM
// Identity Center instance, unless SSOSettings.StartURL says otherwise.
const DefaultSSOStartURL = "https://d-1234567890.awsapps.com/start"

// The grant types of CreateToken.
const (
	GrantDeviceCode        = "urn:ietf:params:oauth:grant-type:device_code"
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
)

// userCodeAlphabet has no vowels, so user codes spell no words.
const userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"

// SSOAccountAccessScope is the scope that lets a token reach the accounts
// of the portal; only clients registered with it get refresh tokens.
const SSOAccountAccessScope = "sso:account:access"

// SSOConsent is what the person in the browser does with a login.
type SSOConsent int

// The answers of the person in the browser.
const (
	// SSOAllow approves the login (the default).
	SSOAllow SSOConsent = iota
	// SSODeny refuses it: /authorize redirects with error=access_denied and
	// a device code polls AccessDeniedException.
	SSODeny
	// SSOWrongState makes /authorize redirect with a code and a state that
	// is not the one the client sent (an answer from another login).
	SSOWrongState
)

// SSOSettings configure the IAM Identity Center stand-in. A zero field
// takes its default.
type SSOSettings struct {
	// StartURL is the instance's access portal URL: StartDeviceAuthorization
	// and RegisterClient's issuerUrl must name it. Default DefaultSSOStartURL.
	StartURL string
	// UserName is the person who logs in; it is the session name of the
	// role credentials. Default "sso-user".
	UserName string
	// AccessTokenLifetime is how long an access token lasts (never beyond
	// its session). Default 1h.
	AccessTokenLifetime time.Duration
	// SessionLifetime is how long a login lasts: its refresh tokens work
	// until then. Default 8h, the service's default session duration.
	SessionLifetime time.Duration
	// ClientLifetime is how long a client registration lasts. Default 90
	// days, as the service's.
	ClientLifetime time.Duration
	// DeviceCodeLifetime is how long a device authorization waits for the
	// person. Default 10m.
	DeviceCodeLifetime time.Duration
	// DeviceInterval is the polling interval StartDeviceAuthorization
	// returns, in whole seconds. Default 1s.
	DeviceInterval time.Duration
	// AuthCodeLifetime is how long an authorization code can be exchanged.
	// Default 5m.
	AuthCodeLifetime time.Duration
	// RoleCredentialLifetime is how long GetRoleCredentials' credentials
	// last (the permission set's session duration), cut further by
	// Server.SetLifetime. Default 1h.
	RoleCredentialLifetime time.Duration
	// UserCode is the user code of the next device authorizations; ""
	// makes a random one ("ABCD-EFGH") each time.
	UserCode string
	// Consent is what the person does in the browser, on /authorize and
	// on the device verification page.
	Consent SSOConsent
	// RotateRefreshTokens makes a refresh token good for one use: the one
	// CreateToken answers with replaces it.
	RotateRefreshTokens bool
	// PageSize is how many items ListAccounts and ListAccountRoles return
	// when the client sends no max_result. Default 20.
	PageSize int
}

func (st SSOSettings) withDefaults() SSOSettings {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if st.StartURL == "" {
		st.StartURL = DefaultSSOStartURL
	}
	if st.UserName == "" {
		st.UserName = "sso-user"
	}
	def(&st.AccessTokenLifetime, time.Hour)
	def(&st.SessionLifetime, 8*time.Hour)
	def(&st.ClientLifetime, 90*24*time.Hour)
	def(&st.DeviceCodeLifetime, 10*time.Minute)
	def(&st.DeviceInterval, time.Second)
	def(&st.AuthCodeLifetime, 5*time.Minute)
	def(&st.RoleCredentialLifetime, time.Hour)
	if st.PageSize <= 0 {
		st.PageSize = 20
	}
	return st
}

// SSOFault makes requests for an sso-oidc or portal action fail on purpose.
type SSOFault struct {
	// Action is the operation: "RegisterClient", "StartDeviceAuthorization",
	// "CreateToken", "GetRoleCredentials", "ListAccounts",
	// "ListAccountRoles" or "Logout".
	Action string
	// Times is how many requests fail, 1 when zero.
	Times int
	// Code is the exception, e.g. "SlowDownException",
	// "InternalServerException", "TooManyRequestsException".
	Code string
	// Status is the HTTP status; 0 takes the exception's own (400 when it
	// is not one the stand-in knows).
	Status int
	// Message is the error description; "" for a generic one.
	Message string
}

// ssoState is the IAM Identity Center side of the server, guarded by
// Server.mu. Its maps are made on first use.
type ssoState struct {
	settings SSOSettings // as set; withDefaults gives the effective ones
	accounts []*ssoAccount
	byID     map[string]*ssoAccount
	clients  map[string]*ssoClient
	devices  map[string]*ssoDevice // by device code
	byUser   map[string]*ssoDevice // by user code
	codes    map[string]*ssoAuthCode
	access   map[string]*ssoAccess
	refresh  map[string]*ssoRefresh
	sessions []*ssoSession
	faults   []SSOFault
}

type ssoClient struct {
	id, secret, name string
	scopes           []string
	grants           []string // nil: device code and refresh token
	redirects        []string
	issuer           string
	expires          time.Time
}

func (c *ssoClient) allows(grant string) bool {
	if c.grants == nil {
		return grant == GrantDeviceCode || grant == GrantRefreshToken
	}
	return slices.Contains(c.grants, grant)
}

// ssoSession is one login of the person: the access and refresh tokens it
// gave work until it ends or is logged out.
type ssoSession struct {
	expires time.Time
	revoked bool
}

func (s *ssoSession) live(now time.Time) bool { return !s.revoked && now.Before(s.expires) }

type ssoAccess struct {
	session *ssoSession
	expires time.Time
}

type ssoRefresh struct {
	session *ssoSession
	client  *ssoClient
	scopes  []string
	used    bool
}

type deviceState int

const (
	devicePending deviceState = iota
	deviceApproved
	deviceDenied
	deviceDone // exchanged for a token
)

type ssoDevice struct {
	code, userCode string
	client         *ssoClient
	expires        time.Time
	interval       time.Duration
	lastPoll       time.Time
	state          deviceState
}

type ssoAuthCode struct {
	client      *ssoClient
	redirectURI string
	challenge   string
	scopes      []string
	expires     time.Time
	used        bool
}

func (st *ssoState) init() {
	if st.clients != nil {
		return
	}
	st.byID = map[string]*ssoAccount{}
	st.clients = map[string]*ssoClient{}
	st.devices = map[string]*ssoDevice{}
	st.byUser = map[string]*ssoDevice{}
	st.codes = map[string]*ssoAuthCode{}
	st.access = map[string]*ssoAccess{}
	st.refresh = map[string]*ssoRefresh{}
}

// SetSSO replaces the IAM Identity Center settings. Logins, tokens and
// accounts are kept.
func (s *Server) SetSSO(st SSOSettings) {
	s.mu.Lock()
	s.sso.settings = st
	s.mu.Unlock()
}

// SSO returns the IAM Identity Center settings in force, defaults filled in.
func (s *Server) SSO() SSOSettings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sso.settings.withDefaults()
}

// AddSSOFault queues a fault; faults of one action are used in order.
func (s *Server) AddSSOFault(f SSOFault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	s.sso.faults = append(s.sso.faults, f)
	s.mu.Unlock()
}

// ApproveSSODevice approves the device authorization with that user code,
// as the person does on the verification page.
func (s *Server) ApproveSSODevice(userCode string) error {
	return s.decideDevice(userCode, deviceApproved)
}

// DenySSODevice refuses the device authorization with that user code.
func (s *Server) DenySSODevice(userCode string) error {
	return s.decideDevice(userCode, deviceDenied)
}

func (s *Server) decideDevice(userCode string, to deviceState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sso.init()
	d := s.sso.byUser[userCode]
	switch {
	case d == nil:
		return errors.New("ststest: no device authorization has user code " + strconv.Quote(userCode))
	case !s.now().Before(d.expires):
		return errors.New("ststest: the device authorization of " + userCode + " has expired")
	case d.state != devicePending:
		return errors.New("ststest: the device authorization of " + userCode + " is already decided")
	}
	d.state = to
	return nil
}

// ExpireSSOAccessTokens ends every access token issued so far, as their
// expiry would; refresh tokens keep working.
func (s *Server) ExpireSSOAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, a := range s.sso.access {
		a.expires = now
	}
}

// EndSSOSessions ends every login so far, as an administrator revoking the
// person's sessions does: their access and refresh tokens stop working.
func (s *Server) EndSSOSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, se := range s.sso.sessions {
		se.revoked = true
	}
}

// The paths of the sso-oidc API and of the portal API.
const (
	pathRegister      = "/client/register"
	pathDeviceAuth    = "/device_authorization"
	pathToken         = "/token"
	pathAuthorize     = "/authorize"
	pathDevicePage    = "/device"
	pathRoleCreds     = "/federation/credentials"
	pathAccounts      = "/assignment/accounts"
	pathAccountRoles  = "/assignment/roles"
	pathLogout        = "/logout"
	ssoErrorNamespace = ":http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/"
)

// serveSSO serves r if its path is one of IAM Identity Center's, and says
// whether it did.
func (s *Server) serveSSO(w http.ResponseWriter, r *http.Request) bool {
	type route struct {
		method, action string
		portal         bool
		h              func(w http.ResponseWriter, r *http.Request, body []byte, now time.Time)
	}
	var rt route
	switch r.URL.Path {
	case pathRegister:
		rt = route{http.MethodPost, "RegisterClient", false, s.registerClient}
	case pathDeviceAuth:
		rt = route{http.MethodPost, "StartDeviceAuthorization", false, s.startDeviceAuthorization}
	case pathToken:
		rt = route{http.MethodPost, "CreateToken", false, s.createToken}
	case pathAuthorize:
		rt = route{http.MethodGet, "Authorize", false, s.authorizePage}
	case pathDevicePage:
		rt = route{http.MethodGet, "Device", false, s.devicePage}
	case pathRoleCreds:
		rt = route{http.MethodGet, "GetRoleCredentials", true, s.getRoleCredentials}
	case pathAccounts:
		rt = route{http.MethodGet, "ListAccounts", true, s.listAccounts}
	case pathAccountRoles:
		rt = route{http.MethodGet, "ListAccountRoles", true, s.listAccountRoles}
	case pathLogout:
		rt = route{http.MethodPost, "Logout", true, s.logout}
	default:
		return false
	}
	s.count(rt.action)
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if !s.wait(r.Context()) {
		writeSSOError(w, rt.portal, &ssoError{http.StatusServiceUnavailable, "ServiceUnavailableException", "service is shutting down"})
		return true
	}
	switch {
	case r.Method != rt.method:
		writeSSOError(w, rt.portal, &ssoError{http.StatusNotFound, "UnknownOperationException", "no operation " + r.Method + " " + r.URL.Path})
	case err != nil || len(body) > maxBody:
		writeSSOError(w, rt.portal, errSSOInvalidRequest("the request body could not be read or is too large"))
	default:
		if f := s.takeSSOFault(rt.action); f != nil {
			writeSSOError(w, rt.portal, f)
			return true
		}
		rt.h(w, r, body, s.now())
	}
	return true
}

func (s *Server) takeSSOFault(action string) *ssoError {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.sso.faults {
		if f.Action != action {
			continue
		}
		if f.Times--; f.Times <= 0 {
			s.sso.faults = slices.Delete(s.sso.faults, i, i+1)
		} else {
			s.sso.faults[i] = f
		}
		status := f.Status
		if status == 0 {
			status = ssoStatus[f.Code]
		}
		if status == 0 {
			status = http.StatusBadRequest
		}
		msg := f.Message
		if msg == "" {
			msg = "fault injected by the test"
		}
		return &ssoError{status, f.Code, msg}
	}
	return nil
}

// ssoError is an error of the sso-oidc or the portal API.
type ssoError struct {
	status    int
	exception string // e.g. AuthorizationPendingException
	message   string
}

func (e *ssoError) Error() string { return e.exception + ": " + e.message }

// ssoStatus and oauthCode are the HTTP status and the OAuth error code of
// each exception, from the service models.
var ssoStatus = map[string]int{
	"AccessDeniedException":          400,
	"AuthorizationPendingException":  400,
	"ExpiredTokenException":          400,
	"InternalServerException":        500,
	"InvalidClientException":         401,
	"InvalidClientMetadataException": 400,
	"InvalidGrantException":          400,
	"InvalidRedirectUriException":    400,
	"InvalidRequestException":        400,
	"InvalidScopeException":          400,
	"SlowDownException":              400,
	"UnauthorizedClientException":    400,
	"UnsupportedGrantTypeException":  400,
	"UnauthorizedException":          401,
	"ForbiddenException":             403,
	"ResourceNotFoundException":      404,
	"TooManyRequestsException":       429,
}

var oauthCode = map[string]string{
	"AccessDeniedException":          "access_denied",
	"AuthorizationPendingException":  "authorization_pending",
	"ExpiredTokenException":          "expired_token",
	"InternalServerException":        "server_error",
	"InvalidClientException":         "invalid_client",
	"InvalidClientMetadataException": "invalid_client_metadata",
	"InvalidGrantException":          "invalid_grant",
	"InvalidRedirectUriException":    "invalid_redirect_uri",
	"InvalidRequestException":        "invalid_request",
	"InvalidScopeException":          "invalid_scope",
	"SlowDownException":              "slow_down",
	"UnauthorizedClientException":    "unauthorized_client",
	"UnsupportedGrantTypeException":  "unsupported_grant_type",
}

func oidcError(exception, msg string) *ssoError {
	return &ssoError{ssoStatus[exception], exception, msg}
}

func errSSOInvalidRequest(msg string) *ssoError { return oidcError("InvalidRequestException", msg) }

func errInvalidClient() *ssoError {
	return oidcError("InvalidClientException", "Client authentication failed")
}

func errInvalidGrant(msg string) *ssoError { return oidcError("InvalidGrantException", msg) }

func writeSSOError(w http.ResponseWriter, portal bool, e *ssoError) {
	var body any
	if portal {
		body = map[string]string{"message": e.message}
	} else {
		code := oauthCode[e.exception]
		if code == "" {
			code = strings.ToLower(strings.TrimSuffix(e.exception, "Exception"))
		}
		body = map[string]string{"error": code, "error_description": e.message}
	}
	w.Header().Set("X-Amzn-Errortype", e.exception+ssoErrorNamespace)
	writeJSON(w, e.status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, _ := json.Marshal(v)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-Requestid", newRequestID())
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// decodeSSO decodes a JSON request body into v; a body of the wrong shape
// is an InvalidRequestException.
func decodeSSO(body []byte, v any) *ssoError {
	if len(strings.TrimSpace(string(body))) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return errSSOInvalidRequest("the request body is not valid JSON of this operation")
	}
	return nil
}

// authClient checks a client's id and secret. s.mu must be held.
func (s *Server) authClient(id, secret string, now time.Time) (*ssoClient, *ssoError) {
	c := s.sso.clients[id]
	if c == nil || !equalSecret(secret, c.secret) {
		return nil, errInvalidClient()
	}
	if !now.Before(c.expires) {
		return nil, oidcError("InvalidClientException", "The client registration has expired")
	}
	return c, nil
}

type registerClientRequest struct {
	ClientName   *string  `json:"clientName"`
	ClientType   *string  `json:"clientType"`
	Scopes       []string `json:"scopes"`
	RedirectURIs []string `json:"redirectUris"`
	GrantTypes   []string `json:"grantTypes"`
	IssuerURL    *string  `json:"issuerUrl"`
}

func (s *Server) registerClient(w http.ResponseWriter, _ *http.Request, body []byte, now time.Time) {
	var req registerClientRequest
	if err := decodeSSO(body, &req); err != nil {
		writeSSOError(w, false, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sso.init()
	st := s.sso.settings.withDefaults()
	c, err := newSSOClient(req, st)
	if err != nil {
		writeSSOError(w, false, err)
		return
	}
	c.expires = now.Add(st.ClientLifetime).Truncate(time.Second)
	s.sso.clients[c.id] = c
	writeJSON(w, http.StatusOK, map[string]any{
		"clientId":              c.id,
		"clientSecret":          c.secret,
		"clientIdIssuedAt":      now.Unix(),
		"clientSecretExpiresAt": c.expires.Unix(),
	})
}

func newSSOClient(req registerClientRequest, st SSOSettings) (*ssoClient, *ssoError) {
	switch {
	case req.ClientName == nil || *req.ClientName == "":
		return nil, errSSOInvalidRequest("clientName is required")
	case req.ClientType == nil:
		return nil, errSSOInvalidRequest("clientType is required")
	case *req.ClientType != "public":
		return nil, oidcError("InvalidClientMetadataException", "Invalid client type: "+*req.ClientType)
	}
	for _, sc := range req.Scopes {
		if sc == "" || strings.ContainsAny(sc, " \t\r\n") {
			return nil, oidcError("InvalidScopeException", "Invalid scope: "+strconv.Quote(sc))
		}
	}
	for _, g := range req.GrantTypes {
		if g != GrantDeviceCode && g != GrantAuthorizationCode && g != GrantRefreshToken {
			return nil, oidcError("UnsupportedGrantTypeException", "Unsupported grant type: "+g)
		}
	}
	c := &ssoClient{
		id:     base64.RawURLEncoding.EncodeToString(randomBytes(16)) + "dXMtZWFzdC0x",
		secret: base64.RawURLEncoding.EncodeToString(randomBytes(480)),
		name:   *req.ClientName,
		scopes: slices.Clone(req.Scopes),
	}
	if req.GrantTypes != nil {
		c.grants = slices.Clone(req.GrantTypes)
	}
	if c.allows(GrantAuthorizationCode) {
		if len(req.RedirectURIs) == 0 {
			return nil, errSSOInvalidRequest("redirectUris are required for the authorization_code grant")
		}
		if req.IssuerURL == nil || *req.IssuerURL == "" {
			return nil, errSSOInvalidRequest("issuerUrl is required for the authorization_code grant")
		}
		if *req.IssuerURL != st.StartURL {
			return nil, errSSOInvalidRequest("Invalid issuerUrl: " + *req.IssuerURL)
		}
		c.issuer = *req.IssuerURL
	}
	for _, ru := range req.RedirectURIs {
		if !validRedirectURI(ru) {
			return nil, oidcError("InvalidRedirectUriException", "Invalid redirect URI: "+ru)
		}
	}
	c.redirects = slices.Clone(req.RedirectURIs)
	return c, nil
}

// validRedirectURI accepts https URIs and http ones on the loopback
// interface, without a fragment (RFC 6749 3.1.2, RFC 8252 7.3).
func validRedirectURI(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Fragment != "" || u.User != nil {
		return false
	}
	return u.Scheme == "https" || (u.Scheme == "http" && isLoopback(u.Hostname()))
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// redirectMatches says whether a redirect URI sent with a request is one
// the client registered. For loopback URIs the port does not count, as RFC
// 8252 7.3 asks and the AWS CLI relies on: it registers
// http://127.0.0.1/oauth/callback and listens on a new port each login.
func (c *ssoClient) redirectMatches(raw string) bool {
	got, err := url.Parse(raw)
	if err != nil {
		return false
	}
	for _, reg := range c.redirects {
		if reg == raw {
			return true
		}
		want, err := url.Parse(reg)
		if err != nil || want.Scheme != "http" || !isLoopback(want.Hostname()) {
			continue
		}
		if got.Scheme == want.Scheme && got.Hostname() == want.Hostname() && got.Path == want.Path &&
			got.RawQuery == want.RawQuery && got.Fragment == "" {
			return true
		}
	}
	return false
}

type startDeviceRequest struct {
	ClientID     *string `json:"clientId"`
	ClientSecret *string `json:"clientSecret"`
	StartURL     *string `json:"startUrl"`
}

func (s *Server) startDeviceAuthorization(w http.ResponseWriter, r *http.Request, body []byte, now time.Time) {
	var req startDeviceRequest
	if err := decodeSSO(body, &req); err != nil {
		writeSSOError(w, false, err)
		return
	}
	if req.ClientID == nil || req.ClientSecret == nil || req.StartURL == nil {
		writeSSOError(w, false, errSSOInvalidRequest("clientId, clientSecret and startUrl are required"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sso.init()
	st := s.sso.settings.withDefaults()
	c, err := s.authClient(*req.ClientID, *req.ClientSecret, now)
	if err != nil {
		writeSSOError(w, false, err)
		return
	}
	if !c.allows(GrantDeviceCode) {
		writeSSOError(w, false, oidcError("UnauthorizedClientException", "The client is not authorized for the device code grant"))
		return
	}
	if *req.StartURL != st.StartURL {
		writeSSOError(w, false, errSSOInvalidRequest("Invalid start URL: "+*req.StartURL))
		return
	}
	userCode := st.UserCode
	if userCode == "" {
		userCode = randomString(userCodeAlphabet, 4) + "-" + randomString(userCodeAlphabet, 4)
	}
	interval := st.DeviceInterval.Truncate(time.Second)
	if interval < time.Second {
		interval = time.Second
	}
	d := &ssoDevice{
		code:     base64.RawURLEncoding.EncodeToString(randomBytes(48)),
		userCode: userCode,
		client:   c,
		expires:  now.Add(st.DeviceCodeLifetime),
		interval: interval,
	}
	s.sso.devices[d.code] = d
	s.sso.byUser[userCode] = d
	verify := baseURL(r) + pathDevicePage
	writeJSON(w, http.StatusOK, map[string]any{
		"deviceCode":              d.code,
		"userCode":                userCode,
		"verificationUri":         verify,
		"verificationUriComplete": verify + "?user_code=" + url.QueryEscape(userCode),
		"expiresIn":               int(st.DeviceCodeLifetime / time.Second),
		"interval":                int(interval / time.Second),
	})
}

// baseURL is the scheme and host the request was sent to.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

type createTokenRequest struct {
	ClientID     *string  `json:"clientId"`
	ClientSecret *string  `json:"clientSecret"`
	GrantType    *string  `json:"grantType"`
	DeviceCode   *string  `json:"deviceCode"`
	Code         *string  `json:"code"`
	RefreshToken *string  `json:"refreshToken"`
	Scope        []string `json:"scope"`
	RedirectURI  *string  `json:"redirectUri"`
	CodeVerifier *string  `json:"codeVerifier"`
}

func (s *Server) createToken(w http.ResponseWriter, _ *http.Request, body []byte, now time.Time) {
	var req createTokenRequest
	if err := decodeSSO(body, &req); err != nil {
		writeSSOError(w, false, err)
		return
	}
	if req.ClientID == nil || req.ClientSecret == nil || req.GrantType == nil {
		writeSSOError(w, false, errSSOInvalidRequest("clientId, clientSecret and grantType are required"))
		return
	}
	grant := *req.GrantType
	short := map[string]string{GrantDeviceCode: "device_code", GrantAuthorizationCode: GrantAuthorizationCode, GrantRefreshToken: GrantRefreshToken}[grant]
	s.mu.Lock()
	defer s.mu.Unlock()
	if short != "" {
		s.counts["CreateToken."+short]++ // not a request of its own: Total is unchanged
	}
	s.sso.init()
	out, err := s.createTokenLocked(&req, grant, now)
	if err != nil {
		writeSSOError(w, false, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// createTokenLocked runs CreateToken. s.mu must be held.
func (s *Server) createTokenLocked(req *createTokenRequest, grant string, now time.Time) (map[string]any, *ssoError) {
	c, err := s.authClient(*req.ClientID, *req.ClientSecret, now)
	if err != nil {
		return nil, err
	}
	switch grant {
	case GrantDeviceCode, GrantAuthorizationCode, GrantRefreshToken:
	default:
		return nil, oidcError("UnsupportedGrantTypeException", "Unsupported grant type: "+grant)
	}
	if !c.allows(grant) {
		return nil, oidcError("UnauthorizedClientException", "The client is not authorized for the "+grant+" grant")
	}
	st := s.sso.settings.withDefaults()
	switch grant {
	case GrantDeviceCode:
		if req.DeviceCode == nil {
			return nil, errSSOInvalidRequest("deviceCode is required")
		}
		d := s.sso.devices[*req.DeviceCode]
		if d == nil || d.client != c || d.state == deviceDone {
			return nil, errInvalidGrant("Invalid device code provided")
		}
		if !now.Before(d.expires) {
			return nil, oidcError("ExpiredTokenException", "Device code has expired")
		}
		// RFC 8628 3.5: polling faster than the interval is answered
		// slow_down, and the interval grows by 5 seconds for good. A
		// quarter second of slack absorbs the client's own latency. An
		// approved code is exchanged however soon it is polled: the AWS
		// CLI polls once more right after showing the code.
		last := d.lastPoll
		d.lastPoll = now
		if d.state != deviceApproved && !last.IsZero() && now.Sub(last) < d.interval-250*time.Millisecond {
			d.interval += 5 * time.Second
			return nil, oidcError("SlowDownException", "Client is polling too fast")
		}
		switch d.state {
		case devicePending:
			return nil, oidcError("AuthorizationPendingException", "Authorization is still pending")
		case deviceDenied:
			d.state = deviceDone
			return nil, oidcError("AccessDeniedException", "The user denied the authorization request")
		}
		d.state = deviceDone
		delete(s.sso.byUser, d.userCode)
		return s.issueSSOTokens(c, c.scopes, &ssoSession{expires: now.Add(st.SessionLifetime)}, now, st), nil
	case GrantAuthorizationCode:
		if req.Code == nil || *req.Code == "" {
			return nil, errSSOInvalidRequest("code is required")
		}
		ac := s.sso.codes[*req.Code]
		if ac == nil || ac.client != c || ac.used || !now.Before(ac.expires) {
			return nil, errInvalidGrant("Invalid authorization code provided")
		}
		ac.used = true // one try, right or wrong (RFC 6749 4.1.2)
		if req.RedirectURI == nil || *req.RedirectURI != ac.redirectURI {
			return nil, errInvalidGrant("The redirect URI does not match the one of the authorization request")
		}
		if req.CodeVerifier == nil || !validVerifier(*req.CodeVerifier) {
			return nil, errInvalidGrant("A code verifier of 43 to 128 characters is required")
		}
		sum := sha256.Sum256([]byte(*req.CodeVerifier))
		if !equalSecret(base64.RawURLEncoding.EncodeToString(sum[:]), ac.challenge) {
			return nil, errInvalidGrant("The code verifier does not match the code challenge")
		}
		return s.issueSSOTokens(c, ac.scopes, &ssoSession{expires: now.Add(st.SessionLifetime)}, now, st), nil
	default: // GrantRefreshToken
		if req.RefreshToken == nil || *req.RefreshToken == "" {
			return nil, errSSOInvalidRequest("refreshToken is required")
		}
		rt := s.sso.refresh[*req.RefreshToken]
		if rt == nil || rt.client != c || rt.used || !rt.session.live(now) {
			return nil, errInvalidGrant("Invalid refresh token provided")
		}
		if st.RotateRefreshTokens {
			rt.used = true
		}
		return s.issueSSOTokens(c, rt.scopes, rt.session, now, st), nil
	}
}

// validVerifier checks a PKCE code verifier's form (RFC 7636 4.1).
func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	return strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") == ""
}

// issueSSOTokens answers CreateToken with an access token of session and,
// when the client may refresh and asked for account access, a refresh
// token. s.mu must be held.
func (s *Server) issueSSOTokens(c *ssoClient, scopes []string, se *ssoSession, now time.Time, st SSOSettings) map[string]any {
	if !slices.Contains(s.sso.sessions, se) {
		s.sso.sessions = append(s.sso.sessions, se)
	}
	expires := now.Add(st.AccessTokenLifetime)
	if expires.After(se.expires) {
		expires = se.expires
	}
	access := "aoa" + base64.RawURLEncoding.EncodeToString(randomBytes(300))
	s.sso.access[access] = &ssoAccess{session: se, expires: expires}
	out := map[string]any{
		"accessToken": access,
		"tokenType":   "Bearer",
		"expiresIn":   int(expires.Sub(now).Round(time.Second) / time.Second),
	}
	if c.allows(GrantRefreshToken) && slices.Contains(scopes, SSOAccountAccessScope) {
		refresh := "aor" + base64.RawURLEncoding.EncodeToString(randomBytes(300))
		s.sso.refresh[refresh] = &ssoRefresh{session: se, client: c, scopes: slices.Clone(scopes)}
		out["refreshToken"] = refresh
	}
	return out
}

// authorizePage is the sign-in page of the authorization code flow: the
// person signs in, consents, and the browser is redirected to the client's
// redirect URI with a code (or an error) and the client's state.
func (s *Server) authorizePage(w http.ResponseWriter, r *http.Request, _ []byte, now time.Time) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sso.init()
	st := s.sso.settings.withDefaults()
	c := s.sso.clients[q.Get("client_id")]
	redirect := q.Get("redirect_uri")
	if c == nil || !now.Before(c.expires) || !c.redirectMatches(redirect) {
		// Never redirect to an address the client did not register.
		fedError(w, http.StatusBadRequest, "Invalid client_id or redirect_uri")
		return
	}
	fail := func(code, desc string) {
		back(w, redirect, url.Values{"error": {code}, "error_description": {desc}}, q)
	}
	scopes := strings.Fields(q.Get("scopes"))
	if len(scopes) == 0 {
		scopes = c.scopes
	}
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "response_type must be code")
		return
	case !c.allows(GrantAuthorizationCode):
		fail("unauthorized_client", "the client is not registered for the authorization_code grant")
		return
	case q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "code_challenge_method must be S256")
		return
	case len(q.Get("code_challenge")) != 43 || strings.Trim(q.Get("code_challenge"),
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "":
		fail("invalid_request", "code_challenge must be the base64url SHA-256 of the code verifier")
		return
	}
	for _, sc := range scopes {
		if !slices.Contains(c.scopes, sc) {
			fail("invalid_scope", "scope "+sc+" was not registered by the client")
			return
		}
	}
	switch st.Consent {
	case SSODeny:
		fail("access_denied", "The user denied the authorization request")
		return
	}
	code := base64.RawURLEncoding.EncodeToString(randomBytes(32))
	s.sso.codes[code] = &ssoAuthCode{
		client: c, redirectURI: redirect, challenge: q.Get("code_challenge"),
		scopes: slices.Clone(scopes), expires: now.Add(st.AuthCodeLifetime),
	}
	if st.Consent == SSOWrongState {
		q = url.Values{"state": {"not-" + q.Get("state")}}
	}
	back(w, redirect, url.Values{"code": {code}}, q)
}

// back redirects the browser to redirect with params and the request's state.
func back(w http.ResponseWriter, redirect string, params, request url.Values) {
	u, _ := url.Parse(redirect)
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	if request.Has("state") {
		q.Set("state", request.Get("state"))
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Location", u.String())
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusFound)
}

// devicePage is the verification page of the device flow: the person who
// opens it approves (or, under SSODeny, refuses) the device authorization.
func (s *Server) devicePage(w http.ResponseWriter, r *http.Request, _ []byte, now time.Time) {
	code := r.URL.Query().Get("user_code")
	s.mu.Lock()
	st := s.sso.settings.withDefaults()
	s.mu.Unlock()
	to, verb := deviceApproved, "approved"
	if st.Consent == SSODeny {
		to, verb = deviceDenied, "denied"
	}
	if err := s.decideDevice(code, to); err != nil {
		fedError(w, http.StatusBadRequest, "Invalid or expired user code")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("Request " + verb + ". You can close this window.\n"))
}
