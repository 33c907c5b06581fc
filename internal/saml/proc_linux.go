package saml

import "syscall"

// setDeathSignal makes the kernel kill the browser if awsenv dies first.
func setDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
