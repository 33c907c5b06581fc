package pick

import (
	"os"

	"golang.org/x/term"
)

// Terminal opens the controlling terminal in raw mode for Choose. close
// restores the terminal's mode; it must be called.
func Terminal() (s Screen, close func(), err error) {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return Screen{}, nil, err
	}
	fd := int(f.Fd())
	old, err := term.MakeRaw(fd)
	if err != nil {
		f.Close()
		return Screen{}, nil, err
	}
	w, h, err := term.GetSize(fd)
	if err != nil {
		w, h = 80, 24
	}
	return Screen{In: f, Out: f, Width: w, Height: h}, func() {
		term.Restore(fd, old)
		f.Close()
	}, nil
}
