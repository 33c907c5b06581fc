// Package prompt obtains MFA codes: from a flag, from an external command
// (mfa_process / AWSENV_MFA_PROCESS), or from the user at the terminal.
package prompt

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"
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
	// OpenTTY opens the controlling terminal; nil means /dev/tty.
	OpenTTY func() (*os.File, error)
	// ProcessTimeout bounds the external command (default 2 minutes).
	ProcessTimeout time.Duration
}

// ErrNoTerminal is returned when a code is needed, none was given and there
// is no terminal to ask on.
var ErrNoTerminal = errors.New("an mfa code is needed but there is no terminal to ask on: pass --code, or set mfa_process in the accounts file or AWSENV_MFA_PROCESS")

// Code returns a validated six-digit code from the first source that has one.
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
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", s.Process)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = s.Stderr
	// The command's own children (ykman, op, a script's pipeline) go with
	// it when it times out: kill its whole process group.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("the mfa code command %q did not finish within %s", s.Process, timeout)
		}
		return "", fmt.Errorf("the mfa code command %q failed: %v", s.Process, err)
	}
	code := strings.TrimSpace(out.String())
	if ValidateCode(code) != nil {
		return "", fmt.Errorf("the mfa code command %q did not print a 6-digit code", s.Process)
	}
	return code, nil
}

func (s Source) fromTerminal() (string, error) {
	open := s.OpenTTY
	if open == nil {
		open = func() (*os.File, error) { return os.OpenFile("/dev/tty", os.O_RDWR, 0) }
	}
	tty, err := open()
	if err != nil {
		return "", ErrNoTerminal
	}
	defer tty.Close()
	if !term.IsTerminal(int(tty.Fd())) {
		return "", ErrNoTerminal
	}
	if _, err := io.WriteString(tty, s.Prompt); err != nil {
		return "", ErrNoTerminal
	}
	line, err := bufio.NewReader(tty).ReadString('\n')
	if err != nil && line == "" {
		io.WriteString(tty, "\n")
		return "", errors.New("no mfa code entered")
	}
	return strings.TrimSpace(line), nil
}
