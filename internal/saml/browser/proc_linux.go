package browser

import "syscall"

// setDeathSignal makes the kernel kill the browser if the helper dies first.
func setDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
