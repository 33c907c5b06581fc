package credserver

import (
	"github.com/awsenv/awsenv/internal/render"

	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Handoff is what a client needs to reach a server: its URL and token, and
// the process that runs it. A detached server process writes it on a pipe
// to the process that started it (never on a command line, which any local
// user can read).
type Handoff struct {
	URL   string `json:"url"`
	Token string `json:"token"`
	PID   int    `json:"pid"`
}

// Handoff describes s, run by this process.
func (s *Server) Handoff() Handoff { return Handoff{URL: s.url, Token: s.token, PID: os.Getpid()} }

// Env returns the two variables that point a client at s, as NAME=value.
func (s *Server) Env() []string { return s.Handoff().Env() }

// ChildEnv returns base (NAME=value entries, like os.Environ) without the
// render.Shadowing variables and with those of Env.
func (s *Server) ChildEnv(base []string) []string { return s.Handoff().ChildEnv(base) }

// Env returns the two variables that point a client at the server.
func (h Handoff) Env() []string {
	return []string{render.ContainerURI + "=" + h.URL, render.ContainerToken + "=" + h.Token}
}

// ChildEnv returns base without the render.Shadowing variables and with those of
// Env.
func (h Handoff) ChildEnv(base []string) []string {
	out := make([]string, 0, len(base)+2)
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		if !shadowing(name) {
			out = append(out, kv)
		}
	}
	return append(out, h.Env()...)
}

func shadowing(name string) bool {
	for _, s := range render.Shadowing {
		if name == s || (runtime.GOOS == "windows" && strings.EqualFold(name, s)) {
			return true
		}
	}
	return false
}

// maxHandoff bounds a handoff line.
const maxHandoff = 4 << 10

// Write writes h as one line of JSON.
func (h Handoff) Write(w io.Writer) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// ReadHandoff reads the line Handoff.Write wrote and checks it: the URL
// must be this package's on 127.0.0.1, so that a client is never pointed
// anywhere else.
func ReadHandoff(r io.Reader) (Handoff, error) {
	line, err := bufio.NewReader(io.LimitReader(r, maxHandoff)).ReadString('\n')
	if err != nil {
		if errors.Is(err, io.EOF) {
			return Handoff{}, errors.New("the credential server ended before it said where it listens")
		}
		return Handoff{}, fmt.Errorf("cannot read from the credential server: %w", err)
	}
	var h Handoff
	if err := json.Unmarshal([]byte(line), &h); err != nil {
		return Handoff{}, errors.New("the credential server's answer is not a handoff line")
	}
	if err := h.check(); err != nil {
		return Handoff{}, err
	}
	return h, nil
}

func (h Handoff) check() error {
	u, err := url.Parse(h.URL)
	bad := err != nil || u.Scheme != "http" || u.Path != Path || u.RawQuery != "" || u.User != nil
	if !bad {
		host, port, err := net.SplitHostPort(u.Host)
		n, perr := strconv.Atoi(port)
		bad = err != nil || host != "127.0.0.1" || perr != nil || n < 1 || n > 65535
	}
	if bad {
		return fmt.Errorf("the credential server's URL %q is not on 127.0.0.1", h.URL)
	}
	if len(h.Token) < 32 || strings.ContainsAny(h.Token, "\r\n\x00") {
		return errors.New("the credential server's token is malformed")
	}
	if h.PID <= 0 {
		return errors.New("the credential server did not say its process id")
	}
	return nil
}
