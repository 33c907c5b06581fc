package browser

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/awsenv/awsenv/internal/saml"
)

// Main is awsenv-saml-browser: it reads a saml.HelperRequest from stdin,
// signs in, and writes saml.HelperMessages on stdout, one JSON value a
// line: the browser's pid, then the assertion or the error. The sign-in is
// abandoned when stdin ends (awsenv was interrupted or died) or on an
// interrupt of its own (^C reaches the whole foreground process group).
// It returns the exit code: 0 when it sent a result, 2 when the request
// was unreadable.
func Main(stdin io.Reader, stdout, stderr io.Writer) int {
	// The request is the first line; the rest of stdin is only waited on.
	in := bufio.NewReader(stdin)
	line, _ := in.ReadBytes('\n')
	var req saml.HelperRequest
	if err := json.Unmarshal(line, &req); err != nil {
		fmt.Fprintf(stderr, "%s: cannot read the request on stdin: %v (this program is run by awsenv)\n", saml.HelperName, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		_, _ = io.Copy(io.Discard, in)
		cancel()
	}()
	enc := json.NewEncoder(stdout)
	assertion, err := Run(ctx, Options{URL: req.URL, Browser: req.Browser, ProfileDir: req.ProfileDir, Headless: req.Headless,
		Timeout: req.Timeout, Env: req.Env, Started: func(pid int) { _ = enc.Encode(saml.HelperMessage{PID: pid}) }})
	msg := saml.HelperMessage{Assertion: assertion}
	if err != nil {
		msg = saml.ErrorMessage(err)
	}
	if err := enc.Encode(msg); err != nil {
		return 1
	}
	return 0
}
