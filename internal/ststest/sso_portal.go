package ststest

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The portal's refusals, worded as the service words them.
const (
	msgSSOUnauthorized = "Session token not found or invalid"
	msgSSONoAccess     = "No access"
	ssoBearerHeader    = "X-Amz-Sso_bearer_token"
)

type ssoAccount struct {
	id, name, email string
	roles           []*ssoRole
}

// ssoRole is a permission set provisioned in an account: the IAM role
// AWSReservedSSO_NAME_SUFFIX.
type ssoRole struct {
	name, suffix, uniqueID string
}

func (r *ssoRole) iamName() string { return "AWSReservedSSO_" + r.name + "_" + r.suffix }

func (a *ssoAccount) role(name string) *ssoRole {
	for _, r := range a.roles {
		if r.name == name {
			return r
		}
	}
	return nil
}

// AddSSOAccount gives the person who logs in access to the account id
// (12 digits) through the named roles (permission sets), as an assignment
// in IAM Identity Center does. Roles of an account added before are kept,
// and new ones are added. It panics on an id that is not an account id.
// Adding is cheap: a test can add thousands.
func (s *Server) AddSSOAccount(id, name string, roles ...string) {
	if len(id) != 12 || strings.Trim(id, "0123456789") != "" {
		panic("ststest: AddSSOAccount: " + strconv.Quote(id) + " is not a 12-digit account id")
	}
	s.addSSOAccount(id, name, roles)
}

// AddHostileSSOAccount is AddSSOAccount without any check: the portal then
// lists whatever id, name and role names it is given (line breaks, escape
// bytes, ...), as a broken or hostile endpoint would, for tests of what a
// client does with such answers.
func (s *Server) AddHostileSSOAccount(id, name string, roles ...string) {
	s.addSSOAccount(id, name, roles)
}

func (s *Server) addSSOAccount(id, name string, roles []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sso.init()
	a := s.sso.byID[id]
	if a == nil {
		a = &ssoAccount{id: id, name: name, email: "aws+" + strings.ToLower(strings.ReplaceAll(name, " ", "-")) + "@example.com"}
		s.sso.byID[id] = a
		s.sso.accounts = append(s.sso.accounts, a)
	}
	if name != "" {
		a.name = name
	}
	for _, r := range roles {
		if a.role(r) == nil {
			a.roles = append(a.roles, &ssoRole{
				name: r, suffix: strings.ToLower(randomString("0123456789ABCDEF", 16)),
				uniqueID: "AROA" + randomString(upperAlnum, 17),
			})
		}
	}
}

// SSORoleARN is the caller ARN of GetRoleCredentials' credentials for that
// account and role (what GetCallerIdentity reports), or "" when the person
// has no such role: arn:aws:sts::ACCOUNT:assumed-role/AWSReservedSSO_ROLE_SUFFIX/USER.
func (s *Server) SSORoleARN(accountID, roleName string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sso.init()
	a := s.sso.byID[accountID]
	if a == nil {
		return ""
	}
	r := a.role(roleName)
	if r == nil {
		return ""
	}
	return s.ssoCallerARN(a, r)
}

// ssoCallerARN is the assumed-role ARN of role credentials. s.mu must be held.
func (s *Server) ssoCallerARN(a *ssoAccount, r *ssoRole) string {
	return "arn:aws:sts::" + a.id + ":assumed-role/" + r.iamName() + "/" + s.sso.settings.withDefaults().UserName
}

func portalError(exception, msg string) *ssoError {
	return &ssoError{ssoStatus[exception], exception, msg}
}

// bearer checks the access token of a portal request. s.mu must be held.
func (s *Server) bearer(r *http.Request, now time.Time) (*ssoAccess, *ssoError) {
	token := r.Header.Get(ssoBearerHeader)
	a := s.sso.access[token]
	if token == "" || a == nil || !now.Before(a.expires) || !a.session.live(now) {
		return nil, portalError("UnauthorizedException", msgSSOUnauthorized)
	}
	return a, nil
}

func (s *Server) getRoleCredentials(w http.ResponseWriter, r *http.Request, _ []byte, now time.Time) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sso.init()
	if _, err := s.bearer(r, now); err != nil {
		writeSSOError(w, true, err)
		return
	}
	accountID, roleName := q.Get("account_id"), q.Get("role_name")
	if accountID == "" || roleName == "" {
		writeSSOError(w, true, portalError("InvalidRequestException", "account_id and role_name are required"))
		return
	}
	a := s.sso.byID[accountID]
	var role *ssoRole
	if a != nil {
		role = a.role(roleName)
	}
	if role == nil {
		writeSSOError(w, true, portalError("ForbiddenException", msgSSONoAccess))
		return
	}
	st := s.sso.settings.withDefaults()
	c := s.issue(&credential{
		kind: kindRole, arn: s.ssoCallerARN(a, role), userID: role.uniqueID + ":" + st.UserName, account: a.id,
	}, now, int(st.RoleCredentialLifetime/time.Second))
	writeJSON(w, http.StatusOK, map[string]any{"roleCredentials": map[string]any{
		"accessKeyId":     c.keyID,
		"secretAccessKey": c.secret,
		"sessionToken":    c.token,
		"expiration":      c.expires.UnixMilli(),
	}})
}

// portalPage reads next_token and max_result and returns the range of n items
// to answer with and the next token ("" at the end).
func portalPage(q map[string][]string, n, def int) (from, to int, next string, err *ssoError) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	size := def
	if raw := get("max_result"); raw != "" {
		v, e := strconv.Atoi(raw)
		if e != nil || v < 1 || v > 100 {
			return 0, 0, "", portalError("InvalidRequestException", "max_result must be between 1 and 100")
		}
		size = v
	}
	if tok := get("next_token"); tok != "" {
		raw, e := base64.RawURLEncoding.DecodeString(tok)
		v, e2 := strconv.Atoi(strings.TrimPrefix(string(raw), "offset:"))
		if e != nil || e2 != nil || !strings.HasPrefix(string(raw), "offset:") || v < 0 || v > n {
			return 0, 0, "", portalError("InvalidRequestException", "Invalid next token")
		}
		from = v
	}
	to = min(from+size, n)
	if to < n {
		next = base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(to)))
	}
	return from, to, next, nil
}

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request, _ []byte, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sso.init()
	if _, err := s.bearer(r, now); err != nil {
		writeSSOError(w, true, err)
		return
	}
	from, to, next, err := portalPage(r.URL.Query(), len(s.sso.accounts), s.sso.settings.withDefaults().PageSize)
	if err != nil {
		writeSSOError(w, true, err)
		return
	}
	list := make([]map[string]string, 0, to-from)
	for _, a := range s.sso.accounts[from:to] {
		list = append(list, map[string]string{"accountId": a.id, "accountName": a.name, "emailAddress": a.email})
	}
	out := map[string]any{"accountList": list}
	if next != "" {
		out["nextToken"] = next
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) listAccountRoles(w http.ResponseWriter, r *http.Request, _ []byte, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sso.init()
	if _, err := s.bearer(r, now); err != nil {
		writeSSOError(w, true, err)
		return
	}
	q := r.URL.Query()
	accountID := q.Get("account_id")
	if accountID == "" {
		writeSSOError(w, true, portalError("InvalidRequestException", "account_id is required"))
		return
	}
	a := s.sso.byID[accountID]
	if a == nil {
		writeSSOError(w, true, portalError("ForbiddenException", msgSSONoAccess))
		return
	}
	from, to, next, err := portalPage(q, len(a.roles), s.sso.settings.withDefaults().PageSize)
	if err != nil {
		writeSSOError(w, true, err)
		return
	}
	list := make([]map[string]string, 0, to-from)
	for _, role := range a.roles[from:to] {
		list = append(list, map[string]string{"roleName": role.name, "accountId": a.id})
	}
	out := map[string]any{"roleList": list}
	if next != "" {
		out["nextToken"] = next
	}
	writeJSON(w, http.StatusOK, out)
}

// logout ends the session of the access token: it and every token of the
// same login stop working.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, _ []byte, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sso.init()
	a, err := s.bearer(r, now)
	if err != nil {
		writeSSOError(w, true, err)
		return
	}
	a.session.revoked = true
	w.Header().Set("X-Amzn-Requestid", newRequestID())
	w.WriteHeader(http.StatusOK)
}

// SSOAccounts returns the ids of the accounts AddSSOAccount gave access
// to, in the order they were added.
func (s *Server) SSOAccounts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.sso.accounts))
	for _, a := range s.sso.accounts {
		ids = append(ids, a.id)
	}
	return slices.Clip(ids)
}
