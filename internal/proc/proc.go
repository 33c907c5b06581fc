// Package proc runs the commands awsenv starts for the user: the shell
// command lines a user configures (credential_process, mfa_process), whose
// output awsenv reads, and the command awsenv exec hands the terminal to.
package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Command is a command line from the user's configuration. It is run by
// /bin/sh -c on Unix and by cmd.exe /C on Windows, with no standard input.
type Command struct {
	// Name is how errors refer to the command, e.g. "credential_process";
	// "the command" if empty.
	Name string
	Line string
	// Stderr receives the command's standard error (e.g. "touch your key");
	// nil discards it.
	Stderr io.Writer
	// Env is added to awsenv's own environment; a later NAME=value wins.
	Env []string
	// Timeout bounds the run; zero means only ctx does.
	Timeout time.Duration
}

// MaxOutput is how much a command may print on its standard output: the
// answers awsenv reads are a few hundred bytes, and a broken command that
// prints without end must not take all memory.
const MaxOutput = 1 << 20

// ErrTimeout is in the chain of Output's error when Command.Timeout ended
// the command.
var ErrTimeout = errors.New("command timed out")

// ErrTooMuchOutput is in the chain of Output's error when the command
// printed more than MaxOutput bytes.
var ErrTooMuchOutput = errors.New("command printed too much")

// drainDelay bounds the wait for the end of the command's output once the
// command has exited and its process group is gone: a process that left the
// group (a daemon started with setsid) may hold the pipes open for ever.
// A variable only so that tests can tell it from a slow machine.
var drainDelay = time.Second

// Output runs c and returns what it printed on its standard output. When
// the timeout passes or ctx ends, the command and, on Unix, every process
// it started are killed; on Unix they are also killed as soon as the command
// itself exits, so a background child cannot outlive it. The error names
// the command and says what to do; it never contains the command's output,
// which may be a secret.
func Output(ctx context.Context, c Command) ([]byte, error) {
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, c.Timeout, ErrTimeout)
		defer cancel()
	}
	if ctx.Err() != nil {
		return nil, c.error(context.Cause(ctx))
	}
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	out := &cappedBuffer{max: MaxOutput, full: func() { stop(ErrTooMuchOutput) }}
	err := run(ctx, c, out)
	if out.overflowed() {
		err = ErrTooMuchOutput
	} else if err != nil && ctx.Err() != nil {
		err = context.Cause(ctx) // the kill, not its "signal: killed"
	}
	if err != nil {
		return nil, c.error(err)
	}
	return out.buf.Bytes(), nil
}

func (c Command) error(err error) error {
	name := c.Name
	if name == "" {
		name = "the command"
	}
	var msg string
	switch {
	case errors.Is(err, ErrTimeout):
		msg = fmt.Sprintf("%s %q did not finish within %s: check that it does not wait for input", name, c.Line, c.Timeout)
	case errors.Is(err, ErrTooMuchOutput):
		msg = fmt.Sprintf("%s %q printed more than %d bytes: make it print only its answer", name, c.Line, MaxOutput)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		msg = fmt.Sprintf("%s %q was stopped before it finished: %v", name, c.Line, err)
	default:
		msg = fmt.Sprintf("%s %q failed: %v: run it in a shell to see why", name, c.Line, err)
	}
	return &cmdError{msg: msg, err: err}
}

// cmdError has its own message and keeps the cause for errors.Is and As.
type cmdError struct {
	msg string
	err error
}

func (e *cmdError) Error() string { return e.msg }
func (e *cmdError) Unwrap() error { return e.err }

// env is the environment of a command that adds extra to awsenv's own; nil
// (inherit) when there is nothing to add.
func env(extra []string) []string {
	if len(extra) == 0 {
		return nil
	}
	return append(os.Environ(), extra...)
}

// cappedBuffer keeps at most max bytes. Once more arrive, it calls full and
// fails every write, so the copy from the command stops.
type cappedBuffer struct {
	max  int
	full func()

	mu   sync.Mutex
	buf  bytes.Buffer
	over bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.over || b.buf.Len()+len(p) > b.max {
		if !b.over {
			b.over = true
			b.full()
		}
		return 0, ErrTooMuchOutput
	}
	return b.buf.Write(p)
}

func (b *cappedBuffer) overflowed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.over
}
