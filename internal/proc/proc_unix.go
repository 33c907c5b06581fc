//go:build unix

package proc

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// run runs c.Line with /bin/sh -c in a process group of its own and copies
// its standard output to stdout. The group is killed when ctx ends, and
// again once the shell has exited: whatever the shell left behind in it
// ("sleep 30 &", a pipeline's other end) would otherwise keep running and
// hold the output pipes open.
//
// The pipes are awsenv's own rather than exec's, so that Wait returns as
// soon as the shell exits instead of waiting for the pipes to close.
func run(ctx context.Context, c Command, stdout io.Writer) error {
	cmd := exec.Command("/bin/sh", "-c", c.Line)
	cmd.Env = env(c.Env)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var copies []*copier
	defer func() {
		for _, cp := range copies {
			cp.r.Close()
		}
	}()
	outCopy, err := newCopier(stdout)
	if err != nil {
		return err
	}
	copies = append(copies, outCopy)
	cmd.Stdout = outCopy.w
	switch w := c.Stderr.(type) {
	case nil:
	case *os.File:
		cmd.Stderr = w
	default:
		errCopy, err := newCopier(w)
		if err != nil {
			outCopy.w.Close()
			return err
		}
		copies = append(copies, errCopy)
		cmd.Stderr = errCopy.w
	}
	err = cmd.Start()
	for _, cp := range copies {
		cp.w.Close() // the child has its own copy
	}
	if err != nil {
		return err
	}
	for _, cp := range copies {
		go cp.run()
	}

	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err = <-exited:
	case <-ctx.Done():
		killGroup(cmd.Process.Pid)
		err = <-exited
	}
	// The shell is reaped, but its group lives on while any member does,
	// and the kernel does not hand its id to a new process meanwhile, so
	// this reaches the shell's leftovers. (Once the group is empty the id is
	// free again; only a wrap of the whole pid space between the reaping and
	// this line could give it to someone else's group.)
	killGroup(cmd.Process.Pid)

	// What the shell printed is in the pipes; what a process that left the
	// group still prints is not the command's answer.
	deadline := time.Now().Add(drainDelay)
	for _, cp := range copies {
		cp.r.SetReadDeadline(deadline)
	}
	for _, cp := range copies {
		if cerr := <-cp.done; cerr != nil && err == nil && !errors.Is(cerr, os.ErrDeadlineExceeded) {
			err = cerr
		}
	}
	return err
}

func killGroup(pgid int) {
	syscall.Kill(-pgid, syscall.SIGKILL) // ESRCH: nobody left
}

// copier copies from a pipe the command writes to into a writer.
type copier struct {
	r, w *os.File
	dst  io.Writer
	done chan error
}

func newCopier(dst io.Writer) (*copier, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	return &copier{r: r, w: w, dst: dst, done: make(chan error, 1)}, nil
}

func (cp *copier) run() {
	_, err := io.Copy(cp.dst, cp.r)
	cp.done <- err
}

// forwardedSignals are the signals RunForwarding passes on: those a
// terminal, a shell's kill or a supervisor sends, and window size changes.
var forwardedSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP,
	syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH}

// exitCodeOf is the status a shell reports for the process: 128+N when
// signal N killed it.
func exitCodeOf(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}
