package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/awsenv/awsenv/internal/pick"
	"github.com/awsenv/awsenv/internal/render"
	"github.com/awsenv/awsenv/internal/resolve"
)

// run is one command's run: its output, buffered so that stdout gets
// statements only on success, and its messages.
type run struct {
	io     *IO
	out    bytes.Buffer
	warned map[string]bool
	res    *resolve.Resolver // the run's resolver, once made
	// served: the statements point the shell at a credential server,
	// which said so; the command's own "Set keys" line would be wrong.
	served bool
}

func newRun(io *IO) *run { return &run{io: io} }

// warn prints a warning once per run, however often the same file is read.
func (r *run) warn(msg string) {
	if r.warned[msg] {
		return
	}
	if r.warned == nil {
		r.warned = map[string]bool{}
	}
	r.warned[msg] = true
	fmt.Fprintf(r.io.Err, "awsenv: %s\n", msg)
}

func (r *run) say(format string, a ...any) { fmt.Fprintf(r.io.Err, format+"\n", a...) }

func (r *run) now() time.Time { return r.io.Now() }

// progressAfter is how long a call runs before progress shows.
const progressAfter = 500 * time.Millisecond

// progress shows on the terminal what a call that takes longer than half a
// second waits for, and erases the line when it ends.
func (r *run) progress(what string) func() {
	var mu sync.Mutex
	shown, over := false, false
	t := time.AfterFunc(progressAfter, func() {
		mu.Lock()
		defer mu.Unlock()
		if !over {
			fmt.Fprintf(r.io.Err, "\r\x1b[Kawsenv: waiting for %s ...", what)
			shown = true
		}
	})
	return func() {
		t.Stop()
		mu.Lock()
		defer mu.Unlock()
		over = true
		if shown {
			fmt.Fprint(r.io.Err, "\r\x1b[K")
		}
	}
}

// picker is the terminal the picker draws on, when a person is at one:
// stdin a terminal and the controlling terminal open.
func (r *run) picker() (pick.Screen, func(), error) {
	if !r.io.InTerminal {
		return pick.Screen{}, nil, errors.New("stdin is not a terminal")
	}
	return pick.Terminal()
}

// flush writes the buffered output to stdout; called once, on success.
func (r *run) flush() error {
	_, err := r.io.Out.Write(r.out.Bytes())
	return err
}

// resolver reads the setup the options point at and makes the resolver
// of this run, in its mode.
func (r *run) resolver(o common) (*resolve.Resolver, error) {
	opts := resolve.Options{Dir: o.Dir, Config: o.Config, Getenv: r.io.Getenv, Now: r.io.Now,
		MinTTL: o.MinTTL, Timeout: o.Timeout, Code: o.Code, Open: o.Open, DeviceCode: o.DeviceCode, Headless: o.Headless,
		Unattended: o.Unattended, Stderr: r.io.Err, Say: r.say, Warn: r.warn}
	if r.io.ErrTerminal {
		opts.Progress = r.progress
	}
	res, err := resolve.New(opts)
	r.res = res
	return res, err
}

// output is what a resolved request renders as.
func output(res *resolve.Resolved, o common) render.Output {
	return render.Output{Creds: res.Creds, Account: res.Plan.Account, Label: res.Label, Region: res.Plan.Region,
		ARN: res.ARN, Shell: o.Shell, Login: loginOf(res.Plan)}
}

// loginOf is the aws login session a plan starts from, for ec2now.
func loginOf(p *resolve.Plan) render.Login {
	profile, session := p.LoginSource()
	return render.Login{Profile: profile, Session: session}
}

// print renders a resolved request to stdout in format, at once. Shell
// statements go through statements: not to a terminal. A shell served by
// a credential server (switch --serve) stays served: its server is
// replaced by one that serves and renews what res is (ec2role, ec2mfa).
func (r *run) print(format string, res *resolve.Resolved, o common, wrapper, command string) (shown bool, err error) {
	if format == "env" && r.io.Getenv(render.ServerPID) != "" && r.res != nil {
		return r.serve(res, o, wrapper, command)
	}
	if err := render.Write(&r.out, format, output(res, o)); err != nil {
		return false, err
	}
	if format == "env" {
		return r.statements(o, wrapper, command)
	}
	return true, r.flush()
}

// statements writes the buffered shell statements to stdout, unless stdout
// is a terminal (and --print is not given): typed without eval they would
// only show the secret keys and set nothing, so a hint says how to use
// them instead. wrapper is the shell function to run ("" if none),
// command the awsenv command line for eval.
func (r *run) statements(o common, wrapper, command string) (shown bool, err error) {
	if !r.io.OutTerminal || o.Print {
		return true, r.flush()
	}
	use := `eval "$(awsenv ` + command + `)"`
	if wrapper != "" {
		use = wrapper + " (from 'awsenv init'), or " + use
	}
	r.say("awsenv: these are statements for your shell, not printed to a terminal: run %s; --print shows them", use)
	return false, nil
}

// resolveName gets the credentials req asks for on name, or on the
// current name when name is "" (flag, else $AWSENV_ACCOUNT, ...; hint says
// how to name one).
func (r *run) resolveName(ctx context.Context, o common, name, flag, hint string, req resolve.Request) (*resolve.Resolved, error) {
	res, err := r.resolver(o)
	if err != nil {
		return nil, err
	}
	if name == "" {
		if name, err = current(res, flag, hint); err != nil {
			return nil, err
		}
	}
	return res.Resolve(ctx, name, req)
}

// current is the name a command without NAME works on.
func current(res *resolve.Resolver, flag, what string) (string, error) {
	if n, ok := res.Current(flag); ok {
		return n, nil
	}
	return "", usagef("no account selected: run 'ec2switch NAME' first, or %s", what)
}

// validFor is " (valid for 7h59m)", or "" for credentials that do not expire.
func validFor(res *resolve.Resolved, now time.Time) string {
	if !res.Creds.CanExpire {
		return ""
	}
	return " (valid for " + left(res.Creds.Expires.Sub(now)) + ")"
}

// left formats a remaining duration for people: "7h59m", "4m", "40s", and
// over two days in days and hours ("3d4h"), not thousands of hours.
func left(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	if d > 48*time.Hour {
		d = d.Round(time.Hour)
		days, h := d/(24*time.Hour), (d%(24*time.Hour))/time.Hour
		if h == 0 {
			return fmt.Sprintf("%dd", days)
		}
		return fmt.Sprintf("%dd%dh", days, h)
	}
	return hoursLeft(d)
}

// hoursLeft is "7h59m", "4m" or "40s" however long d is.
func hoursLeft(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	d = d.Round(time.Minute)
	h, m := d/time.Hour, (d%time.Hour)/time.Minute
	if h == 0 {
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%dh%02dm", h, m)
}
