package prompt

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNormalizeCode(t *testing.T) {
	tests := []struct {
		code, want string // want "" for refused
	}{
		{"123456", "123456"},
		{"000000", "000000"},
		{"999999", "999999"},
		{" 123456\n", "123456"},
		// As authenticator apps show codes, and people paste them.
		{"066 938", "066938"},
		{"066-938", "066938"},
		{"0 6 6 9 3 8", "066938"},
		{"06 6938 1", ""},
		{"", ""},
		{"12345", ""},
		{"1234567", ""},
		{"12345a", ""},
		{"12 45", ""},
		{"-123456", ""},
		{"123456-", ""},
		{"+12345", ""},
		{"1.2345", ""},
		{"123\t456", ""},
		{"１２３４５６", ""}, // full-width digits
		{"١٢٣٤٥٦", ""}, // Arabic-Indic digits
		{"12345\x00", ""},
	}
	for _, tt := range tests {
		got, err := NormalizeCode(tt.code)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("NormalizeCode(%q) = %q, %v; want %q", tt.code, got, err, tt.want)
		}
		if err != nil && !strings.Contains(err.Error(), "6 digits") {
			t.Errorf("NormalizeCode(%q) = %q, want it to say what is expected", tt.code, err)
		}
	}
}

// noTTY fails the test if the terminal is opened.
func noTTY(t *testing.T) func() (*os.File, error) {
	return func() (*os.File, error) {
		t.Error("the terminal was opened")
		return nil, errors.New("no")
	}
}

func TestGetCode(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	tests := []struct {
		code    string
		want    string
		wantErr bool
	}{
		{"123456", "123456", false},
		{" 654321\n", "654321", false},
		{"12345", "", true},
		{"abcdef", "", true},
		{"1234567", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			// --code wins over the process and the terminal.
			s := Source{Code: tt.code, Process: "touch " + marker + "; echo 111111", OpenTTY: noTTY(t)}
			got, err := s.Get(context.Background())
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("Get = %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Error("the process ran although a code was given")
			}
		})
	}
}

func TestGetProcess(t *testing.T) {
	tests := []struct {
		name    string
		process string
		want    string
		wantErr []string
	}{
		{"echo", "echo 123456", "123456", nil},
		{"printf with spaces", `printf ' 123456\n'`, "123456", nil},
		{"no newline", "printf 000042", "000042", nil},
		{"stderr is passed on", "echo 'touch your key' >&2; echo 222222", "222222", nil},
		{"garbage", "echo not-a-code", "", []string{"did not print a 6-digit code"}},
		{"seven digits", "echo 1234567", "", []string{"did not print a 6-digit code"}},
		{"two codes", "echo 123456; echo 654321", "", []string{"did not print a 6-digit code"}},
		{"nothing", "true", "", []string{"did not print a 6-digit code"}},
		{"fails", "echo 123456; exit 3", "", []string{"failed", "exit status 3"}},
		{"not found", "/nonexistent/mfa-helper", "", []string{"failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			s := Source{Process: tt.process, Stderr: &stderr, OpenTTY: noTTY(t)}
			got, err := s.Get(context.Background())
			if tt.wantErr == nil {
				if err != nil || got != tt.want {
					t.Errorf("Get = %q, %v; want %q", got, err, tt.want)
				}
			} else {
				if err == nil {
					t.Fatalf("Get = %q, want an error", got)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				if !strings.Contains(err.Error(), tt.process) {
					t.Errorf("error %q does not name the command", err)
				}
				if got != "" {
					t.Errorf("Get returned %q along with an error", got)
				}
			}
			if tt.name == "stderr is passed on" && stderr.String() != "touch your key\n" {
				t.Errorf("stderr = %q", stderr.String())
			}
		})
	}
}

// TestGetProcessTimeout: a command that hangs ends in a clear error soon
// after the timeout.
func TestGetProcessTimeout(t *testing.T) {
	// The command outlasts the generous limit: only the timeout ends it in time.
	s := Source{Process: "sleep 300", ProcessTimeout: 200 * time.Millisecond, OpenTTY: noTTY(t)}
	start := time.Now()
	_, err := s.Get(context.Background())
	if err == nil || !strings.Contains(err.Error(), "did not finish") || !strings.Contains(err.Error(), "200ms") {
		t.Errorf("err = %v, want it to say the command did not finish within 200ms", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %v to give up on a 200ms timeout", d)
	}
}

func TestGetNoTerminal(t *testing.T) {
	t.Run("open fails", func(t *testing.T) {
		s := Source{Prompt: "Enter token: ", OpenTTY: func() (*os.File, error) { return nil, errors.New("no such device") }}
		code, err := s.Get(context.Background())
		if !errors.Is(err, ErrNoTerminal) || code != "" {
			t.Errorf("Get = %q, %v; want ErrNoTerminal", code, err)
		}
	})
	t.Run("pipe", func(t *testing.T) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		// Something is waiting in the pipe: it must not be taken as a code.
		if _, err := w.WriteString("123456\n"); err != nil {
			t.Fatal(err)
		}
		s := Source{Prompt: "Enter token: ", OpenTTY: func() (*os.File, error) { return r, nil }}
		code, err := s.Get(context.Background())
		if !errors.Is(err, ErrNoTerminal) || code != "" {
			t.Errorf("Get = %q, %v; want ErrNoTerminal", code, err)
		}
		if err := r.Close(); !errors.Is(err, os.ErrClosed) {
			t.Errorf("Get did not close the file it opened (Close = %v)", err)
		}
	})
	t.Run("regular file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "tty")
		if err := os.WriteFile(path, []byte("123456\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		s := Source{Prompt: "Enter token: ", OpenTTY: func() (*os.File, error) { return os.OpenFile(path, os.O_RDWR, 0) }}
		code, err := s.Get(context.Background())
		if !errors.Is(err, ErrNoTerminal) || code != "" {
			t.Errorf("Get = %q, %v; want ErrNoTerminal", code, err)
		}
		if data, _ := os.ReadFile(path); string(data) != "123456\n" {
			t.Errorf("the prompt was written into a non-terminal: %q", data)
		}
	})
	if !strings.Contains(ErrNoTerminal.Error(), "--code") {
		t.Errorf("ErrNoTerminal %q does not say what to do", ErrNoTerminal)
	}
}
