//go:build unix

package rotate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/creds"
	"github.com/awsenv/awsenv/internal/iamapi"
	"github.com/awsenv/awsenv/internal/iamapi/iamtest"
	"github.com/awsenv/awsenv/internal/keystore"
)

// shared is the moto_server of this package's tests.
var shared iamtest.Shared

func TestMain(m *testing.M) { os.Exit(shared.RunShared(m, "rotate")) }

// What a rotating user may do: check itself, and manage its own keys.
var selfService = iamtest.Allow("sts:GetCallerIdentity", "iam:GetUser", "iam:ListAccessKeys", "iam:CreateAccessKey", "iam:DeleteAccessKey")

var users atomic.Int32

// fixture is an IAM user in moto whose key is stored in a store.
type fixture struct {
	t     *testing.T
	user  string
	old   config.Keys
	store keystore.Store
	opts  Options
	calls *recorder
}

// stores are the places a key can live, each in its own folder.
var stores = map[string]func(t *testing.T, dir string) keystore.Store{
	"files": func(t *testing.T, dir string) keystore.Store {
		s, _ := keystore.New(keystore.Files, keystore.Options{CredDir: dir})
		return s
	},
	"encrypted-file": func(t *testing.T, dir string) keystore.Store {
		s, _ := keystore.New(keystore.Location{Keyring: true, Backend: "file"},
			keystore.Options{CredDir: dir, Getenv: func(k string) string {
				if k == keystore.EnvPassword {
					return "test password"
				}
				return ""
			}})
		return s
	},
}

func setup(t *testing.T, policy, store string) *fixture {
	t.Helper()
	shared.Need(t)
	ctx := context.Background()
	f := &fixture{t: t, user: fmt.Sprintf("rot%d", users.Add(1)), calls: &recorder{}}
	var err error
	if f.old, err = shared.Moto.User(ctx, f.user, policy); err != nil {
		t.Fatal(err)
	}
	f.store = stores[store](t, t.TempDir())
	if err := f.store.Set("work", f.old); err != nil {
		t.Fatal(err)
	}
	iam := iamapi.NewClient(shared.Moto.Endpoint(), nil, &http.Client{Transport: f.calls, Timeout: 10 * time.Second})
	iam.Attempts = 1
	f.opts = Options{
		Account: "work", Store: f.store, IAM: iam,
		STS:     creds.Endpoint{URL: shared.Moto.URL, Region: "us-east-1", Timeout: 10 * time.Second},
		Backoff: time.Millisecond, Attempts: 3,
	}
	return f
}

// keys are the user's key ids in IAM, as the admin sees them.
func (f *fixture) keys() []string {
	f.t.Helper()
	ids, err := shared.Moto.Keys(context.Background(), f.user)
	if err != nil {
		f.t.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

func sorted(ids ...string) []string { slices.Sort(ids); return ids }

func (f *fixture) works(k config.Keys) bool {
	f.t.Helper()
	id, err := creds.CallerIdentity(context.Background(), f.opts.STS, static(k))
	return err == nil && strings.HasSuffix(id.ARN, ":user/"+f.user)
}

func (f *fixture) stored() config.Keys {
	f.t.Helper()
	k, err := f.store.Get("work")
	if err != nil {
		f.t.Fatal(err)
	}
	return k
}

// recorder is a transport that records which key signed which IAM action,
// and can lose the answer of one action after IAM acted on it.
type recorder struct {
	mu     sync.Mutex
	signed []string // "Action by AKID"
	lose   string   // an action whose answer is lost
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(strings.NewReader(string(body)))
	form, _ := url.ParseQuery(string(body))
	_, cred, _ := strings.Cut(req.Header.Get("Authorization"), "Credential=")
	akid, _, _ := strings.Cut(cred, "/")
	action := form.Get("Action")
	r.mu.Lock()
	r.signed = append(r.signed, action+" by "+akid)
	lose := r.lose == action
	r.mu.Unlock()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil && lose {
		resp.Body.Close()
		return nil, errors.New("connection reset by peer")
	}
	return resp, err
}

func (r *recorder) by(action string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var who []string
	for _, s := range r.signed {
		if a, k, _ := strings.Cut(s, " by "); a == action {
			who = append(who, k)
		}
	}
	return who
}

// The whole rotation, against moto's IAM and STS in authenticated mode, for
// each kind of store.
func TestRotate(t *testing.T) {
	for _, store := range []string{"files", "encrypted-file"} {
		t.Run(store, func(t *testing.T) {
			f := setup(t, selfService, store)
			var progress []string
			f.opts.Progress = func(s string) { progress = append(progress, s) }
			res, err := Rotate(context.Background(), f.opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.OldKeyID != f.old.AccessKeyID || res.NewKeyID == "" || res.NewKeyID == res.OldKeyID || res.User != f.user || res.Where != f.store.Where() || res.Checks != 1 {
				t.Errorf("result %+v", res)
			}
			// Exactly the new key, stored where the old one was, and working.
			if got := f.keys(); !slices.Equal(got, []string{res.NewKeyID}) {
				t.Errorf("IAM keys %v, want just %s", got, res.NewKeyID)
			}
			newKeys := f.stored()
			if newKeys.AccessKeyID != res.NewKeyID || !f.works(newKeys) {
				t.Errorf("stored %s, works %v", newKeys.AccessKeyID, f.works(newKeys))
			}
			// The old key is refused, by STS and by IAM.
			if f.works(f.old) {
				t.Error("the old key still works")
			}
			_, err = shared.Moto.Client(f.old).GetUser(context.Background())
			if iamapi.Code(err) != "InvalidClientTokenId" {
				t.Errorf("IAM with the old key: %v", err)
			}
			// The old key made the new one; the new key deleted the old.
			if got := f.calls.by("CreateAccessKey"); !slices.Equal(got, []string{f.old.AccessKeyID}) {
				t.Errorf("CreateAccessKey signed by %v", got)
			}
			if got := f.calls.by("DeleteAccessKey"); !slices.Equal(got, []string{res.NewKeyID}) {
				t.Errorf("DeleteAccessKey signed by %v", got)
			}
			if len(progress) != 3 {
				t.Errorf("progress %q", progress)
			}
		})
	}
}

// A rotation stopped at any step leaves one working stored key and an
// error that says so.
func assertFailed(t *testing.T, err error, step Step, want ...string) *Error {
	t.Helper()
	var re *Error
	if !errors.As(err, &re) {
		t.Fatalf("error %v (%T), want a *rotate.Error", err, err)
	}
	t.Logf("the message: %v", err)
	if re.Step != step {
		t.Errorf("stopped at step %d, want %d: %v", re.Step, step, err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q\nlacks %q", err, w)
		}
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error is not one line: %q", err)
	}
	return re
}

func (f *fixture) unchanged() {
	f.t.Helper()
	if got := f.keys(); !slices.Equal(got, []string{f.old.AccessKeyID}) {
		f.t.Errorf("IAM keys %v, want just the old %s", got, f.old.AccessKeyID)
	}
	if f.stored() != f.old || !f.works(f.old) {
		f.t.Error("the old key is not stored, or does not work")
	}
}

func TestCreateDenied(t *testing.T) {
	f := setup(t, iamtest.Allow("sts:GetCallerIdentity", "iam:ListAccessKeys", "iam:DeleteAccessKey"), "files")
	_, err := Rotate(context.Background(), f.opts)
	assertFailed(t, err, Create,
		"iam refused CreateAccessKey (AccessDenied: User: arn:aws:iam::123456789012:user/"+f.user+" is not authorized to perform: iam:CreateAccessKey)",
		"nothing changed: the key "+f.old.AccessKeyID+" stored in key files in ")
	f.unchanged()
}

func TestTwoKeysAlready(t *testing.T) {
	f := setup(t, selfService, "files")
	second, err := shared.Moto.Client(shared.Moto.Admin).CreateAccessKey(context.Background(), f.user)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Rotate(context.Background(), f.opts)
	assertFailed(t, err, Check,
		fmt.Sprintf("the IAM user %q already has two access keys, %s (stored in key files in ", f.user, f.old.AccessKeyID),
		second.AccessKeyID+" (active, created ", "IAM allows two: nothing changed",
		fmt.Sprintf("if %s is not in use, delete it (aws iam delete-access-key --user-name %s --access-key-id %s)", second.AccessKeyID, f.user, second.AccessKeyID))
	if got := f.keys(); !slices.Equal(got, sorted(f.old.AccessKeyID, second.AccessKeyID)) {
		t.Errorf("IAM keys %v", got)
	}
	if len(f.calls.by("CreateAccessKey")) != 0 {
		t.Error("CreateAccessKey was called")
	}
}

// neverValid is a check under which keys other than old never work, as if
// IAM never made the new key known.
func neverValid(f *fixture) func(context.Context, aws.CredentialsProvider) (string, error) {
	return func(ctx context.Context, p aws.CredentialsProvider) (string, error) {
		cr, _ := p.Retrieve(ctx)
		if cr.AccessKeyID != f.old.AccessKeyID {
			return "", errors.New("sts does not know the access key (InvalidClientTokenId)")
		}
		id, err := creds.CallerIdentity(ctx, f.opts.STS, p)
		if err != nil {
			return "", err
		}
		return id.ARN, nil
	}
}

func TestNewKeyNeverValid(t *testing.T) {
	f := setup(t, selfService, "files")
	f.opts.Verify = neverValid(f)
	start := time.Now()
	_, err := Rotate(context.Background(), f.opts)
	re := assertFailed(t, err, Verify, "did not work after 3 checks (sts does not know the access key (InvalidClientTokenId))",
		"it was deleted again; nothing changed: the key "+f.old.AccessKeyID+" stored in key files in ")
	if re.LeftKeyID != "" {
		t.Errorf("LeftKeyID %q", re.LeftKeyID)
	}
	f.unchanged()
	// The checks wait Backoff (a millisecond), not seconds; the limit is
	// generous for a loaded machine.
	if time.Since(start) > 30*time.Second {
		t.Errorf("took %s", time.Since(start))
	}
}

// The new key never works and cannot be deleted again: the message names it.
func TestNewKeyNeverValidAndUndeletable(t *testing.T) {
	f := setup(t, iamtest.Allow("sts:GetCallerIdentity", "iam:ListAccessKeys", "iam:CreateAccessKey"), "files")
	f.opts.Verify = neverValid(f)
	_, err := Rotate(context.Background(), f.opts)
	keys := f.keys()
	var newID string
	for _, k := range keys {
		if k != f.old.AccessKeyID {
			newID = k
		}
	}
	re := assertFailed(t, err, Verify, "and deleting it again failed (iam refused DeleteAccessKey (AccessDenied",
		"the key "+f.old.AccessKeyID+" stored in key files in ",
		fmt.Sprintf("delete the unused new key %s (aws iam delete-access-key --user-name %s --access-key-id %s)", newID, f.user, newID))
	if re.LeftKeyID != newID || newID == "" || len(keys) != 2 {
		t.Errorf("LeftKeyID %q, IAM keys %v", re.LeftKeyID, keys)
	}
	if f.stored() != f.old || !f.works(f.old) {
		t.Error("the old key is not stored, or does not work")
	}
}

func TestDeleteDenied(t *testing.T) {
	f := setup(t, iamtest.Allow("sts:GetCallerIdentity", "iam:ListAccessKeys", "iam:CreateAccessKey"), "encrypted-file")
	res, err := Rotate(context.Background(), f.opts)
	re := assertFailed(t, err, Delete, "is stored in the encrypted-file keyring in ", "and works, but the old key "+f.old.AccessKeyID+" still exists",
		fmt.Sprintf("delete it with credentials allowed to (aws iam delete-access-key --user-name %s --access-key-id %s)", f.user, f.old.AccessKeyID))
	if res == nil || !re.Changed || re.LeftKeyID != f.old.AccessKeyID {
		t.Fatalf("result %+v, error %+v", res, re)
	}
	newKeys := f.stored()
	if newKeys.AccessKeyID != res.NewKeyID || !f.works(newKeys) {
		t.Error("the new key is not stored, or does not work")
	}
	if got := f.keys(); !slices.Equal(got, sorted(f.old.AccessKeyID, res.NewKeyID)) {
		t.Errorf("IAM keys %v", got)
	}
}

// failingStore cannot store anything new.
type failingStore struct{ keystore.Store }

func (failingStore) Set(string, config.Keys) error {
	return errors.New("the pass store /x could not store the keys of \"work\": disk full")
}

func TestStoreFails(t *testing.T) {
	f := setup(t, selfService, "files")
	f.opts.Store = failingStore{f.store}
	_, err := Rotate(context.Background(), f.opts)
	assertFailed(t, err, Store, "cannot store the new key", "disk full", "it was deleted again; nothing changed")
	f.unchanged()
}

// The answer to CreateAccessKey is lost after IAM made the key: awsenv
// never got its secret, so the key is found and deleted.
func TestCreateAnswerLost(t *testing.T) {
	f := setup(t, selfService, "files")
	f.calls.lose = "CreateAccessKey"
	_, err := Rotate(context.Background(), f.opts)
	assertFailed(t, err, Create, "connection reset by peer", "IAM made the key ", "anyway, and it was deleted again: nothing changed")
	f.unchanged()
}

// A stored key that is not the user's own is refused before anything.
func TestStoredKeyBroken(t *testing.T) {
	f := setup(t, selfService, "files")
	bad := f.old
	// Another first character: moto's random secret may start with X.
	first := "X"
	if bad.SecretAccessKey[0] == 'X' {
		first = "Y"
	}
	bad.SecretAccessKey = first + bad.SecretAccessKey[1:]
	f.store.Set("work", bad)
	_, err := Rotate(context.Background(), f.opts)
	assertFailed(t, err, Check, "the key "+f.old.AccessKeyID+" stored in key files in ", "does not work", "SignatureDoesNotMatch", "nothing changed; rotation needs a working key: store one first (awsenv add work --force)")
	if got := f.keys(); !slices.Equal(got, []string{f.old.AccessKeyID}) {
		t.Errorf("IAM keys %v", got)
	}
	// No keys at all.
	f.store.Delete("work")
	_, err = Rotate(context.Background(), f.opts)
	if !errors.Is(err, keystore.ErrNotFound) {
		t.Errorf("no stored key: %v", err)
	}
}

// With an MFA session, the session signs the IAM calls: the user's plain
// key may not manage keys (its policy asks for MFA). moto's GetSessionToken
// returns canned credentials it does not accept, so the session here is a
// key manager's credentials, which the check reports as the user's session.
func TestSessionSigns(t *testing.T) {
	f := setup(t, iamtest.Allow("sts:GetCallerIdentity", "iam:ListAccessKeys"), "files")
	ctx := context.Background()
	manager, err := shared.Moto.User(ctx, fmt.Sprintf("mgr%d", users.Add(1)), iamtest.Allow("iam:ListAccessKeys", "iam:CreateAccessKey", "iam:DeleteAccessKey"))
	if err != nil {
		t.Fatal(err)
	}
	session := static(manager)
	userARN := "arn:aws:iam::123456789012:user/" + f.user
	f.opts.Session = session
	f.opts.Verify = func(ctx context.Context, p aws.CredentialsProvider) (string, error) {
		if p == session {
			return userARN, nil
		}
		id, err := creds.CallerIdentity(ctx, f.opts.STS, p)
		if err != nil {
			return "", err
		}
		return id.ARN, nil
	}
	res, err := Rotate(ctx, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, action := range []string{"ListAccessKeys", "CreateAccessKey", "DeleteAccessKey"} {
		if got := f.calls.by(action); !slices.Equal(got, []string{manager.AccessKeyID}) {
			t.Errorf("%s signed by %v, want the session's %s", action, got, manager.AccessKeyID)
		}
	}
	if got := f.keys(); !slices.Equal(got, []string{res.NewKeyID}) || !f.works(f.stored()) {
		t.Errorf("IAM keys %v", got)
	}
}

func TestUserName(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:iam::123456789012:user/jb":              "jb",
		"arn:aws:iam::123456789012:user/division/ops/jb": "jb",
		"arn:aws-cn:iam::123456789012:user/jb":           "jb",
	} {
		if got, err := userName(arn); err != nil || got != want {
			t.Errorf("userName(%q) = %q, %v", arn, got, err)
		}
	}
	for _, arn := range []string{"arn:aws:iam::123456789012:root", "arn:aws:sts::123456789012:assumed-role/r/s", "nonsense"} {
		if _, err := userName(arn); err == nil {
			t.Errorf("userName(%q) accepted", arn)
		}
	}
}

// A rotation reads the old key and stores the new one with one unlock.
func TestRotateUnlocksOnce(t *testing.T) {
	f := setup(t, selfService, "files")
	dir := t.TempDir()
	seed, _ := keystore.New(keystore.Location{Keyring: true, Backend: "file"},
		keystore.Options{CredDir: dir, Getenv: func(k string) string {
			if k == keystore.EnvPassword {
				return "pw"
			}
			return ""
		}})
	if err := seed.Set("work", f.old); err != nil {
		t.Fatal(err)
	}
	prompts := 0
	f.store, _ = keystore.New(keystore.Location{Keyring: true, Backend: "file"},
		keystore.Options{CredDir: dir, Getenv: func(string) string { return "" },
			Password: func(string) (string, error) { prompts++; return "pw", nil }})
	f.opts.Store = f.store
	res, err := Rotate(context.Background(), f.opts)
	if err != nil {
		t.Fatal(err)
	}
	if prompts != 1 {
		t.Errorf("%d password prompts, want 1", prompts)
	}
	if got, _ := seed.Get("work"); got.AccessKeyID != res.NewKeyID {
		t.Errorf("stored %s, want %s", got.AccessKeyID, res.NewKeyID)
	}
}
