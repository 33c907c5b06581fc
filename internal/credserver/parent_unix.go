//go:build unix

package credserver

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"
)

type watch struct {
	pid   int
	start string // the process's start time where the system tells it, else ""
}

func newWatch(pid int) (*watch, error) {
	w := &watch{pid: pid}
	start, zombie, ok := procStat(pid)
	if ok && zombie {
		return nil, fmt.Errorf("process %d has already exited", pid)
	}
	w.start = start
	if !w.alive() {
		return nil, fmt.Errorf("no process %d is running", pid)
	}
	return w, nil
}

// alive reports whether the process is still the one watched.
func (w *watch) alive() bool {
	if err := syscall.Kill(w.pid, 0); errors.Is(err, syscall.ESRCH) {
		return false // EPERM: it exists, but is another user's
	}
	if w.start == "" {
		return true
	}
	start, zombie, ok := procStat(w.pid)
	return ok && !zombie && start == w.start
}

// wait returns true once the process has ended, false when ctx ends first.
func (w *watch) wait(ctx context.Context) bool {
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for w.alive() {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	return true
}

func (w *watch) close() {}
