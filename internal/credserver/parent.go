package credserver

import (
	"context"
	"fmt"
	"time"
)

// pollEvery is how often WatchParent looks on Unix: a server tied to a
// shell must be gone within about 2 seconds of the shell's exit.
const pollEvery = 200 * time.Millisecond

// WatchParent returns a channel that is closed once process pid has ended,
// for a server that must end with the shell that started it (ec2switch
// NAME --serve passes the shell's pid on the command line). It fails if
// pid is not a running process now. The watch stops when ctx ends, and
// the channel then stays open.
//
// On Unix it checks every 200ms that the process exists (kill with signal
// 0); on Linux it also reads /proc/PID/stat, so that a zombie (a shell that
// exited but was not yet reaped) counts as ended and a new process that got
// the same pid is not mistaken for the shell. On other Unix systems a pid
// reused within 200ms would go unnoticed. On Windows it holds a handle to
// the process and waits on it, which also keeps the pid from being reused.
func WatchParent(ctx context.Context, pid int) (<-chan struct{}, error) {
	if pid <= 0 {
		return nil, fmt.Errorf("%d is not a process id", pid)
	}
	w, err := newWatch(pid)
	if err != nil {
		return nil, err
	}
	gone := make(chan struct{})
	go func() {
		defer w.close()
		if w.wait(ctx) {
			close(gone)
		}
	}()
	return gone, nil
}
