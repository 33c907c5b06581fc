// Which environment variables awsenv sets and unsets for a set of
// credentials; Statements turns them into shell statements.
package render

import (
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Variables awsenv manages.
const (
	AccessKeyID          = "AWS_ACCESS_KEY_ID"
	SecretAccessKey      = "AWS_SECRET_ACCESS_KEY"
	SessionToken         = "AWS_SESSION_TOKEN"
	CredentialExpiration = "AWS_CREDENTIAL_EXPIRATION"
	Region               = "AWS_REGION"
	DefaultRegionVar     = "AWS_DEFAULT_REGION"
	AccountID            = "AWS_ACCOUNT_ID" // read by current SDKs for account-based endpoints
	Account              = "AWSENV_ACCOUNT"
	SetFor               = "MY_AWS_SET_FOR"
)

// legacy names that carry the same values, for older tools.
var (
	tokenAliases      = []string{"AWS_SECURITY_TOKEN", "AWS_DELEGATION_TOKEN"}
	expirationAliases = []string{"AWS_SESSION_EXPIRATION"}
	profileVars       = []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE"}
)

// The variables of credentials served to the shell by a local credential
// server (switch --serve): the container credentials protocol's two, and
// awsenv's own that say which server and until when it can renew them.
const (
	ContainerURI   = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
	ContainerToken = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
	ServerPID      = "AWSENV_SERVER_PID"
	ServedUntil    = "AWSENV_SERVED_UNTIL"
)

// The variables that say the shell's credentials come from an aws login
// session (a login_session profile, or a role profile chained from one):
// the profile to sign in again with, and the session, whose cache ec2now
// reads.
const (
	LoginProfile = "AWSENV_LOGIN_PROFILE"
	LoginSession = "AWSENV_LOGIN_SESSION"
)

// Login is the aws login session credentials come from.
type Login struct{ Profile, Session string }

// Shadowing are the variables that, when set, make the SDKs and the AWS CLI
// take credentials from somewhere else before they ask a container
// credentials server, or make them ask a different one: environment keys,
// web identity, a named profile, a relative container URI, a token file;
// and awsenv's own variables of fixed credentials, which would be stale.
// The credential server's ChildEnv removes them. (A [default] profile with keys in
// ~/.aws/credentials also comes before the server in every SDK's chain;
// no variable can turn that off.)
var Shadowing = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
	"AWS_DELEGATION_TOKEN", "AWS_ACCESS_KEY", "AWS_SECRET_KEY",
	"AWS_CREDENTIAL_EXPIRATION", "AWS_SESSION_EXPIRATION",
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	ContainerURI, ContainerToken,
}

var servedVars = []string{ContainerURI, ContainerToken, ServerPID, ServedUntil}

// Target says what the statements are for.
type Target struct {
	Account string // AWSENV_ACCOUNT
	Label   string // MY_AWS_SET_FOR: NAME, NAME-MFA-STS or NAME-ROLE-ROLE
	Region  string // already resolved
	// Unserve unsets the variables of a credential server awsenv started
	// for this shell (it is stopped).
	Unserve bool
	// Login is the aws login session the credentials come from; zero
	// unsets its variables.
	Login Login
}

// Changes returns the environment changes for c: the keys under both their
// SDK and old EC2 names, the token and expiration (or their removal for
// long-lived keys), the profile variables removed so they cannot override
// the keys, the region, and who the shell is set for.
func Changes(t Target, c aws.Credentials) []Change {
	ch := make([]Change, 0, 17)
	ch = append(ch,
		Set(AccessKeyID, c.AccessKeyID),
		Set(SecretAccessKey, c.SecretAccessKey),
		Set("AWS_ACCESS_KEY", c.AccessKeyID),
		Set("AWS_SECRET_KEY", c.SecretAccessKey),
	)
	if c.SessionToken != "" {
		ch = append(ch, Set(SessionToken, c.SessionToken))
		for _, n := range tokenAliases {
			ch = append(ch, Set(n, c.SessionToken))
		}
		exp := c.Expires.UTC().Format(time.RFC3339)
		ch = append(ch, Set(CredentialExpiration, exp))
		for _, n := range expirationAliases {
			ch = append(ch, Set(n, exp))
		}
	} else {
		ch = append(ch, Unset(SessionToken))
		for _, n := range tokenAliases {
			ch = append(ch, Unset(n))
		}
		ch = append(ch, Unset(CredentialExpiration))
		for _, n := range expirationAliases {
			ch = append(ch, Unset(n))
		}
	}
	if c.AccountID != "" {
		ch = append(ch, Set(AccountID, c.AccountID))
	} else {
		ch = append(ch, Unset(AccountID))
	}
	for _, n := range profileVars {
		ch = append(ch, Unset(n))
	}
	if t.Unserve {
		for _, n := range servedVars {
			ch = append(ch, Unset(n))
		}
	}
	if t.Login.Session != "" {
		ch = append(ch, Set(LoginProfile, t.Login.Profile), Set(LoginSession, t.Login.Session))
	} else {
		ch = append(ch, Unset(LoginProfile), Unset(LoginSession))
	}
	ch = append(ch,
		Set(Region, t.Region),
		Set(DefaultRegionVar, t.Region),
		Set(Account, t.Account),
		Set(SetFor, t.Label),
	)
	return ch
}

// Served returns the environment changes for credentials served by a local
// server at url with token (process pid), renewable without a person until
// until (zero: as long as the server runs): the container variables set,
// every fixed credential unset (the SDKs would prefer them), the rest as
// Changes sets it.
func Served(t Target, url, token string, pid int, until time.Time, accountID string) []Change {
	ch := Changes(Target{Account: t.Account, Label: t.Label, Region: t.Region, Login: t.Login}, aws.Credentials{AccountID: accountID})
	out := ch[:0]
	for _, c := range ch {
		switch c.Name {
		case AccessKeyID, SecretAccessKey, "AWS_ACCESS_KEY", "AWS_SECRET_KEY":
			c = Unset(c.Name)
		}
		out = append(out, c)
	}
	out = append(out, Set(ContainerURI, url), Set(ContainerToken, token), Set(ServerPID, strconv.Itoa(pid)))
	if until.IsZero() {
		out = append(out, Unset(ServedUntil))
	} else {
		out = append(out, Set(ServedUntil, until.UTC().Format(time.RFC3339)))
	}
	return out
}

// Clear unsets every variable Changes may set, and with unserve those of a
// stopped credential server.
func Clear(unserve bool) []Change {
	names := []string{AccessKeyID, SecretAccessKey, "AWS_ACCESS_KEY", "AWS_SECRET_KEY", SessionToken}
	names = append(names, tokenAliases...)
	names = append(names, CredentialExpiration)
	names = append(names, expirationAliases...)
	names = append(names, AccountID, Region, DefaultRegionVar, Account, SetFor, LoginProfile, LoginSession)
	if unserve {
		names = append(names, servedVars...)
	}
	ch := make([]Change, len(names))
	for i, n := range names {
		ch[i] = Unset(n)
	}
	return ch
}
