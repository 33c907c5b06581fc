package fsutil

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
)

// The kinds of ReadText refusal, for errors.Is.
var (
	ErrNotRegular = errors.New("not a regular file")
	ErrTooLarge   = errors.New("file too large")
	ErrBinary     = errors.New("file holds a NUL byte")
)

// ReadError is a file ReadText opened but refused. Its message names the
// file and never quotes its content; Problem and Hint let a caller put its
// own words in front ("malformed key file PATH: PROBLEM: HINT").
type ReadError struct {
	Path    string
	Kind    error  // ErrNotRegular, ErrTooLarge or ErrBinary
	Problem string // "it is a directory", "it is larger than 4 KiB", ...
	Hint    string // what to do
}

func (e *ReadError) Error() string {
	return "cannot read " + e.Path + ": " + e.Problem + ": " + e.Hint
}

func (e *ReadError) Unwrap() error { return e.Kind }

// bom is the UTF-8 byte order mark some Windows editors put first.
var bom = []byte{0xef, 0xbb, 0xbf}

// ReadText reads a small text file: awsenv's configuration and key files.
// See ReadTextInfo.
func ReadText(path string, limit int64) ([]byte, error) {
	data, _, err := ReadTextInfo(path, limit)
	return data, err
}

// ReadTextInfo reads the regular file at path (symlinks followed) whole and
// returns its content and what fstat said about the open file, so a mode
// check sees the file that was read, not one swapped in since.
//
//   - A FIFO, device, socket or directory is refused without blocking: the
//     file is opened non-blocking and checked before anything is read.
//   - A file over limit bytes is refused, and at most limit+1 bytes are
//     read, even from a file that grows meanwhile.
//   - A leading UTF-8 byte order mark is dropped.
//   - A NUL byte is refused: no awsenv file is binary, and a NUL most
//     likely means the wrong file (or a truncated write).
//
// CRLF line ends are left as they are: every parser of these files treats
// "\r" before "\n" as space. Errors from opening the file are returned as
// os.Open returns them (errors.Is(err, fs.ErrNotExist) works); refusals
// are a *ReadError.
func ReadTextInfo(path string, limit int64) ([]byte, fs.FileInfo, error) {
	f, err := openNonBlocking(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, st, &ReadError{Path: path, Kind: ErrNotRegular,
			Problem: "it is " + fileType(st.Mode()) + ", not a regular file",
			Hint:    "point awsenv at a regular file"}
	}
	if st.Size() > limit {
		return nil, st, tooLarge(path, limit)
	}
	// One byte more than allowed tells a file that grew past the limit
	// from one that is exactly at it.
	data := make([]byte, 0, st.Size()+1)
	for {
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if int64(len(data)) > limit {
			return nil, st, tooLarge(path, limit)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, st, err
		}
		if len(data) == cap(data) { // the file grew: room for more, up to limit+1
			data = slices.Grow(data, int(min(int64(max(len(data), 512)), limit+1-int64(len(data)))))
		}
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, st, &ReadError{Path: path, Kind: ErrBinary,
			Problem: fmt.Sprintf("it holds a NUL byte (at byte %d), so it is not a text file", i+1),
			Hint:    "check that it is the right file, or write it again as plain text"}
	}
	return bytes.TrimPrefix(data, bom), st, nil
}

func tooLarge(path string, limit int64) error {
	return &ReadError{Path: path, Kind: ErrTooLarge,
		Problem: "it is too large (over " + Size(limit) + ")",
		Hint:    "check that it is the right file"}
}

// Size says n bytes the way a person would: "4 KiB", "1 MiB", "100 bytes".
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n == 1:
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}

func fileType(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}
