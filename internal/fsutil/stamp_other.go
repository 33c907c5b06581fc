//go:build !linux && !darwin

package fsutil

import "io/fs"

// StampOf: without a change time to read, no index may answer for a file
// (see Stamp).
func StampOf(fs.FileInfo) (Stamp, bool) { return Stamp{}, false }

// OwnIndex is false where there are no stamps.
func OwnIndex(fs.FileInfo) bool { return false }
