//go:build unix

package browser

import (
	"os"
	"os/exec"
	"syscall"
)

func setProcessGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	setDeathSignal(cmd.SysProcAttr)
}

// killGroup kills the browser's process group (its pid is the group's id):
// the browser and every helper it started.
func killGroup(pid int) { _ = syscall.Kill(-pid, syscall.SIGKILL) }

func isRoot() bool { return os.Geteuid() == 0 }
