//go:build unix

package credserver

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// detached starts the server in a session of its own: the terminal's
// signals (Ctrl-C in the shell) do not reach it.
func detached() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }

// stop ends the server process pid, if it is awsenv __serve (a pid may
// have been reused since). Where that cannot be checked (no /proc, as on
// macOS) it is left alone: it ends with its shell anyway.
func stop(pid int) {
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || !strings.Contains(string(cmdline), "\x00"+ServeCommand+"\x00") {
		return
	}
	syscall.Kill(pid, syscall.SIGTERM)
}
