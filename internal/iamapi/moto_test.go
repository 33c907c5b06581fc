//go:build unix

package iamapi_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/iamapi"
	"github.com/awsenv/awsenv/internal/iamapi/iamtest"
	"github.com/awsenv/awsenv/internal/mototest"
)

var (
	moto    *iamtest.Moto
	motoErr error // why moto is not running
)

func TestMain(m *testing.M) {
	dir, _ := os.MkdirTemp("", "iamapi-moto")
	moto, motoErr = iamtest.Start(dir)
	code := m.Run()
	if moto != nil {
		moto.Close()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func needMoto(t *testing.T) {
	if errors.Is(motoErr, mototest.ErrNotInstalled) {
		t.Skip(motoErr)
	}
	if motoErr != nil {
		t.Fatal(motoErr)
	}
}

// The four calls against moto's IAM in authenticated mode, signed with the
// user's own key: the user's own key life cycle.
func TestMotoKeyLifecycle(t *testing.T) {
	needMoto(t)
	ctx := context.Background()
	old, err := moto.User(ctx, "lifecycle", iamtest.AllowAll)
	if err != nil {
		t.Fatal(err)
	}
	c := moto.Client(old)
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
	if err := moto.Client(newKeys).DeleteAccessKey(ctx, "lifecycle", old.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetUser(ctx); iamapi.Code(err) != "InvalidClientTokenId" {
		t.Errorf("the deleted key: %v", err)
	}
	ids, _ := moto.Keys(ctx, "lifecycle")
	if !slices.Equal(ids, []string{created.AccessKeyID}) {
		t.Errorf("keys left: %v", ids)
	}
}

func TestMotoRefusals(t *testing.T) {
	needMoto(t)
	ctx := context.Background()
	k, err := moto.User(ctx, "readonly", iamtest.Allow("iam:GetUser", "iam:ListAccessKeys"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = moto.Client(k).CreateAccessKey(ctx, "readonly")
	if iamapi.Code(err) != "AccessDenied" || !iamapi.Answered(err) ||
		!strings.Contains(err.Error(), "iam refused CreateAccessKey (AccessDenied: User: arn:aws:iam::123456789012:user/readonly is not authorized to perform: iam:CreateAccessKey)") {
		t.Errorf("denied: %v", err)
	}
	err = moto.Client(k).DeleteAccessKey(ctx, "readonly", k.AccessKeyID)
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
	if _, err := moto.Client(bad).GetUser(ctx); iamapi.Code(err) != "SignatureDoesNotMatch" || strings.Contains(err.Error(), bad.SecretAccessKey) {
		t.Errorf("wrong secret: %v", err)
	}
}
