package config

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/awsenv/awsenv/internal/fsutil"
)

// readFile reads one of awsenv's input files with fsutil.ReadTextInfo and
// words a failure for the file it is: what ("accounts file", "key file")
// and hint (what to do) go into the message. A missing file is returned
// as it is (errors.Is(err, fs.ErrNotExist)), for the caller to word.
func readFile(what, path string, limit int64, hint string) ([]byte, fs.FileInfo, error) {
	data, st, err := fsutil.ReadTextInfo(path, limit)
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		return data, st, err
	}
	var re *fsutil.ReadError
	if errors.As(err, &re) {
		verb := "malformed"
		if errors.Is(err, fsutil.ErrNotRegular) {
			verb = "cannot read"
		}
		return nil, st, &fileError{fmt.Sprintf("%s %s %s: %s: %s", verb, what, path, re.Problem, hint), err}
	}
	if errors.Is(err, fs.ErrPermission) {
		hint = "check its owner and mode"
	}
	cause := err
	var pe *fs.PathError
	if errors.As(err, &pe) {
		cause = pe.Err // the path is in the message already
	}
	return nil, st, &fileError{fmt.Sprintf("cannot read %s %s: %v: %s", what, path, cause, hint), err}
}

// fileError is an error with a message of its own that still matches
// what it wraps (errors.Is(err, fsutil.ErrTooLarge), fs.ErrPermission).
type fileError struct {
	msg string
	err error
}

func (e *fileError) Error() string { return e.msg }
func (e *fileError) Unwrap() error { return e.err }
