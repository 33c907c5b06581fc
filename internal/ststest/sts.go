package ststest

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Limits of the STS API, from its reference.
const (
	minDuration          = 900
	maxUserDuration      = 129600 // GetSessionToken, GetFederationToken
	defaultUserDuration  = 43200
	maxRoleDuration      = 43200 // AssumeRole
	defaultRoleDuration  = 3600
	maxChainedDuration   = 3600 // role chaining
	maxPolicyLength      = 2048
	sessionNamePattern   = `[\w+=,.@-]*`
	serialNumberPattern  = `[\w+=/:,.@-]*`
	tokenCodePattern     = `[\d]*`
	externalIDPattern    = `[\w+=,.@:\/-]*`
	sessionNameExtras    = "+=,.@-"
	serialNumberExtras   = "+=/:,.@-"
	externalIDExtras     = "+=,.@:/-"
	assumeRolePermission = "sts:AssumeRole"
)

type actionFunc func(caller *credential, p url.Values, now time.Time) (any, *apiError)

// action returns the handler of an STS action, or nil.
func (s *Server) action(name string) actionFunc {
	switch name {
	case "GetCallerIdentity":
		return s.getCallerIdentity
	case "GetSessionToken":
		return s.getSessionToken
	case "AssumeRole":
		return s.assumeRole
	case "GetFederationToken":
		return s.getFederationToken
	}
	return nil
}

type getCallerIdentityResult struct {
	XMLName xml.Name `xml:"GetCallerIdentityResult"`
	Arn     string   `xml:"Arn"`
	UserID  string   `xml:"UserId"`
	Account string   `xml:"Account"`
}

func (s *Server) getCallerIdentity(c *credential, _ url.Values, _ time.Time) (any, *apiError) {
	return &getCallerIdentityResult{Arn: c.arn, UserID: c.userID, Account: c.account}, nil
}

type getSessionTokenResult struct {
	XMLName     xml.Name       `xml:"GetSessionTokenResult"`
	Credentials credentialsXML `xml:"Credentials"`
}

func (s *Server) getSessionToken(c *credential, p url.Values, now time.Time) (any, *apiError) {
	var v validator
	dur, err := v.duration(p.Get("DurationSeconds"), p.Has("DurationSeconds"), minDuration, maxUserDuration, defaultUserDuration)
	if err != nil {
		return nil, err
	}
	validateMFAParams(&v, p)
	if err := v.err(); err != nil {
		return nil, err
	}
	if c.kind != kindUser {
		return nil, errAccessDenied("Cannot call GetSessionToken with session credentials")
	}
	mfa, err := s.checkMFA(c.user, p, now)
	if err != nil {
		return nil, err
	}
	nc := s.issue(&credential{
		kind: kindSession, user: c.user, arn: c.arn, userID: c.userID, account: c.account, mfa: mfa,
	}, now, dur)
	return &getSessionTokenResult{Credentials: nc.xml()}, nil
}

type assumedRoleUser struct {
	Arn           string `xml:"Arn"`
	AssumedRoleID string `xml:"AssumedRoleId"`
}

type assumeRoleResult struct {
	XMLName         xml.Name        `xml:"AssumeRoleResult"`
	Credentials     credentialsXML  `xml:"Credentials"`
	AssumedRoleUser assumedRoleUser `xml:"AssumedRoleUser"`
}

func (s *Server) assumeRole(c *credential, p url.Values, now time.Time) (any, *apiError) {
	var v validator
	roleARN := p.Get("RoleArn")
	session := p.Get("RoleSessionName")
	v.str("roleArn", roleARN, p.Has("RoleArn"), true, 20, 2048, "", nil)
	v.str("roleSessionName", session, p.Has("RoleSessionName"), true, 2, 64, sessionNamePattern, charset(sessionNameExtras))
	dur, err := v.issued(p, maxRoleDuration, defaultRoleDuration, func() {
		v.str("externalId", p.Get("ExternalId"), p.Has("ExternalId"), false, 2, 1224, externalIDPattern, charset(externalIDExtras))
		validateMFAParams(&v, p)
	})
	if err != nil {
		return nil, err
	}
	if _, _, ok := parseRoleARN(roleARN); !ok {
		return nil, errValidation(roleARN + " is invalid")
	}
	role := s.roles[roleARN]
	if role == nil || c.kind == kindFederated {
		return nil, errNotAuthorized(c.arn, assumeRolePermission, roleARN)
	}
	if role.ExternalID != "" && !equalSecret(p.Get("ExternalId"), role.ExternalID) {
		return nil, errNotAuthorized(c.arn, assumeRolePermission, roleARN)
	}
	// Role credentials and GetSessionToken credentials alike count as role
	// chaining for the one-hour limit, as real STS answers.
	chained := c.kind == kindRole || c.kind == kindSession
	if chained && dur > maxChainedDuration {
		return nil, errValidation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	if time.Duration(dur)*time.Second > role.MaxSessionDuration {
		return nil, errValidation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	if role.RequireMFA && !c.mfa && !p.Has("SerialNumber") && !p.Has("TokenCode") {
		return nil, errNotAuthorized(c.arn, assumeRolePermission, roleARN)
	}
	mfa, err := s.checkMFA(c.user, p, now)
	if err != nil {
		return nil, err
	}
	arn := "arn:aws:sts::" + role.account + ":assumed-role/" + role.name + "/" + session
	id := role.uniqueID + ":" + session
	nc := s.issue(&credential{
		kind: kindRole, user: c.user, arn: arn, userID: id, account: role.account,
		mfa: mfa || c.mfa, chained: chained,
	}, now, dur)
	return &assumeRoleResult{
		Credentials:     nc.xml(),
		AssumedRoleUser: assumedRoleUser{Arn: arn, AssumedRoleID: id},
	}, nil
}

type federatedUser struct {
	Arn             string `xml:"Arn"`
	FederatedUserID string `xml:"FederatedUserId"`
}

type getFederationTokenResult struct {
	XMLName       xml.Name       `xml:"GetFederationTokenResult"`
	Credentials   credentialsXML `xml:"Credentials"`
	FederatedUser federatedUser  `xml:"FederatedUser"`
}

func (s *Server) getFederationToken(c *credential, p url.Values, now time.Time) (any, *apiError) {
	var v validator
	name := p.Get("Name")
	v.str("name", name, p.Has("Name"), true, 2, 32, sessionNamePattern, charset(sessionNameExtras))
	dur, err := v.issued(p, maxUserDuration, defaultUserDuration, nil)
	if err != nil {
		return nil, err
	}
	if c.kind != kindUser {
		return nil, errAccessDenied("Cannot call GetFederationToken with session credentials")
	}
	arn := "arn:aws:sts::" + c.account + ":federated-user/" + name
	id := c.account + ":" + name
	nc := s.issue(&credential{
		kind: kindFederated, user: c.user, arn: arn, userID: id, account: c.account,
	}, now, dur)
	return &getFederationTokenResult{
		Credentials:   nc.xml(),
		FederatedUser: federatedUser{Arn: arn, FederatedUserID: id},
	}, nil
}

// checkPolicy refuses a session policy that is not JSON.
func checkPolicy(p url.Values) *apiError {
	if p.Has("Policy") && !json.Valid([]byte(p.Get("Policy"))) {
		return newAPIError(http.StatusBadRequest, "MalformedPolicyDocument", "The policy is not in the valid JSON format.")
	}
	return nil
}

func validateMFAParams(v *validator, p url.Values) {
	v.str("serialNumber", p.Get("SerialNumber"), p.Has("SerialNumber"), false, 9, 256, serialNumberPattern, charset(serialNumberExtras))
	v.str("tokenCode", p.Get("TokenCode"), p.Has("TokenCode"), false, 6, 6, tokenCodePattern, isDigit)
}

// checkMFA checks SerialNumber and TokenCode against u's device when the
// request carries them, and consumes the code. It reports whether the
// request was MFA-authenticated. s.mu must be held.
func (s *Server) checkMFA(u *userState, p url.Values, now time.Time) (bool, *apiError) {
	hasSerial, hasCode := p.Has("SerialNumber"), p.Has("TokenCode")
	if !hasSerial && !hasCode {
		return false, nil
	}
	if !hasSerial || !hasCode {
		return false, errMFAFailed()
	}
	if u == nil || u.MFASerial == "" || p.Get("SerialNumber") != u.MFASerial {
		return false, errMFADevice()
	}
	key, err := decodeTOTPSecret(u.TOTPSecret)
	if err != nil {
		return false, errMFADevice()
	}
	code := p.Get("TokenCode")
	step := totpCounter(now)
	for _, st := range []uint64{step - 1, step, step + 1} {
		if equalSecret(hotp(key, st, 6), code) && !u.usedSteps[st] {
			u.usedSteps[st] = true
			for old := range u.usedSteps {
				if old+2 < step {
					delete(u.usedSteps, old)
				}
			}
			return true, nil
		}
	}
	return false, errMFAFailed()
}

// parseRoleARN splits arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME.
func parseRoleARN(arn string) (account, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "iam" || parts[3] != "" {
		return "", "", false
	}
	account = parts[4]
	if len(account) != 12 || strings.TrimFunc(account, isDigit) != "" {
		return "", "", false
	}
	res, ok := strings.CutPrefix(parts[5], "role/")
	if !ok || res == "" || strings.HasSuffix(res, "/") {
		return "", "", false
	}
	return account, res[strings.LastIndexByte(res, '/')+1:], true
}
