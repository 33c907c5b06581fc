// Package cli is awsenv's command line: the urfave/cli application, one file
// per command. It is the only package that knows about urfave/cli, and the
// only one that writes to the process's stdout and stderr (through IO).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/awsenv/awsenv/internal/xerr"
)

// version is set with -ldflags "-X github.com/awsenv/awsenv/internal/cli.version=v1.2.3".
var version = ""

// IO is everything a command may touch of the outside world besides files.
type IO struct {
	In  io.Reader
	Out io.Writer // only statements for the shell, or output asked for
	Err io.Writer // messages, warnings, errors
	// InTerminal says stdin is a terminal: a person is there to pick (and
	// input piped in is read from In instead of asked for).
	InTerminal bool
	// OutTerminal says stdout is a terminal: statements meant for eval
	// (and the secrets in them) are then not printed.
	OutTerminal bool
	// ErrTerminal says stderr is a terminal: slow calls show progress.
	ErrTerminal bool
	// Getenv and Environ read the caller's environment.
	Getenv  func(string) string
	Environ func() []string
	Now     func() time.Time
}

// StdIO is the real process's IO.
func StdIO() *IO {
	return &IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Getenv: os.Getenv, Environ: os.Environ, Now: time.Now,
		InTerminal:  term.IsTerminal(int(os.Stdin.Fd())),
		OutTerminal: term.IsTerminal(int(os.Stdout.Fd())), ErrTerminal: term.IsTerminal(int(os.Stderr.Fd()))}
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// usagef is a mistake in the command line itself; only flag and argument
// parsing returns it.
func usagef(format string, a ...any) error {
	return xerr.New(xerr.Usage, fmt.Errorf(format, a...), "")
}

// exitStatus passes a child's exit status through (exec).
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// Main runs awsenv with args (os.Args) and returns the exit code. It is the
// one place that maps errors to exit codes and prints them. Signals keep
// their default effect: an interrupted run dies before it has written
// anything but temporary files, and the commands that run in every prompt
// don't pay for a signal-handling goroutine.
func Main(args []string, io *IO) int {
	// Most runs last milliseconds, and collecting their heap at the
	// default 4 MiB cost list at organisation scale a quarter of its time
	// for memory returned at exit anyway; the runs that stay (exec, the
	// credential server) hold a few megabytes, for which 400 is still
	// little. GOGC set by the user still rules.
	if io.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	return runMain(context.Background(), args, io)
}

func runMain(ctx context.Context, args []string, io *IO) int {
	app := newApp(io)
	args, err := reorderArgs(app, args)
	if err == nil {
		err = app.RunContext(ctx, args)
	}
	if err == nil {
		return exitOK
	}
	var st exitStatus
	if errors.As(err, &st) {
		return int(st)
	}
	fmt.Fprintf(io.Err, "awsenv: %s\n", xerr.OneLine(err.Error()))
	if xerr.KindOf(err) == xerr.Usage {
		return exitUsage
	}
	return exitError
}

func newApp(io *IO) *cli.App {
	app := &cli.App{
		Name:  "awsenv",
		Usage: "switch the current shell between AWS accounts, with cached MFA sessions",
		// The help template indents every line of UsageText.
		UsageText: "eval \"$(awsenv init bash)\"   then   ec2switch NAME, ec2mfa, ec2now\nawsenv COMMAND [options] [arguments]",
		Version:   buildVersion(),
		Description: "awsenv prints shell statements on stdout for the ec2* wrappers to eval; " +
			"messages go to stderr. Run 'awsenv COMMAND --help' for a command's options.",
		// Help goes to stdout, so it can be paged and grepped; the
		// wrappers never eval a help run.
		Writer:                 io.Out,
		ErrWriter:              io.Err,
		HideHelpCommand:        false,
		UseShortOptionHandling: false,
		ExitErrHandler:         func(*cli.Context, error) {}, // Main decides the exit code
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usagef("%s: run 'awsenv --help'", lower(err.Error()))
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				name := c.Args().First()
				return usagef("unknown command %q%s: run 'awsenv --help' for the list", name, xerr.DidYouMean(name, commandNames(c.App)))
			}
			_, err := io.Out.Write([]byte(shortHelp(c.App)))
			return err
		},
		Commands: commands(io),
	}
	for _, cmd := range app.Commands {
		// "help" is an argument like any other (an account may be named
		// so); --help shows a command's help.
		cmd.HideHelpCommand = true
		cmd.OnUsageError = func(c *cli.Context, err error, _ bool) error {
			return usagef("%s: %s: run 'awsenv %s --help'", c.Command.Name, lower(err.Error()), c.Command.Name)
		}
	}
	return app
}

func commands(io *IO) []*cli.Command {
	return []*cli.Command{
		switchCommand(io, runSwitch),
		mfaCommand(io),
		nowCommand(io),
		listCommand(io, runList),
		forgetCommand(io, runForget),
		clearCommand(io),
		roleCommand(io),
		consoleCommand(io),
		writeCommand(io),
		execCommand(io),
		processCommand(io),
		webIdentityCommand(io),
		addCommand(io),
		doctorCommand(io),
		ssoCommand(io),
		loginCommand(io, runLogin),
		logoutCommand(io, runLogout),
		samlCommand(io),
		keysCommand(io),
		rotateCommand(io),
		initCommand(io),
		sandboxCommand(io),
		completeCommand(io),
		serveCommand(io),
		versionCommand(io),
	}
}

func lower(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "devel"
}

// reorderArgs moves a command's flags in front of its positional arguments,
// so that "awsenv role admin --account work" parses like
// "awsenv role --account work admin" (urfave/cli v2 stops at the first
// positional). A "--" ends flag parsing; it and everything after it stay
// positional.
func reorderArgs(app *cli.App, args []string) ([]string, error) {
	if len(args) < 3 {
		return args, nil
	}
	var cmd *cli.Command
	for _, c := range app.Commands {
		if c.HasName(args[1]) {
			cmd = c
		}
	}
	// "awsenv sso populate ...": the flags are the subcommand's.
	head := 2
	for cmd != nil && len(cmd.Subcommands) > 0 && len(args) > head {
		var sub *cli.Command
		for _, c := range cmd.Subcommands {
			if c.HasName(args[head]) {
				sub = c
			}
		}
		if sub == nil {
			break
		}
		cmd, head = sub, head+1
	}
	if cmd == nil || cmd.SkipFlagParsing {
		return args, nil
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		v := false
		if df, ok := f.(cli.DocGenerationFlag); ok {
			v = df.TakesValue()
		}
		for _, n := range f.Names() {
			takesValue[n] = v
		}
	}
	var flags, pos []string
	rest := args[head:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			pos = append(pos, rest[i:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if takesValue[name] {
			if i+1 >= len(rest) || rest[i+1] == "--" {
				return nil, usagef("%s: flag %s needs a value: run 'awsenv %s --help'", cmd.Name, a, cmd.Name)
			}
			i++
			flags = append(flags, rest[i])
		}
	}
	out := make([]string, 0, len(args)+1)
	out = append(out, args[:head]...)
	out = append(out, flags...)
	if len(pos) > 0 && pos[0] != "--" {
		out = append(out, "--")
	}
	return append(out, pos...), nil
}
