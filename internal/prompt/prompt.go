// Package prompt obtains MFA codes: from a flag, from an external command
// (mfa_process / AWSENV_MFA_PROCESS), or from the user at the terminal.
package prompt

import (
	"bufio"
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

// ValidateCode checks that code is exactly six ASCII digits, the only form
// STS accepts, so a typo never costs an STS call.
func ValidateCode(code string) error {
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return errors.New("the mfa code must be exactly 6 digits: enter the current code from your authenticator")
	}
	return nil
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
		code = strings.TrimSpace(s.Code)
	case s.Process != "":
		code, err = s.fromProcess(ctx)
	default:
		code, err = s.fromTerminal()
	}
	if err != nil {
		return "", err
	}
	if err := ValidateCode(code); err != nil {
		return "", err
	}
	return code, nil
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
	code := strings.TrimSpace(string(out))
	if ValidateCode(code) != nil {
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
	if _, err := io.WriteString(out, s.Prompt); err != nil {
		return "", ErrNoTerminal
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		io.WriteString(out, "\n")
		return "", errors.New("no mfa code entered")
	}
	return strings.TrimSpace(line), nil
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
