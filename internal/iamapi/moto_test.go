//go:build unix

package iamapi_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/iamapi"
	"github.com/awsenv/awsenv/internal/iamapi/iamtest"
)

// shared is the moto_server of this package's tests.
var shared iamtest.Shared

func TestMain(m *testing.M) { os.Exit(shared.RunShared(m, "iamapi")) }

// The four calls against moto's IAM in authenticated mode, signed with the
// user's own key: the user's own key life cycle.
func TestMotoKeyLifecycle(t *testing.T) {
	shared.Need(t)
	ctx := context.Background()
	old, err := shared.Moto.User(ctx, "lifecycle", iamtest.AllowAll)
	if err != nil {
		t.Fatal(err)
	}
	c := shared.Moto.Client(old)
	u, err := c.GetUser(ctx)
	if err != nil || u.UserName != "lifecycle" || !strings.HasSuffix(u.ARN, ":user/lifecycle") {
		t.Fatalf("GetUser = %+v, %v", u, err)
	}
	keys, err := c.ListAccessKeys(ctx, "lifecycle")
	if err != nil || len(keys) != 1 || keys[0].AccessKeyID != old.AccessKeyID || keys[0].Status != "Active" {
		t.Fatalf("ListAccessKeys = %+v, %v", keys, err)
	}
	created, err := c.CreateAccessKey(ctx, "lifecycle")
	if err != nil || created.SecretAccessKey == "" || created.AccessKeyID == old.AccessKeyID {
		t.Fatalf("CreateAccessKey = %v, %v", created, err)
	}
	newKeys := config.Keys{AccessKeyID: created.AccessKeyID, SecretAccessKey: created.SecretAccessKey}
	// A third key is over IAM's limit of two.
	if _, err := c.CreateAccessKey(ctx, "lifecycle"); iamapi.Code(err) != "LimitExceeded" || !strings.Contains(err.Error(), "the user already has two access keys") {
		t.Errorf("a third key: %v", err)
	}
	// The new key deletes the old one; the old one is refused from then on.
	if err := shared.Moto.Client(newKeys).DeleteAccessKey(ctx, "lifecycle", old.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetUser(ctx); iamapi.Code(err) != "InvalidClientTokenId" {
		t.Errorf("the deleted key: %v", err)
	}
	ids, _ := shared.Moto.Keys(ctx, "lifecycle")
	if !slices.Equal(ids, []string{created.AccessKeyID}) {
		t.Errorf("keys left: %v", ids)
	}
}

func TestMotoRefusals(t *testing.T) {
	shared.Need(t)
	ctx := context.Background()
	k, err := shared.Moto.User(ctx, "readonly", iamtest.Allow("iam:GetUser", "iam:ListAccessKeys"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = shared.Moto.Client(k).CreateAccessKey(ctx, "readonly")
	if iamapi.Code(err) != "AccessDenied" || !iamapi.Answered(err) ||
		!strings.Contains(err.Error(), "iam refused CreateAccessKey (AccessDenied: User: arn:aws:iam::123456789012:user/readonly is not authorized to perform: iam:CreateAccessKey)") {
		t.Errorf("denied: %v", err)
	}
	err = shared.Moto.Client(k).DeleteAccessKey(ctx, "readonly", k.AccessKeyID)
	if iamapi.Code(err) != "AccessDenied" {
		t.Errorf("delete denied: %v", err)
	}
	bad := k
	// Another first character: moto's random secret may start with X.
	first := "X"
	if bad.SecretAccessKey[0] == 'X' {
		first = "Y"
	}
	bad.SecretAccessKey = first + bad.SecretAccessKey[1:]
	if _, err := shared.Moto.Client(bad).GetUser(ctx); iamapi.Code(err) != "SignatureDoesNotMatch" || strings.Contains(err.Error(), bad.SecretAccessKey) {
		t.Errorf("wrong secret: %v", err)
	}
}
