package prompt

import (
	"os"

	"golang.org/x/term"
)

// readHidden writes question to out and reads one line from the console
// with echo off.
func readHidden(f, out *os.File, question string) (string, error) {
	if _, err := out.WriteString(question); err != nil {
		return "", err
	}
	b, err := term.ReadPassword(int(f.Fd()))
	return string(b), err
}
