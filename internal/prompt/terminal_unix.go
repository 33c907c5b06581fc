//go:build unix

package prompt

import "os"

// openTerminal opens the controlling terminal, which awsenv's stdin and
// stdout may not be: in eval "$(awsenv ...)" stdout is a pipe.
func openTerminal() (in, out *os.File, err error) {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	return f, f, nil
}
