package proc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
)

// RunForwarding runs cmd, which the caller has set up completely, and
// returns its exit status: 128+N if signal N killed it, as a shell reports
// it. The signals awsenv gets meanwhile go to cmd instead of ending awsenv,
// so awsenv outlives it and can clean up: on Unix SIGINT, SIGTERM, SIGHUP,
// SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH; on Windows only os.Interrupt,
// which the console delivers to cmd itself. err is set, and exitCode -1,
// when cmd could not be started or its input or output failed.
func RunForwarding(cmd *exec.Cmd) (exitCode int, err error) {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, forwardedSignals...)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return -1, fmt.Errorf("cannot run %q: %w", cmd.Args[0], err)
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-sigs:
				cmd.Process.Signal(sig) // it may have just exited
			case <-done:
				return
			}
		}
	}()
	err = cmd.Wait()
	close(done)
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return -1, fmt.Errorf("running %q: %w", cmd.Args[0], err)
	}
	return exitCodeOf(cmd.ProcessState), nil
}
