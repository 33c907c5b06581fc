package credserver

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// The shell-tied credential server of ec2switch NAME --serve runs in a
// detached process of its own, started by Spawn as 'awsenv __serve'. Its
// request (what to serve) reaches it as data on its standard input, never
// on a command line another local user can read; it hands its URL and
// token back on a pipe (fd 3) with Handoff.Write; it ends when the shell
// that asked for it exits, or when ec2clear or the next ec2switch stops it
// (Stop).

// ServeCommand is the hidden command a spawned server runs as; Stop ends
// only processes whose command line says so.
const ServeCommand = "__serve"

// maxRequest bounds what a spawned server reads as its request.
const maxRequest = 1 << 20

// Spawn starts exe as a detached credential server, writes request on its
// standard input and waits (at most wait) for its handoff.
func Spawn(exe string, request []byte, wait time.Duration) (Handoff, error) {
	pr, pw, err := os.Pipe() // the handoff, fd 3 of the child
	if err != nil {
		return Handoff{}, err
	}
	defer pr.Close()
	cmd := exec.Command(exe, ServeCommand)
	cmd.ExtraFiles = []*os.File{pw}
	cmd.SysProcAttr = detached()
	in, err := cmd.StdinPipe()
	if err != nil {
		pw.Close()
		return Handoff{}, err
	}
	if err := cmd.Start(); err != nil {
		pw.Close()
		return Handoff{}, fmt.Errorf("cannot start the credential server: %w", err)
	}
	pw.Close()
	fail := func(err error) (Handoff, error) {
		cmd.Process.Kill()
		cmd.Wait()
		return Handoff{}, err
	}
	// The request is small: it fits the pipe's buffer, so this write does
	// not wait for the child to read it.
	if _, err := in.Write(request); err != nil {
		return fail(fmt.Errorf("cannot hand the credential server its request: %w", err))
	}
	in.Close()
	type answer struct {
		h   Handoff
		err error
	}
	got := make(chan answer, 1)
	go func() {
		h, err := ReadHandoff(pr)
		got <- answer{h, err}
	}()
	select {
	case a := <-got:
		if a.err == nil && a.h.PID != cmd.Process.Pid {
			a.err = errors.New("the credential server answered for another process")
		}
		if a.err != nil {
			return fail(a.err)
		}
		cmd.Process.Release()
		return a.h, nil
	case <-time.After(wait):
		return fail(errors.New("the credential server did not start in time"))
	}
}

// ReadRequest reads a spawned server's request from r (its standard input).
func ReadRequest(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxRequest+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("cannot read the credential server's request: %w", err)
	case len(b) > maxRequest:
		return nil, errors.New("the credential server's request is too large")
	case len(b) == 0:
		return nil, errors.New("__serve is started by switch --serve")
	}
	return b, nil
}

// HandoffPipe is the pipe a spawned server hands its address back on.
func HandoffPipe() (*os.File, error) {
	f := os.NewFile(3, "handoff")
	if f == nil {
		return nil, errors.New("__serve is started by switch --serve: it needs the handoff pipe on fd 3")
	}
	return f, nil
}

// StopServed stops the spawned server whose pid the shell's variable
// holds, if it is still awsenv's (a pid may have been reused since).
func StopServed(pidVar string) {
	if pid, err := strconv.Atoi(pidVar); err == nil && pid > 0 {
		stop(pid)
	}
}
