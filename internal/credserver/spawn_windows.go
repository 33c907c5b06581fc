package credserver

import (
	"os"
	"syscall"
)

// detached starts the server in a new process group.
func detached() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

// stop ends the server process pid. Windows cannot tell here whether the
// pid is still awsenv's; it is awsenv's own variable that names it.
func stop(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		p.Kill()
	}
}
