// Package xerr has the one error helper several packages need.
package xerr

import "errors"

// Root is the innermost error of a wrapped chain: for "open x: rename y:
// permission denied" just "permission denied", for error messages that
// already say which file or host they are about.
func Root(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}
