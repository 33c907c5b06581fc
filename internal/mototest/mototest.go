//go:build unix

// Package mototest starts moto_server, the real STS and IAM stand-in that
// the tests use as a second opinion. moto binds a port of its own choosing
// (-p 0) and says which in its log, so no port is picked here and then
// bound by another process in between. It starts a process group it kills,
// so it is built on Unix only.
package mototest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"syscall"
	"time"
)

// ErrNotInstalled is returned when moto_server is not on PATH; the tests
// that need moto skip with its message.
var ErrNotInstalled = errors.New("moto_server is not on PATH: pip install 'moto[server]'")

// startLimit is the outer limit for moto_server to say where it listens:
// it imports a large Python package, which on a loaded machine takes long.
const startLimit = 2 * time.Minute

// running is the line werkzeug logs once the socket listens.
var running = regexp.MustCompile(`Running on (http://127\.0\.0\.1:\d+)`)

// Server is a running moto_server.
type Server struct {
	// URL is http://127.0.0.1:PORT.
	URL  string
	stop func()
}

// Start runs moto_server on 127.0.0.1 with the extra environment (such as
// INITIAL_NO_AUTH_ACTION_COUNT=N), logging into a file in dir, and returns
// once it listens.
func Start(dir string, env ...string) (*Server, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, ErrNotInstalled
	}
	logf, err := os.CreateTemp(dir, "moto-*.log")
	if err != nil {
		return nil, err
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", "0")
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stdout, cmd.Stderr = logf, pw
	err = cmd.Start()
	pw.Close()
	if err != nil {
		pr.Close()
		logf.Close()
		return nil, fmt.Errorf("starting moto_server: %v", err)
	}
	// The log goes on after the address: keep reading it into the file, or
	// moto would block on a full pipe.
	addr := make(chan string, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		r := bufio.NewReader(pr)
		found := false
		for {
			line, err := r.ReadString('\n')
			logf.WriteString(line)
			if m := running.FindStringSubmatch(line); m != nil && !found {
				found = true
				addr <- m[1]
			}
			if err != nil {
				return
			}
		}
	}()
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	stop := func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		<-copied
		pr.Close()
		logf.Close()
	}
	failed := func(why string) error {
		stop()
		log, _ := os.ReadFile(logf.Name())
		return fmt.Errorf("moto_server %s:\n%s", why, log)
	}
	select {
	case url := <-addr:
		return &Server{URL: url, stop: stop}, nil
	case <-exited:
		return nil, failed("exited before it listened")
	case <-time.After(startLimit):
		return nil, failed(fmt.Sprintf("did not say where it listens within %s", startLimit))
	}
}

// Close stops moto_server and every process it started.
func (s *Server) Close() { s.stop() }
