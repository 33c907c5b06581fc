//go:build windows

package proc

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"syscall"
)

// run runs c.Line as `cmd.exe /d /s /c "LINE"`: cmd /C LINE, where /S makes
// cmd.exe run what is between the outer quotes as it is, whatever quotes it
// holds, and /D skips the AutoRun commands set in the registry.
//
// When ctx ends only cmd.exe itself is killed: a program it started lives
// on (ending the whole tree would take a job object). Nor are such programs
// killed when cmd.exe exits; if one holds the output pipe, what was printed
// until drainDelay after the exit is the output.
func run(ctx context.Context, c Command, stdout io.Writer) error {
	cmd := exec.CommandContext(ctx, "cmd.exe")
	cmd.SysProcAttr = &syscall.SysProcAttr{CmdLine: `cmd.exe /d /s /c "` + c.Line + `"`}
	cmd.Env = env(c.Env)
	cmd.Stdout, cmd.Stderr = stdout, c.Stderr
	cmd.WaitDelay = drainDelay
	err := cmd.Run()
	if errors.Is(err, exec.ErrWaitDelay) {
		return nil // cmd.exe succeeded; a program it left holds the pipe
	}
	return err
}

// forwardedSignals is Ctrl-C alone: the console sends it to every process
// attached to it, the command too, so awsenv only has to survive it.
// Process.Signal cannot pass it on, and RunForwarding ignores that error.
var forwardedSignals = []os.Signal{os.Interrupt}

func exitCodeOf(ps *os.ProcessState) int { return ps.ExitCode() }
