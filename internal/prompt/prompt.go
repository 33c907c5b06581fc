// Package prompt obtains MFA codes: from a flag, from an external command
// (mfa_process / AWSENV_MFA_PROCESS), or from the user at the terminal.
package prompt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/awsenv/awsenv/internal/proc"
)

// errCode is what a code that is not 6 digits gets.
var errCode = errors.New("the mfa code must be exactly 6 digits: enter the current code from your authenticator")

// NormalizeCode returns code as the six ASCII digits STS accepts, so a
// typo never costs an STS call. Spaces and dashes between the digits are
// dropped, as authenticator apps show codes ("066 938") and people paste
// them; anything else, or another number of digits, is refused.
func NormalizeCode(code string) (string, error) {
	code = strings.TrimSpace(code)
	var b strings.Builder
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		case (c == ' ' || c == '-') && i > 0 && i < len(code)-1:
		default:
			return "", errCode
		}
	}
	if b.Len() != 6 {
		return "", errCode
	}
	return b.String(), nil
}

// Source says where an MFA code may come from, tried in this order.
type Source struct {
	Code    string // --code
	Process string // mfa_process or $AWSENV_MFA_PROCESS
	Prompt  string // e.g. "Enter token for user alice: "
	// Stderr receives the process's stderr (e.g. "touch your key").
	Stderr io.Writer
	// OpenTTY opens the terminal to ask on, for reading and writing; nil
	// means the controlling terminal (/dev/tty; on Windows the console).
	OpenTTY func() (*os.File, error)
	// ProcessTimeout bounds the external command (default 2 minutes).
	ProcessTimeout time.Duration
}

// ErrNoTerminal is returned when a code is needed, none was given and there
// is no terminal to ask on.
var ErrNoTerminal = errors.New("an mfa code is needed but there is no terminal to ask on: pass --code, or set mfa_process in the accounts file or AWSENV_MFA_PROCESS")

// Get returns a validated six-digit code from the first source that has one.
func (s Source) Get(ctx context.Context) (string, error) {
	var code string
	var err error
	switch {
	case s.Code != "":
		code = s.Code
	case s.Process != "":
		code, err = s.fromProcess(ctx)
	default:
		code, err = s.fromTerminal()
	}
	if err != nil {
		return "", err
	}
	return NormalizeCode(code)
}

func (s Source) fromProcess(ctx context.Context) (string, error) {
	timeout := s.ProcessTimeout
	if timeout == 0 {
		timeout = 2 * time.Minute
	}
	out, err := proc.Output(ctx, proc.Command{
		Name: "the mfa code command", Line: s.Process, Stderr: s.Stderr, Timeout: timeout,
	})
	if err != nil {
		return "", err
	}
	code, err := NormalizeCode(string(out))
	if err != nil {
		return "", fmt.Errorf("the mfa code command %q did not print a 6-digit code: make it print only the current code", s.Process)
	}
	return code, nil
}

func (s Source) fromTerminal() (string, error) {
	in, out, err := s.openTerminal()
	if err != nil {
		return "", ErrNoTerminal
	}
	defer in.Close()
	if out != in {
		defer out.Close()
	}
	if !term.IsTerminal(int(in.Fd())) || !term.IsTerminal(int(out.Fd())) {
		return "", ErrNoTerminal
	}
	// The code is not echoed, as the AWS CLI's prompt does not echo it.
	line, err := readHidden(in, out, s.Prompt)
	io.WriteString(out, "\n")
	if err != nil && strings.TrimSpace(line) == "" {
		return "", errors.New("no mfa code entered")
	}
	return line, nil
}

// openTerminal opens the terminal to read the code from (in) and to write
// the prompt to (out), which may be one file.
func (s Source) openTerminal() (in, out *os.File, err error) {
	if s.OpenTTY == nil {
		return openTerminal()
	}
	f, err := s.OpenTTY()
	if err != nil {
		return nil, nil, err
	}
	return f, f, nil
}
