//go:build !linux && !darwin

package resolve

import "io/fs"

// keyOf: without a change time to read there is no index (see index.go).
func keyOf(fs.FileInfo) (fileKey, bool) { return fileKey{}, false }

func ownFile(fs.FileInfo) bool { return false }
