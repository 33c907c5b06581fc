package credserver

import (
	"context"
	"fmt"
	"syscall"
)

type watch struct{ h syscall.Handle }

func newWatch(pid int) (*watch, error) {
	h, err := syscall.OpenProcess(syscall.SYNCHRONIZE, false, uint32(pid))
	if err != nil {
		return nil, fmt.Errorf("cannot watch process %d: %w", pid, err)
	}
	w := &watch{h: h}
	if ev, _ := syscall.WaitForSingleObject(h, 0); ev == syscall.WAIT_OBJECT_0 {
		w.close()
		return nil, fmt.Errorf("process %d has already exited", pid)
	}
	return w, nil
}

// wait waits on the process handle, a quarter second at a time to notice
// ctx; it returns true once the process has ended, false when ctx ends
// first.
func (w *watch) wait(ctx context.Context) bool {
	for ctx.Err() == nil {
		ev, err := syscall.WaitForSingleObject(w.h, 250)
		if err != nil || ev != syscall.WAIT_TIMEOUT {
			return true
		}
	}
	return false
}

func (w *watch) close() { syscall.CloseHandle(w.h) }
