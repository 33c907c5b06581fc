package ststest

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// webIdentityAction is the one action the server takes unsigned.
const webIdentityAction = "AssumeRoleWithWebIdentity"

// Messages of STS's AssumeRoleWithWebIdentity refusals.
const (
	msgInvalidIdentityToken = "The web identity token that was passed could not be validated by AWS. " +
		"Get a new identity token from the identity provider and then retry the request."
	msgNoVerificationKey = "Couldn't retrieve verification key from your identity provider, " +
		"please reference AssumeRoleWithWebIdentity documentation for requirements"
	msgIncorrectAudience = "Incorrect token audience"
	msgNoProvider        = "No OpenIDConnect provider found in your account for "
	msgWebIdentityDenied = "Not authorized to perform sts:AssumeRoleWithWebIdentity"
)

// webIdentityAlgs are the JWS algorithms IAM accepts for ID tokens.
var webIdentityAlgs = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.ES512,
}

// OIDCProvider is an OpenID Connect identity provider registered in the
// account, like an IAM OIDC provider. Roles trust it through
// Role.WebIdentityIssuer.
type OIDCProvider struct {
	// Issuer is the provider's URL exactly as the tokens' iss claim has it,
	// e.g. "https://token.actions.githubusercontent.com".
	Issuer string
	// Audiences are the client IDs whose tokens the account accepts.
	Audiences []string
	// Keys verify the tokens' signatures. When nil, the server fetches the
	// issuer's discovery document (Issuer + "/.well-known/openid-configuration")
	// and then its jwks_uri, keeps the keys, and fetches them again when a
	// token names a key it does not know. The server does not modify Keys.
	Keys *jose.JSONWebKeySet
}

type oidcState struct {
	OIDCProvider
	mu      sync.Mutex          // guards fetched and serialises fetches
	fetched *jose.JSONWebKeySet // keys from the issuer, when Keys is nil
}

// AddOIDCProvider registers (or replaces) an identity provider.
func (s *Server) AddOIDCProvider(p OIDCProvider) {
	p.Audiences = append([]string(nil), p.Audiences...)
	st := &oidcState{OIDCProvider: p}
	s.mu.Lock()
	s.oidc[p.Issuer] = st
	s.mu.Unlock()
}

type unsignedFunc func(ctx context.Context, p url.Values, now time.Time) (any, *apiError)

// unsignedAction returns the handler of an STS action that takes no
// signature, or nil. The handler locks s.mu itself.
func (s *Server) unsignedAction(name string) unsignedFunc {
	switch name {
	case webIdentityAction:
		return s.assumeRoleWithWebIdentity
	case samlAction:
		return s.assumeRoleWithSAML
	}
	return nil
}

type assumeRoleWithWebIdentityResult struct {
	XMLName                     xml.Name        `xml:"AssumeRoleWithWebIdentityResult"`
	Credentials                 credentialsXML  `xml:"Credentials"`
	SubjectFromWebIdentityToken string          `xml:"SubjectFromWebIdentityToken"`
	AssumedRoleUser             assumedRoleUser `xml:"AssumedRoleUser"`
	Provider                    string          `xml:"Provider"`
	Audience                    string          `xml:"Audience"`
}

func (s *Server) assumeRoleWithWebIdentity(ctx context.Context, p url.Values, now time.Time) (any, *apiError) {
	var v validator
	roleARN := p.Get("RoleArn")
	session := p.Get("RoleSessionName")
	token := p.Get("WebIdentityToken")
	v.str("roleArn", roleARN, p.Has("RoleArn"), true, 20, 2048, "", nil)
	v.str("roleSessionName", session, p.Has("RoleSessionName"), true, 2, 64, sessionNamePattern, charset(sessionNameExtras))
	v.str("webIdentityToken", token, p.Has("WebIdentityToken"), true, 4, 20000, "", nil)
	v.str("providerId", p.Get("ProviderId"), p.Has("ProviderId"), false, 4, 2048, "", nil)
	dur, err := v.issued(p, maxRoleDuration, defaultRoleDuration, nil)
	if err != nil {
		return nil, err
	}
	if _, _, ok := parseRoleARN(roleARN); !ok {
		return nil, errValidation(roleARN + " is invalid")
	}
	claims, aud, err := s.verifyIDToken(ctx, token, now)
	if err != nil {
		return nil, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	role := s.roles[roleARN]
	if role == nil || role.WebIdentityIssuer == "" || providerName(role.WebIdentityIssuer) != providerName(claims.Issuer) {
		return nil, errAccessDenied(msgWebIdentityDenied)
	}
	if time.Duration(dur)*time.Second > role.MaxSessionDuration {
		return nil, errValidation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	arn := "arn:aws:sts::" + role.account + ":assumed-role/" + role.name + "/" + session
	id := role.uniqueID + ":" + session
	// Not chained: the token, not AWS credentials, stands behind them.
	nc := s.issue(&credential{kind: kindRole, arn: arn, userID: id, account: role.account}, now, dur)
	return &assumeRoleWithWebIdentityResult{
		Credentials:                 nc.xml(),
		SubjectFromWebIdentityToken: claims.Subject,
		AssumedRoleUser:             assumedRoleUser{Arn: arn, AssumedRoleID: id},
		Provider:                    providerName(claims.Issuer),
		Audience:                    aud,
	}, nil
}

// verifyIDToken checks raw's issuer, signature, audience and expiry and
// returns its claims and the audience that matched. It must be called
// without s.mu held: it may fetch the issuer's keys.
func (s *Server) verifyIDToken(ctx context.Context, raw string, now time.Time) (*jwt.Claims, string, *apiError) {
	invalid := newAPIError(http.StatusBadRequest, "InvalidIdentityToken", msgInvalidIdentityToken)
	tok, err := jwt.ParseSigned(raw, webIdentityAlgs)
	if err != nil || len(tok.Headers) != 1 {
		return nil, "", invalid
	}
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return nil, "", invalid
	}
	s.mu.Lock()
	prov := s.oidc[unverified.Issuer]
	s.mu.Unlock()
	if prov == nil {
		return nil, "", newAPIError(http.StatusBadRequest, "InvalidIdentityToken", msgNoProvider+unverified.Issuer)
	}
	keys, err := prov.keys(ctx, tok.Headers[0].KeyID)
	if err != nil {
		return nil, "", newAPIError(http.StatusBadRequest, "InvalidIdentityToken", msgNoVerificationKey)
	}
	var claims jwt.Claims
	verified := false
	for _, k := range keys {
		if tok.Claims(k.Public().Key, &claims) == nil {
			verified = true
			break
		}
	}
	if !verified || claims.Issuer != prov.Issuer {
		return nil, "", invalid
	}
	aud := ""
	for _, a := range prov.Audiences {
		if claims.Audience.Contains(a) {
			aud = a
			break
		}
	}
	if aud == "" {
		return nil, "", newAPIError(http.StatusBadRequest, "InvalidIdentityToken", msgIncorrectAudience)
	}
	if claims.Expiry == nil || claims.Subject == "" {
		return nil, "", invalid
	}
	if exp := claims.Expiry.Time(); !now.Before(exp) {
		return nil, "", newAPIError(http.StatusBadRequest, "ExpiredTokenException",
			"Token expired: current date/time "+strconv.FormatInt(now.Unix(), 10)+
				" must be before the expiration date/time "+strconv.FormatInt(exp.Unix(), 10))
	}
	return &claims, aud, nil
}

// keys returns the provider's signing keys that may have signed a token
// whose header names kid ("" for any).
func (p *oidcState) keys(ctx context.Context, kid string) ([]jose.JSONWebKey, error) {
	if p.Keys != nil {
		return signingKeys(p.Keys, kid), nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fetched != nil {
		if ks := signingKeys(p.fetched, kid); len(ks) > 0 {
			return ks, nil
		}
	}
	set, err := fetchJWKS(ctx, p.Issuer)
	if err != nil {
		return nil, err
	}
	p.fetched = set
	return signingKeys(set, kid), nil
}

func signingKeys(set *jose.JSONWebKeySet, kid string) []jose.JSONWebKey {
	var out []jose.JSONWebKey
	for _, k := range set.Keys {
		if (kid == "" || k.KeyID == kid) && (k.Use == "" || k.Use == "sig") {
			out = append(out, k)
		}
	}
	return out
}

// fetchJWKS reads issuer's discovery document and then its key set.
func fetchJWKS(ctx context.Context, issuer string) (*jose.JSONWebKeySet, error) {
	hc := &http.Client{Timeout: 10 * time.Second}
	var doc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := getJSON(ctx, hc, strings.TrimSuffix(issuer, "/")+"/.well-known/openid-configuration", &doc); err != nil {
		return nil, err
	}
	if doc.JWKSURI == "" {
		return nil, errors.New("discovery document has no jwks_uri")
	}
	var set jose.JSONWebKeySet
	if err := getJSON(ctx, hc, doc.JWKSURI, &set); err != nil {
		return nil, err
	}
	return &set, nil
}

func getJSON(ctx context.Context, hc *http.Client, u string, v any) error {
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return fmt.Errorf("%q is not an http(s) URL", u)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// providerName is an issuer URL as IAM names the provider: host and path.
func providerName(issuer string) string {
	name := strings.TrimPrefix(strings.TrimPrefix(issuer, "https://"), "http://")
	return strings.TrimSuffix(name, "/")
}
