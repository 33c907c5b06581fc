package prompt

import (
	"bufio"
	"errors"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// Ask asks a question on the terminal and returns the answer, trimmed;
// hidden answers (a secret key) are not echoed. openTTY is nil for the
// controlling terminal.
func Ask(openTTY func() (*os.File, error), question string, hidden bool) (string, error) {
	s := Source{OpenTTY: openTTY}
	in, out, err := s.openTerminal()
	if err != nil {
		return "", ErrNoTerminal
	}
	defer in.Close()
	if out != in {
		defer out.Close()
	}
	if !term.IsTerminal(int(in.Fd())) {
		return "", ErrNoTerminal
	}
	var line string
	if hidden {
		line, err = readHidden(in, out, question)
		io.WriteString(out, "\n")
	} else {
		if _, err := io.WriteString(out, question); err != nil {
			return "", ErrNoTerminal
		}
		line, err = bufio.NewReader(in).ReadString('\n')
	}
	if err != nil && strings.TrimSpace(line) == "" {
		return "", errors.New("no answer entered")
	}
	return strings.TrimSpace(line), nil
}
