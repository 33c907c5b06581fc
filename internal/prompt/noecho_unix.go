//go:build unix

package prompt

import (
	"bufio"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// readHidden writes question to out and reads one line from the terminal
// f with echo off, as the AWS CLI's prompt does: echo goes off before the
// question shows, so nothing typed after it is echoed. The terminal is
// restored afterwards, also when the user interrupts. (term.ReadPassword
// spins on ^D: its read of 0 bytes is not an end of input.)
func readHidden(f, out *os.File, question string) (string, error) {
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return "", err
	}
	hidden := *old
	hidden.Lflag &^= unix.ECHO
	hidden.Lflag |= unix.ICANON | unix.ISIG
	hidden.Iflag |= unix.ICRNL
	if err := unix.IoctlSetTermios(fd, ioctlSetTermios, &hidden); err != nil {
		return "", err
	}
	restore := func() { unix.IoctlSetTermios(fd, ioctlSetTermios, old) }
	defer restore()
	// Ctrl-C must not leave the terminal without echo.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case sig := <-sigs:
			restore()
			f.WriteString("\n")
			signal.Stop(sigs)
			p, _ := os.FindProcess(os.Getpid())
			p.Signal(sig)
		case <-done:
		}
	}()
	if _, err := out.WriteString(question); err != nil {
		return "", err
	}
	return bufio.NewReader(f).ReadString('\n')
}
