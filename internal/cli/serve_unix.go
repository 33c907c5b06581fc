//go:build unix

package cli

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// detached starts the server in a session of its own: the terminal's
// signals (Ctrl-C in the shell) do not reach it.
func detached() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }

// stopServer ends the server process pid, if it is this user's awsenv
// __serve (a pid may have been reused since).
func stopServer(pid int) {
	if cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline"); err == nil {
		if !strings.Contains(string(cmdline), "\x00__serve\x00") {
			return
		}
	}
	syscall.Kill(pid, syscall.SIGTERM)
}
