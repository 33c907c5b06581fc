package sso

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/xerr"
)

// Account is an AWS account the person can reach through a session.
type Account struct {
	ID, Name, Email string
}

// maxPages stops a listing whose next tokens never end.
const maxPages = 10000

func (c *Client) portal(ctx context.Context, tok Token, op, method, path string, q url.Values, out any) error {
	ep, err := c.endpoints(tok.Session.Region)
	if err != nil {
		return err
	}
	err = c.call(ctx, request{
		service: servicePortal, op: op, base: ep.Portal, from: ep.PortalFrom, method: method, path: path,
		query: q, bearer: tok.AccessToken, secrets: []string{tok.AccessToken},
	}, out)
	var ae *APIError
	if errors.As(err, &ae) && errors.Is(ae, ErrTokenRejected) {
		return xerr.New(xerr.NeedsPerson, err, "log in again: '"+tok.Session.LoginCommand()+"'")
	}
	return err
}

// RoleCredentials calls GetRoleCredentials. When the person has no access
// to the role (403), the error is a *NoAccessError (errors.Is ErrNoAccess)
// that lists what they do have; when the portal refuses the token (401),
// errors.Is(err, ErrTokenRejected).
func (c *Client) RoleCredentials(ctx context.Context, tok Token, accountID, roleName string) (aws.Credentials, error) {
	var out struct {
		RoleCredentials struct {
			AccessKeyID     string `json:"accessKeyId"`
			SecretAccessKey string `json:"secretAccessKey"`
			SessionToken    string `json:"sessionToken"`
			Expiration      int64  `json:"expiration"` // milliseconds since the epoch
		} `json:"roleCredentials"`
	}
	err := c.portal(ctx, tok, "GetRoleCredentials", http.MethodGet, "/federation/credentials",
		url.Values{"account_id": {accountID}, "role_name": {roleName}}, &out)
	if errors.Is(err, ErrNoAccess) {
		return aws.Credentials{}, c.noAccess(ctx, tok, accountID, roleName, err)
	}
	if err != nil {
		return aws.Credentials{}, err
	}
	rc := out.RoleCredentials
	if rc.AccessKeyID == "" || rc.SecretAccessKey == "" || rc.SessionToken == "" || rc.Expiration == 0 {
		return aws.Credentials{}, errors.New("the sso portal answered GetRoleCredentials without credentials")
	}
	if bad := checkCredentials(rc.AccessKeyID, rc.SecretAccessKey, rc.SessionToken); bad != "" {
		return aws.Credentials{}, c.malformed(tok, "GetRoleCredentials", bad)
	}
	return aws.Credentials{
		AccessKeyID: rc.AccessKeyID, SecretAccessKey: rc.SecretAccessKey, SessionToken: rc.SessionToken,
		CanExpire: true, Expires: time.UnixMilli(rc.Expiration).UTC(),
		Source: "awsenv-sso", AccountID: accountID,
	}, nil
}

// NoAccessError is a role the person cannot use, with what they can.
type NoAccessError struct {
	AccountID, RoleName string
	// InAccount is true when the person can reach the account, just not
	// the role; Roles are then the account's roles they have, else
	// Accounts are the accounts they can reach.
	InAccount bool
	Roles     []string
	Accounts  []Account
	Session   Session
	Err       error // the portal's refusal
}

func (e *NoAccessError) Error() string {
	const shown = 10
	var b strings.Builder
	if e.InAccount {
		fmt.Fprintf(&b, "%s has no access to role %q in account %s", e.Session.label(), e.RoleName, e.AccountID)
		if len(e.Roles) == 0 {
			b.WriteString(": it has no role there")
		} else {
			fmt.Fprintf(&b, ": its roles there are %s", quoteList(e.Roles))
		}
		b.WriteString("; set sso_role_name to one of them")
		return b.String()
	}
	fmt.Fprintf(&b, "%s has no access to account %s", e.Session.label(), e.AccountID)
	switch n := len(e.Accounts); {
	case n == 0:
		b.WriteString(" nor to any other; ask your administrator for an assignment")
		return b.String()
	default:
		list := make([]string, 0, shown)
		for _, a := range e.Accounts[:min(n, shown)] {
			if a.Name != "" {
				list = append(list, a.ID+" ("+a.Name+")")
			} else {
				list = append(list, a.ID)
			}
		}
		fmt.Fprintf(&b, ": it can reach %s", strings.Join(list, ", "))
		if n > shown {
			fmt.Fprintf(&b, " and %d more (awsenv sso populate lists them all)", n-shown)
		}
	}
	b.WriteString("; check sso_account_id")
	return b.String()
}

func (e *NoAccessError) Unwrap() error { return e.Err }

func (e *NoAccessError) Is(target error) bool { return target == ErrNoAccess }

// noAccess explains a 403: which accounts, or roles of the account, the
// person has. The listing is best effort: when it fails, the refusal is
// returned as it is.
func (c *Client) noAccess(ctx context.Context, tok Token, accountID, roleName string, refusal error) error {
	e := &NoAccessError{AccountID: accountID, RoleName: roleName, Session: tok.Session, Err: refusal}
	accounts, err := c.ListAccounts(ctx, tok)
	if err != nil {
		return xerr.New(xerr.Failed, refusal, "check sso_account_id and sso_role_name")
	}
	for _, a := range accounts {
		if a.ID == accountID {
			e.InAccount = true
		}
	}
	if e.InAccount {
		if e.Roles, err = c.ListAccountRoles(ctx, tok, accountID); err != nil {
			return xerr.New(xerr.Failed, refusal, "check sso_role_name")
		}
	} else {
		e.Accounts = accounts
	}
	return xerr.New(xerr.Failed, e, "")
}

// ListAccounts lists every account the person can reach, all pages.
func (c *Client) ListAccounts(ctx context.Context, tok Token) ([]Account, error) {
	var all []Account
	err := c.pages(ctx, tok, "ListAccounts", "/assignment/accounts", nil, func(raw *pageAnswer) string {
		for _, a := range raw.AccountList {
			if bad := cmp.Or(checkAccountID(a.AccountID), checkDisplayName("account name", a.AccountName),
				checkDisplayName("email address", a.EmailAddress)); bad != "" {
				return bad
			}
			all = append(all, Account{ID: a.AccountID, Name: a.AccountName, Email: a.EmailAddress})
		}
		return ""
	})
	if err != nil {
		return nil, err
	}
	return all, nil
}

// ListAccountRoles lists the person's roles in an account, all pages.
func (c *Client) ListAccountRoles(ctx context.Context, tok Token, accountID string) ([]string, error) {
	var all []string
	err := c.pages(ctx, tok, "ListAccountRoles", "/assignment/roles", url.Values{"account_id": {accountID}}, func(raw *pageAnswer) string {
		for _, r := range raw.RoleList {
			if bad := checkRoleName(r.RoleName); bad != "" {
				return bad
			}
			all = append(all, r.RoleName)
		}
		return ""
	})
	if err != nil {
		return nil, err
	}
	return all, nil
}

// malformed is the error of a portal answer with a value outside AWS's
// rules for it: nothing of the answer is used (or written anywhere).
func (c *Client) malformed(tok Token, op, problem string) error {
	r := request{service: servicePortal}
	if ep, err := c.endpoints(tok.Session.Region); err == nil {
		r.base, r.from = ep.Portal, ep.PortalFrom
	}
	return fmt.Errorf("%s at %s answered %s with %s: refusing all of it, nothing written; check %s",
		servicePortal, host(r.base), op, problem, r.fromHint())
}

type pageAnswer struct {
	NextToken   string `json:"nextToken"`
	AccountList []struct {
		AccountID    string `json:"accountId"`
		AccountName  string `json:"accountName"`
		EmailAddress string `json:"emailAddress"`
	} `json:"accountList"`
	RoleList []struct {
		RoleName  string `json:"roleName"`
		AccountID string `json:"accountId"`
	} `json:"roleList"`
}

// pages calls a paginated listing until its last page, 100 items a page
// (the most the portal gives). each takes a page and says what is wrong
// with a value in it ("" when nothing is); then the listing is refused.
func (c *Client) pages(ctx context.Context, tok Token, op, path string, q url.Values, each func(*pageAnswer) string) error {
	next := ""
	seen := map[string]bool{}
	for range maxPages {
		pq := url.Values{"max_result": {strconv.Itoa(100)}}
		for k, v := range q {
			pq[k] = v
		}
		if next != "" {
			pq.Set("next_token", next)
		}
		var out pageAnswer
		if err := c.portal(ctx, tok, op, http.MethodGet, path, pq, &out); err != nil {
			return err
		}
		if bad := each(&out); bad != "" {
			what := op
			if id := q.Get("account_id"); id != "" {
				what += " for account " + id
			}
			return c.malformed(tok, what, bad)
		}
		if out.NextToken == "" {
			return nil
		}
		if seen[out.NextToken] {
			return fmt.Errorf("the sso portal answered %s with a page token it gave before", op)
		}
		seen[out.NextToken] = true
		next = out.NextToken
	}
	return fmt.Errorf("the sso portal answered %s with more than %d pages", op, maxPages)
}

// Logout ends sess's login: the portal revokes the session of the cached
// access token (Logout), and the token file is deleted, whether or not
// the portal could be reached, with the AWS CLI's cached role credentials
// of IAM Identity Center (see clicache.go). The client registration stays.
func (c *Client) Logout(ctx context.Context, sess Session) error {
	if err := sess.check(); err != nil {
		return err
	}
	path, err := c.TokenPath(sess)
	if err != nil {
		return err
	}
	unlock, err := c.lock(ctx, path, sess, LoginOptions{Timeout: time.Minute})
	if err != nil {
		return err
	}
	defer unlock()
	t, _ := readToken(path) // a corrupt file is deleted all the same
	var revokeErr error
	if t != nil && t.left(c.now()) > 0 {
		err := c.portal(ctx, t.token(sess), "Logout", http.MethodPost, "/logout", nil, nil)
		if err != nil && !errors.Is(err, ErrTokenRejected) { // a 401: the session has ended already
			revokeErr = err
		}
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cannot delete the cached token of %s: %w", sess.label(), err)
	}
	if err := c.sweepCLIRoleCredentials(); err != nil {
		return fmt.Errorf("deleted the cached token of %s, but %w: delete it by hand", sess.label(), err)
	}
	if revokeErr != nil {
		return fmt.Errorf("deleted the cached token of %s, but could not end its session: %w", sess.label(), revokeErr)
	}
	return nil
}
