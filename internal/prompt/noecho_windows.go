package prompt

import (
	"os"

	"golang.org/x/term"
)

// readHidden reads one line from the console with echo off.
func readHidden(f *os.File) (string, error) {
	b, err := term.ReadPassword(int(f.Fd()))
	return string(b), err
}
