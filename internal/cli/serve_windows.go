package cli

import (
	"os"
	"syscall"
)

// detached starts the server in a new process group.
func detached() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

// stopServer ends the server process pid. Windows cannot tell here whether
// the pid is still awsenv's; it is awsenv's own variable that names it.
func stopServer(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		p.Kill()
	}
}
