package cli

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/doctor"
)

func doctorCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:  "doctor",
		Usage: "check the setup: file modes, accounts and ~/.aws files, the cache, the wrappers, the clock, the endpoint",
		Description: "Prints one line a finding on stdout, \"ok:\" or \"problem:\" with what to do; the exit\n" +
			"status is 1 when something is wrong. It sends STS one unsigned request (to see that it\n" +
			"answers, and how far the clock is off); --offline sends none.",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "offline", Usage: "make no network call"}, timeoutFlag(), dirFlag(), configFlag()},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("doctor takes no arguments")
			}
			o, err := commonFrom(c, io)
			if err != nil {
				return err
			}
			return runDoctor(c.Context, newRun(io), o, c.Bool("offline"))
		},
	}
}

func runDoctor(ctx context.Context, r *run, o common, offline bool) error {
	problems := 0
	for _, f := range doctor.Run(ctx, doctor.Options{Dir: o.Dir, Config: o.Config, Getenv: r.io.Getenv, Now: r.io.Now,
		Timeout: o.Timeout, Offline: offline}) {
		tag := "ok: "
		if !f.OK {
			tag = "problem: "
			problems++
		}
		fmt.Fprintln(&r.out, tag+f.Text)
	}
	if err := r.flush(); err != nil {
		return err
	}
	if problems > 0 {
		r.say("%d problems found", problems)
		return exitStatus(1)
	}
	r.say("All is well")
	return nil
}
