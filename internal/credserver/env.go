package credserver

import (
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

// Shadowing are the variables that, when set, make the SDKs and the AWS CLI
// take credentials from somewhere else before they ask a container
// credentials server, or make them ask a different one: environment keys,
// web identity, a named profile, a relative container URI, a token file;
// and awsenv's own variables of fixed credentials, which would be stale.
// ChildEnv removes them. (A [default] profile with keys in
// ~/.aws/credentials also comes before the server in every SDK's chain;
// no variable can turn that off.)
var Shadowing = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
	"AWS_DELEGATION_TOKEN", "AWS_ACCESS_KEY", "AWS_SECRET_KEY",
	"AWS_CREDENTIAL_EXPIRATION", "AWS_SESSION_EXPIRATION",
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	EnvFullURI, EnvToken,
}

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
// Shadowing variables and with those of Env.
func (s *Server) ChildEnv(base []string) []string { return s.Handoff().ChildEnv(base) }

// Env returns the two variables that point a client at the server.
func (h Handoff) Env() []string {
	return []string{EnvFullURI + "=" + h.URL, EnvToken + "=" + h.Token}
}

// ChildEnv returns base without the Shadowing variables and with those of
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
	for _, s := range Shadowing {
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
