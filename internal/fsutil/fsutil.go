// Package fsutil holds the file primitives awsenv's on-disk state relies on:
// atomic replacement of a file, an advisory lock beside it, a reader of
// text files that refuses what is not a regular file (ReadText), and the
// stamp by which an index tells that a file is as it recorded it (Stamp,
// with its settle rule).
package fsutil

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// WriteFile replaces path with data atomically: it writes a temporary file
// in the same directory with mode perm, syncs it and renames it over path,
// so a reader sees the old content or the new, never a torn file, and a
// failure leaves the old file as it was.
func WriteFile(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(perm); err != nil {
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync() // best effort: make the rename durable
		d.Close()
	}
	return nil
}

// SweepTemps removes temporary files an interrupted WriteFile of path left
// behind. Call it only while holding the lock that orders writers of path.
func SweepTemps(path string) {
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "."+escapeGlob(filepath.Base(path))+".tmp*"))
	for _, m := range matches {
		os.Remove(m)
	}
}

// SweepOldTemps is SweepTemps for writers that take no lock (an index,
// which any run may rewrite): it removes only the temporary files older
// than age, which no writer still at work can own.
func SweepOldTemps(path string, age time.Duration) {
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "."+escapeGlob(filepath.Base(path))+".tmp*"))
	for _, m := range matches {
		if st, err := os.Lstat(m); err == nil && time.Since(st.ModTime()) > age {
			os.Remove(m)
		}
	}
}

func escapeGlob(s string) string {
	r := strings.NewReplacer("*", `\*`, "?", `\?`, "[", `\[`, `\`, `\\`)
	return r.Replace(s)
}

// ErrLockTimeout is returned by Lock when the lock stays taken.
var ErrLockTimeout = errors.New("timed out waiting for the lock")

// Lock takes an exclusive advisory lock on path (created 0600 if needed),
// waiting until ctx ends. waiting is called once if the lock is not free at
// the first try, so the caller can tell the user why nothing happens.
//
// The lock file is opened without following a symlink (a link planted at
// the lock's path would otherwise make awsenv create a file wherever it
// points) and without blocking on a FIFO, and it must be a regular file.
func Lock(ctx context.Context, path string, waiting func()) (unlock func(), err error) {
	fl := flock.New(path, flock.SetPermissions(0o600), flock.SetFlag(lockFlags))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, lockError(path, err)
	}
	if !ok {
		if waiting != nil {
			waiting()
		}
		ok, err = fl.TryLockContext(ctx, 50*time.Millisecond)
		if err != nil && ctx.Err() == nil {
			return nil, lockError(path, err)
		}
		if !ok {
			return nil, ErrLockTimeout
		}
	}
	if st, err := fl.Stat(); err != nil || !st.Mode().IsRegular() {
		fl.Unlock()
		return nil, fmt.Errorf("cannot lock %s: it is not a regular file: remove it", path)
	}
	return func() { fl.Unlock() }, nil
}

// EditFile is the one way awsenv changes a file that another program or
// another awsenv may change at the same time (the accounts file, the AWS
// config and credentials files). what names the file in messages. The
// folder is made (0700), the file's lock (LockFor) taken, waiting at most
// 30 s or until ctx ends, and edit called to read the file as it is now
// and return its new content and mode; the file is then replaced
// atomically. Nothing is written when edit fails.
func EditFile(ctx context.Context, what, path string, edit func() ([]byte, os.FileMode, error)) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("cannot create the folder of %s %s: %w", what, path, err)
	}
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	unlock, err := LockFor(lctx, path, nil)
	if err != nil {
		return fmt.Errorf("cannot lock %s %s: %w", what, path, err)
	}
	defer unlock()
	data, mode, err := edit()
	if err != nil {
		return err
	}
	if err := WriteFile(path, data, mode); err != nil {
		return fmt.Errorf("cannot write %s %s: %w: nothing was changed", what, path, rootOf(err))
	}
	return nil
}

// rootOf is the innermost error of err's chain: the message already names
// the file.
func rootOf(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

// LockFor takes the lock that guards changes to the file at path: the one
// lock-naming scheme of awsenv, ".NAME.lock" beside the file, so that every
// command that edits the file under a lock takes the same one.
func LockFor(ctx context.Context, path string, waiting func()) (unlock func(), err error) {
	return Lock(ctx, LockPath(path), waiting)
}

// LockPath is the lock file LockFor takes for path.
func LockPath(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".lock")
}

func lockError(path string, err error) error {
	if isSymlinkError(err) {
		return fmt.Errorf("cannot lock %s: it is a symbolic link, which awsenv does not follow: remove it", path)
	}
	return fmt.Errorf("cannot lock %s: %w", path, err)
}
