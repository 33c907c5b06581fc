//go:build !unix

package credfile

import "errors"

func mkfifo(string) error { return errors.New("no FIFOs") }
