//go:build !unix

package fsutil

func specialFiles() []refusal { return nil }
