//go:build unix && !linux

package saml

import "syscall"

func setDeathSignal(*syscall.SysProcAttr) {}
