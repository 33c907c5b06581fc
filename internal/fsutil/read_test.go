package fsutil

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestReadText(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{"plain", "hello\n", "hello\n"},
		{"empty", "", ""},
		{"bom", "\xef\xbb\xbf{\"a\": 1}\n", "{\"a\": 1}\n"},
		{"only a bom", "\xef\xbb\xbf", ""},
		{"bom not at the start stays", "a\xef\xbb\xbf", "a\xef\xbb\xbf"},
		{"crlf kept", "a\r\nb\r\n", "a\r\nb\r\n"},
		{"exactly at the limit", strings.Repeat("x", 64), strings.Repeat("x", 64)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := ReadText(path, 64)
			if err != nil || string(got) != tt.want {
				t.Errorf("ReadText = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestReadTextInfoMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	_, st, err := ReadTextInfo(path, 10)
	if err != nil || st.Mode().Perm() != 0o640 {
		t.Fatalf("ReadTextInfo: %v, %v", st, err)
	}
}

func TestReadTextMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope")
	_, err := ReadText(path, 10)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want fs.ErrNotExist", err)
	}
}

type refusal struct {
	name    string
	setup   func(t *testing.T, path string)
	limit   int64
	kind    error
	problem string // "": any error that names the file will do
}

// TestReadTextRefusals: each refusal is a *ReadError of the right kind whose
// message is one lowercase line naming the file, and never the content.
func TestReadTextRefusals(t *testing.T) {
	const secret = "s3cr3tcontent"
	tests := []refusal{
		{name: "directory", setup: func(t *testing.T, path string) { mustDo(t, os.Mkdir(path, 0o700)) },
			kind: ErrNotRegular, problem: "it is a directory, not a regular file"},
		{name: "over the limit", setup: write(secret + strings.Repeat("x", 100)), limit: 100,
			kind: ErrTooLarge, problem: "it is too large (over 100 bytes)"},
		{name: "over a KiB limit", setup: write(strings.Repeat("x", 4097)), limit: 4096,
			kind: ErrTooLarge, problem: "it is too large (over 4 KiB)"},
		{name: "nul byte", setup: write(secret + "\x00" + secret),
			kind: ErrBinary, problem: "it holds a NUL byte (at byte 14)"},
		{name: "nul after a bom", setup: write("\xef\xbb\xbf\x00"),
			kind: ErrBinary, problem: "it holds a NUL byte (at byte 4)"},
		{name: "utf-16 file", setup: write("\xff\xfe[\x00d\x00]\x00"),
			kind: ErrBinary, problem: "NUL byte"},
	}
	tests = append(tests, specialFiles()...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A short directory: unix socket paths are limited to ~100 bytes.
			dir, err := os.MkdirTemp("", "rt")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(dir) })
			path := filepath.Join(dir, "f")
			tt.setup(t, path)
			limit := tt.limit
			if limit == 0 {
				limit = 1 << 20
			}
			done := make(chan error, 1)
			go func() {
				data, err := ReadText(path, limit)
				if data != nil {
					err = errors.New("data returned with the error")
				}
				done <- err
			}()
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("ReadText blocked")
			}
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, path) || strings.Contains(msg, "\n") || strings.Contains(msg, secret) {
				t.Errorf("error %q: want one line naming %s, without the content", msg, path)
			}
			if tt.problem == "" {
				return // the OS refused it, which is fine
			}
			var re *ReadError
			if !errors.As(err, &re) || !errors.Is(err, tt.kind) {
				t.Fatalf("error %v (%T) is not a ReadError of kind %v", err, err, tt.kind)
			}
			if !strings.Contains(re.Problem, tt.problem) || re.Hint == "" || re.Path != path {
				t.Errorf("ReadError %+v, want problem %q and a hint", re, tt.problem)
			}
			if msg != strings.ToLower(msg[:1])+msg[1:] {
				t.Errorf("error %q does not start lowercase", msg)
			}
		})
	}
}

// TestReadTextFileGrows: the read itself is capped, not only the size that
// fstat reported when the file was opened.
func TestReadTextFileGrows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no /proc")
	}
	// /proc files report size 0 and have content: the cap must hold
	// against what is read.
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc/self/status")
	}
	if _, err := ReadText("/proc/self/status", 8); !errors.Is(err, ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
	data, err := ReadText("/proc/self/status", 1<<20)
	if err != nil || !strings.Contains(string(data), "Name:") {
		t.Errorf("ReadText /proc/self/status = %d bytes, %v", len(data), err)
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{1: "1 byte", 100: "100 bytes", 1024: "1 KiB", 4096: "4 KiB", 1 << 20: "1 MiB", 8 << 20: "8 MiB", 1500: "1500 bytes"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}

func write(content string) func(t *testing.T, path string) {
	return func(t *testing.T, path string) {
		mustDo(t, os.WriteFile(path, []byte(content), 0o600))
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func BenchmarkReadText(b *testing.B) {
	path := filepath.Join(b.TempDir(), "f")
	if err := os.WriteFile(path, []byte(strings.Repeat("x", 2000)), 0o600); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := ReadText(path, 1<<20); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReadTextSymlink: a symlink to a regular file is followed.
func TestReadTextSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	mustDo(t, os.WriteFile(target, []byte("ok"), 0o600))
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("no symlinks: %v", err)
	}
	if data, err := ReadText(link, 10); err != nil || string(data) != "ok" {
		t.Errorf("ReadText through a symlink = %q, %v", data, err)
	}
}

// TestReadTextGrowing: a file that reports a size smaller than what can be
// read (it grew, or it is a /proc file) is read whole up to the limit.
func TestReadTextGrowing(t *testing.T) {
	if _, err := os.Stat("/proc/self/maps"); err != nil {
		t.Skip("no /proc/self/maps")
	}
	// /proc/self/maps reports size 0 and usually holds a few kilobytes.
	data, err := ReadText("/proc/self/maps", 1<<20)
	if err != nil || len(data) < 600 {
		t.Fatalf("ReadText = %d bytes, %v", len(data), err)
	}
	for _, limit := range []int64{1, 511, 512, 513, int64(len(data)) / 2} {
		if _, err := ReadText("/proc/self/maps", limit); !errors.Is(err, ErrTooLarge) {
			t.Errorf("limit %d: err = %v, want ErrTooLarge", limit, err)
		}
	}
}
