// Package rotate replaces an IAM user's long-lived access key with a new
// one: CreateAccessKey, wait until STS accepts the new key, store it where
// the old one was, DeleteAccessKey of the old one.
//
// The order keeps one working key stored at every moment: the old key is
// deleted only after the new one is stored and read back, and a new key that
// is not kept is deleted again. A failure says what state the user is in and
// what to run; no key is left behind without saying so.
package rotate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/creds"
	"github.com/awsenv/awsenv/internal/fsutil"
	"github.com/awsenv/awsenv/internal/iamapi"
	"github.com/awsenv/awsenv/internal/keystore"
)

// Options say what to rotate and how.
type Options struct {
	// Account is the awsenv account whose stored key is replaced.
	Account string
	// Store holds the account's key; the new key goes there.
	Store keystore.Store
	// IAM is the IAM endpoint's client; rotate sets its credentials.
	IAM *iamapi.Client
	// Session, when set, is an MFA session of the same user (GetSessionToken
	// with the MFA code), for a policy that allows managing keys only with
	// MFA. It signs ListAccessKeys, CreateAccessKey and DeleteAccessKey;
	// without it the old key signs those and the new key the deletion.
	Session aws.CredentialsProvider
	// STS checks keys with GetCallerIdentity.
	STS creds.Endpoint
	// Verify replaces that check (tests); it returns the caller's ARN.
	Verify func(ctx context.Context, p aws.CredentialsProvider) (arn string, err error)
	// Attempts bounds the checks of the new key (IAM is eventually
	// consistent: a new key can take seconds to work); 0 means 10.
	Attempts int
	// Backoff is the first wait between checks, doubled up to 8 times
	// as long; 0 means 500ms.
	Backoff time.Duration
	// Progress gets a line for each step, for stderr (nil: none).
	Progress func(string)
}

// Result is what a rotation did.
type Result struct {
	Account, User, UserARN string
	OldKeyID, NewKeyID     string
	// Where the new key is stored (keystore.Store.Where).
	Where string
	// Checks is how many checks the new key took to work.
	Checks int
}

// Step is where a rotation stopped.
type Step int

const (
	Check  Step = iota // reading the stored key, who it is, its user's keys
	Create             // CreateAccessKey
	Verify             // waiting for the new key to work
	Store              // storing the new key
	Delete             // deleting the old key: the new one is stored and works
)

// Error is a rotation that stopped. Its message says what happened, what
// state the keys are in, and what to do.
type Error struct {
	Step Step
	// Changed says the stored key is no longer the old one (Step Delete):
	// the new key is stored and works, and the old key still exists.
	Changed bool
	// LeftKeyID is a key that exists in IAM and is not stored ("" for none):
	// the old key (Step Delete), or a new key that could not be deleted again.
	LeftKeyID string
	msg       string
	err       error
}

func (e *Error) Error() string { return e.msg }
func (e *Error) Unwrap() error { return e.err }

func (o *Options) progress(format string, args ...any) {
	if o.Progress != nil {
		o.Progress(fmt.Sprintf(format, args...))
	}
}

func static(k config.Keys) aws.CredentialsProvider {
	return creds.Static{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey}
}

func (o *Options) verify(ctx context.Context, p aws.CredentialsProvider) (string, error) {
	if o.Verify != nil {
		return o.Verify(ctx, p)
	}
	id, err := creds.CallerIdentity(ctx, o.STS, p)
	if err != nil {
		return "", err
	}
	return id.ARN, nil
}

// cleanupTimeout bounds the calls that put things right after a failure or
// an interrupt: they run even when the command's context is cancelled.
const cleanupTimeout = 30 * time.Second

// Rotate replaces the account's stored key. On an error, the *Error says
// what state the keys are in; a Result is returned with it once the new key
// is stored (Step Delete).
func Rotate(ctx context.Context, o Options) (*Result, error) {
	if o.Store == nil || o.IAM == nil {
		return nil, errors.New("rotate: no store or no IAM client")
	}
	where := o.Store.Where()
	old, err := o.Store.Get(o.Account)
	if err != nil {
		return nil, &Error{Step: Check, msg: err.Error(), err: err}
	}
	nothing := fmt.Sprintf("nothing changed: the key %s stored in %s is still the one in use", old.AccessKeyID, where)
	fail := func(step Step, err error, format string, args ...any) error {
		return &Error{Step: step, msg: fmt.Sprintf(format, args...), err: err}
	}

	signer := static(old)
	if o.Session != nil {
		signer = o.Session
	}
	arn, err := o.verify(ctx, signer)
	if err != nil {
		if o.Session != nil {
			return nil, fail(Check, err, "the MFA session does not work (%v): nothing changed; get a new MFA session and run the rotation again", err)
		}
		return nil, fail(Check, err, "the key %s stored in %s does not work (%v): nothing changed; rotation needs a working key: store one first (awsenv add %s --force)",
			old.AccessKeyID, where, err, o.Account)
	}
	user, err := userName(arn)
	if err != nil {
		return nil, fail(Check, err, "%v: %s", err, nothing)
	}
	res := &Result{Account: o.Account, User: user, UserARN: arn, OldKeyID: old.AccessKeyID, Where: where}
	iam := o.IAM.WithCredentials(signer)

	keys, err := iam.ListAccessKeys(ctx, user)
	if err != nil {
		return nil, fail(Check, err, "%v: %s", err, nothing)
	}
	var others []iamapi.AccessKey
	found := false
	for _, k := range keys {
		if k.AccessKeyID == old.AccessKeyID {
			found = true
		} else {
			others = append(others, k)
		}
	}
	if !found {
		return nil, fail(Check, nil, "the IAM user %q has no access key %s, the key stored in %s (its keys: %s): the stored key is another user's, or deleted: nothing changed",
			user, old.AccessKeyID, where, describe(keys))
	}
	if len(others) > 0 {
		o2 := others[0]
		return nil, fail(Check, nil, "the IAM user %q already has two access keys, %s (stored in %s) and %s (%s, created %s), and IAM allows two: %s; if %s is not in use, delete it (aws iam delete-access-key --user-name %s --access-key-id %s) and run the rotation again",
			user, old.AccessKeyID, where, o2.AccessKeyID, strings.ToLower(o2.Status), o2.CreateDate.UTC().Format("2006-01-02"), nothing, o2.AccessKeyID, user, o2.AccessKeyID)
	}

	o.progress("creating a new access key for IAM user %s", user)
	nk, err := iam.CreateAccessKey(ctx, user)
	if err != nil {
		return nil, o.createFailed(ctx, iam, user, old.AccessKeyID, err, nothing)
	}
	newKeys := config.Keys{AccessKeyID: nk.AccessKeyID, SecretAccessKey: nk.SecretAccessKey}
	res.NewKeyID = newKeys.AccessKeyID
	// From here on, what must be put right is put right even after an interrupt.
	bg := context.WithoutCancel(ctx)

	checks, err := o.waitWorks(ctx, newKeys, arn)
	res.Checks = checks
	if err != nil {
		return nil, o.undo(bg, iam, user, newKeys.AccessKeyID, old.AccessKeyID, where, Verify, err,
			fmt.Sprintf("the new key %s did not work after %d checks (%v)", newKeys.AccessKeyID, checks, err))
	}

	o.progress("storing the new key in %s", where)
	if err := o.Store.Set(o.Account, newKeys); err != nil {
		return nil, o.undo(bg, iam, user, newKeys.AccessKeyID, old.AccessKeyID, where, Store, err,
			fmt.Sprintf("cannot store the new key %s (%v)", newKeys.AccessKeyID, err))
	}
	if got, err := o.Store.Get(o.Account); err != nil || got != newKeys {
		if err == nil {
			err = errors.New("another key came back")
		}
		why := fmt.Sprintf("the new key %s did not read back from %s (%v)", newKeys.AccessKeyID, where, err)
		if rerr := o.Store.Set(o.Account, old); rerr != nil {
			return nil, o.undo(bg, iam, user, newKeys.AccessKeyID, old.AccessKeyID, where, Store, err,
				why+fmt.Sprintf(", and putting the old key back failed too (%v): the old key %s still works but its stored copy may be damaged: if so, store it again (awsenv add %s --force)", rerr, old.AccessKeyID, o.Account))
		}
		return nil, o.undo(bg, iam, user, newKeys.AccessKeyID, old.AccessKeyID, where, Store, err, why+"; the old key was stored again")
	}

	o.progress("deleting the old access key %s", old.AccessKeyID)
	if err := o.deleteOld(bg, newKeys, user, old.AccessKeyID); err != nil {
		return res, &Error{Step: Delete, Changed: true, LeftKeyID: old.AccessKeyID, err: err,
			msg: fmt.Sprintf("the new key %s is stored in %s and works, but the old key %s still exists: deleting it failed (%v): delete it with credentials allowed to (aws iam delete-access-key --user-name %s --access-key-id %s)",
				newKeys.AccessKeyID, where, old.AccessKeyID, err, user, old.AccessKeyID)}
	}
	return res, nil
}

// createFailed explains a failed CreateAccessKey. When IAM refused, nothing
// was made. When the answer was lost, a key may have been made whose secret
// awsenv never got: it is looked for and deleted.
func (o *Options) createFailed(ctx context.Context, iam *iamapi.Client, user, oldID string, err error, nothing string) error {
	if iamapi.Answered(err) {
		return &Error{Step: Create, err: err, msg: fmt.Sprintf("%v: %s", err, nothing)}
	}
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	after, lerr := iam.ListAccessKeys(bg, user)
	if lerr != nil {
		return &Error{Step: Create, err: err, msg: fmt.Sprintf("%v: awsenv cannot tell whether IAM made a new key (listing the keys failed too: %v): the key %s is still stored and in use; list the user's keys (aws iam list-access-keys --user-name %s) and delete any other than %s",
			err, lerr, oldID, user, oldID)}
	}
	for _, k := range after {
		if k.AccessKeyID == oldID {
			continue
		}
		if derr := iam.DeleteAccessKey(bg, user, k.AccessKeyID); derr != nil {
			return &Error{Step: Create, err: err, LeftKeyID: k.AccessKeyID, msg: fmt.Sprintf("%v: IAM made the key %s anyway, awsenv never got its secret, and deleting it failed (%v): delete it (aws iam delete-access-key --user-name %s --access-key-id %s); the key %s is still stored and in use",
				err, k.AccessKeyID, derr, user, k.AccessKeyID, oldID)}
		}
		return &Error{Step: Create, err: err, msg: fmt.Sprintf("%v: IAM made the key %s anyway, and it was deleted again: %s", err, k.AccessKeyID, nothing)}
	}
	return &Error{Step: Create, err: err, msg: fmt.Sprintf("%v: IAM made no key: %s", err, nothing)}
}

// undo deletes the new key, which is not kept, signed with what signed its
// creation, and says what state that leaves.
func (o *Options) undo(ctx context.Context, iam *iamapi.Client, user, newID, oldID, where string, step Step, cause error, why string) error {
	ctx, cancel := context.WithTimeout(ctx, cleanupTimeout)
	defer cancel()
	o.progress("deleting the new access key %s again", newID)
	if err := iam.DeleteAccessKey(ctx, user, newID); err != nil {
		return &Error{Step: step, err: cause, LeftKeyID: newID, msg: fmt.Sprintf("%s, and deleting it again failed (%v): the key %s stored in %s is still the one in use; delete the unused new key %s (aws iam delete-access-key --user-name %s --access-key-id %s)",
			why, err, oldID, where, newID, user, newID)}
	}
	return &Error{Step: step, err: cause, msg: fmt.Sprintf("%s: it was deleted again; nothing changed: the key %s stored in %s is still the one in use", why, oldID, where)}
}

// waitWorks checks the new key with GetCallerIdentity until it works, a
// bounded number of times with growing waits: a new IAM key takes a few
// seconds to be accepted everywhere.
func (o *Options) waitWorks(ctx context.Context, k config.Keys, wantARN string) (int, error) {
	attempts, wait := o.Attempts, o.Backoff
	if attempts <= 0 {
		attempts = 10
	}
	if wait <= 0 {
		wait = 500 * time.Millisecond
	}
	limit := 8 * wait
	var err error
	for i := 1; i <= attempts; i++ {
		if i > 1 {
			o.progress("waiting for IAM to accept the new key (check %d of %d)", i, attempts)
			select {
			case <-ctx.Done():
				return i - 1, errors.New("interrupted")
			case <-time.After(wait):
			}
			wait = min(2*wait, limit)
		}
		var arn string
		arn, err = o.verify(ctx, static(k))
		if err == nil && arn != wantARN {
			return i, fmt.Errorf("it is %s, not %s", arn, wantARN)
		}
		if err == nil {
			return i, nil
		}
		if ctx.Err() != nil {
			return i, errors.New("interrupted")
		}
	}
	return attempts, err
}

// deleteOld deletes the old key, signed with the MFA session if there is
// one, else with the new key; IAM may need a moment before it accepts the
// new key for IAM calls too.
func (o *Options) deleteOld(ctx context.Context, newKeys config.Keys, user, oldID string) error {
	ctx, cancel := context.WithTimeout(ctx, cleanupTimeout)
	defer cancel()
	signer := static(newKeys)
	if o.Session != nil {
		signer = o.Session
	}
	iam := o.IAM.WithCredentials(signer)
	var err error
	for i := range 4 {
		if i > 0 {
			select {
			case <-ctx.Done():
				return err
			case <-time.After(time.Duration(i) * max(o.Backoff, 100*time.Millisecond)):
			}
		}
		err = iam.DeleteAccessKey(ctx, user, oldID)
		switch iamapi.Code(err) {
		case "":
			if err == nil {
				return nil
			}
		case "NoSuchEntity":
			return nil // gone already (an earlier try went through)
		case "InvalidClientTokenId":
			continue
		}
		if iamapi.Answered(err) {
			return err
		}
	}
	return err
}

// userName reads the IAM user out of a caller ARN,
// arn:PARTITION:iam::ACCOUNT:user/PATH/NAME.
func userName(arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && strings.HasPrefix(parts[5], "user/") {
		r := parts[5]
		return r[strings.LastIndexByte(r, '/')+1:], nil
	}
	return "", fmt.Errorf("the credentials are not an IAM user's (they are %s): rotation replaces an IAM user's own access key", arn)
}

func describe(keys []iamapi.AccessKey) string {
	if len(keys) == 0 {
		return "none"
	}
	var s []string
	for _, k := range keys {
		s = append(s, k.AccessKeyID+" ("+strings.ToLower(k.Status)+")")
	}
	return strings.Join(s, ", ")
}

// Run is one rotation as a command runs it: at most one at a time per
// account (a lock beside its access key file, in the credential directory
// dir, waiting says why nothing happens), and once the key is replaced,
// purge drops the cached sessions made from the old one.
func Run(ctx context.Context, o Options, dir string, waiting func(), purge func()) (*Result, error) {
	lctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	ak, _ := config.KeyFiles(dir, o.Account)
	unlock, err := fsutil.LockFor(lctx, ak, waiting)
	if err != nil {
		return nil, err
	}
	defer unlock()
	out, err := Rotate(ctx, o)
	if err != nil {
		return nil, err
	}
	if purge != nil {
		purge()
	}
	return out, nil
}
