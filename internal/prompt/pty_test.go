//go:build linux

package prompt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// openPTY opens a pseudo-terminal pair with the syscall package (so the
// tests need no module beyond the standard library). It skips the test
// when the system has no /dev/ptmx.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal available (/dev/ptmx: %v)", err)
	}
	raw, err := m.SyscallConn()
	if err != nil {
		m.Close()
		t.Fatal(err)
	}
	var n uint32
	var ioctlErr error
	err = raw.Control(func(fd uintptr) {
		var unlock int32
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
			ioctlErr = fmt.Errorf("unlockpt: %w", e)
			return
		}
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
			ioctlErr = fmt.Errorf("ptsname: %w", e)
		}
	})
	if err == nil {
		err = ioctlErr
	}
	if err != nil {
		m.Close()
		t.Skipf("cannot set up a pseudo-terminal: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Skipf("cannot open the pseudo-terminal's slave: %v", err)
	}
	return m, s
}

// terminal plays the user at the master side: it records everything
// written to the terminal and, once it sees the prompt, types input.
type terminal struct {
	mu   sync.Mutex
	out  strings.Builder
	done chan struct{}
}

func runTerminal(master *os.File, prompt, input string) *terminal {
	term := &terminal{done: make(chan struct{})}
	go func() {
		defer close(term.done)
		typed := false
		buf := make([]byte, 256)
		for {
			n, err := master.Read(buf)
			term.mu.Lock()
			term.out.Write(buf[:n])
			seen := strings.Contains(term.out.String(), prompt)
			term.mu.Unlock()
			if seen && !typed {
				typed = true
				if _, err := master.WriteString(input); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return term
}

func (term *terminal) output() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.out.String()
}

func TestGetTerminal(t *testing.T) {
	const prompt = "Enter token for user alice: "
	tests := []struct {
		name    string
		input   string
		want    string
		wantErr string
	}{
		{"code", "654321\n", "654321", ""},
		{"code with spaces", "  123456  \n", "123456", ""},
		{"code as apps show it", "066 938\n", "066938", ""},
		{"short code", "12345\n", "", "6 digits"},
		{"letters", "abcdef\n", "", "6 digits"},
		{"end of input", "\x04", "", "no mfa code entered"}, // ^D on an empty line
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			master, slave := openPTY(t)
			defer master.Close()
			opened := 0
			s := Source{
				Prompt:  prompt,
				OpenTTY: func() (*os.File, error) { opened++; return slave, nil },
			}
			term := runTerminal(master, prompt, tt.input)
			// If the prompt never shows, hang up so Get returns.
			watchdog := time.AfterFunc(time.Minute, func() { master.Close() })
			defer watchdog.Stop()

			code, err := s.Get(context.Background())

			master.Close()
			<-term.done
			out := term.output()
			if !strings.HasPrefix(out, prompt) {
				t.Errorf("terminal shows %q, want it to start with the prompt %q", out, prompt)
			}
			if digits := strings.TrimSpace(tt.input); len(digits) > 1 && strings.Contains(out, digits) {
				t.Errorf("terminal shows %q: the code was echoed", out)
			}
			if opened != 1 {
				t.Errorf("OpenTTY called %d times", opened)
			}
			if tt.wantErr == "" {
				if err != nil || code != tt.want {
					t.Errorf("Get = %q, %v; want %q", code, err, tt.want)
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) || code != "" {
				t.Errorf("Get = %q, %v; want an error containing %q", code, err, tt.wantErr)
			}
			if err := slave.Close(); !errors.Is(err, os.ErrClosed) {
				t.Errorf("Get did not close the terminal (Close = %v)", err)
			}
		})
	}
}
