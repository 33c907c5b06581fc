//go:build unix

package creds

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/awsenv/awsenv/internal/cache"
	"github.com/awsenv/awsenv/internal/ststest"
)

// A role in another account gives credentials of that account, not of the
// IAM user who assumed it: fresh from STS and again from the cache entry
// (AWS_ACCOUNT_ID, process's AccountId, the credential server and exec all
// take it from here).
func TestCrossAccountRoleAccountID(t *testing.T) {
	srv := ststest.New()
	user := srv.AddUser("alice", false) // of account 123456789012
	const roleARN = "arn:aws:iam::210987654321:role/audit"
	srv.AddRole(ststest.Role{ARN: roleARN})
	u, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ep, err := NewEndpoint(u, "AWS_ENDPOINT_URL_STS", "us-east-1", 20*time.Second, "", false)
	if err != nil {
		t.Fatal(err)
	}
	role := &AssumeRole{Source: userKeys(user), Endpoint: ep, Input: stsAssumeRoleInput(roleARN)}
	store := &cache.Store{Dir: filepath.Join(t.TempDir(), "cache")}
	key := cache.Key{Scope: cache.ScopeAccount, Name: "work", Kind: cache.KindRole, Role: roleARN, Sess: "alice"}
	cached := &Cached{Store: store, Key: key, Inner: role, MinTTL: 5 * time.Minute,
		Template: cache.Entry{Account: "work", Kind: "role", Role: roleARN}}

	for _, what := range []string{"from sts", "from the cache"} {
		cr, err := cached.Retrieve(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if cr.AccountID != "210987654321" {
			t.Errorf("%s: AccountID %q, want the role's 210987654321", what, cr.AccountID)
		}
	}
	if _, hit := cached.Last(); !hit {
		t.Error("the second Retrieve was not a cache hit")
	}
	if role.ARN() != "arn:aws:sts::210987654321:assumed-role/audit/alice" {
		t.Errorf("assumed-role ARN %q", role.ARN())
	}
	// An entry written before the ARN was recorded still has the role's.
	if got := FromEntry(&cache.Entry{Kind: "role", Role: roleARN}).AccountID; got != "210987654321" {
		t.Errorf("entry without an ARN: AccountID %q", got)
	}
	if got := FromEntry(&cache.Entry{Kind: "session"}).AccountID; got != "" {
		t.Errorf("session entry: AccountID %q, want none (the plan knows it)", got)
	}
}
