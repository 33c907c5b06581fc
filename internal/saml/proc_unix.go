//go:build unix

package saml

import "syscall"

// killGroup kills the browser's process group (its pid is the group's id):
// the browser and every helper it started.
func killGroup(pid int) { _ = syscall.Kill(-pid, syscall.SIGKILL) }
