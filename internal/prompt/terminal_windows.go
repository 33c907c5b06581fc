//go:build windows

package prompt

import "os"

// openTerminal opens the console awsenv runs in, whatever its stdin and
// stdout are: CONIN$ to read the code and CONOUT$ for the prompt, the names
// CreateFile gives the console's input and screen buffer. Both are opened
// for reading and writing, which GetConsoleMode (and so term.IsTerminal)
// needs.
func openTerminal() (in, out *os.File, err error) {
	in, err = os.OpenFile("CONIN$", os.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	out, err = os.OpenFile("CONOUT$", os.O_RDWR, 0)
	if err != nil {
		in.Close()
		return nil, nil, err
	}
	return in, out, nil
}
