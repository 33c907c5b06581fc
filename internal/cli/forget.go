package cli

import (
	"github.com/awsenv/awsenv/internal/render"

	"github.com/urfave/cli/v2"
)

// forgetOptions are forget's command line.
type forgetOptions struct {
	common
	Name string
	All  bool
}

func forgetCommand(io *IO, runF func(*run, forgetOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "forget",
		Usage:     "drop the cached sessions of an account, profile or web identity role (default: the current account)",
		ArgsUsage: "[NAME]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Usage: "drop every cached entry"},
			dirFlag(), configFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usagef("forget takes at most one account name")
			}
			if c.Bool("all") && c.NArg() > 0 {
				return usagef("forget: give NAME or --all, not both")
			}
			o, err := commonFrom(c, io)
			if err != nil {
				return err
			}
			return runF(newRun(io), forgetOptions{common: o, Name: c.Args().First(), All: c.Bool("all")})
		},
	}
}

func runForget(r *run, o forgetOptions) error {
	res, err := r.resolver(o.common)
	if err != nil {
		return err
	}
	name := o.Name
	if !o.All && name == "" {
		var ok bool
		if name, ok = res.Current(""); !ok {
			return usagef("forget: name an account, or use --all")
		}
	}
	n, noun, err := res.Forget(name, o.All)
	if err != nil {
		return err
	}
	switch {
	case o.All:
		r.say("Forgot %d cached entries", n)
	case n > 0:
		r.say("Forgot the cached sessions of %s %s", noun, name)
	default:
		r.say("Nothing cached for %s %s", noun, name)
	}
	return nil
}

func clearCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:  "clear",
		Usage: "print the statements that unset everything awsenv sets",
		Flags: []cli.Flag{shellFlag(), printFlag()},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("clear takes no arguments")
			}
			o, err := commonFrom(c, io)
			if err != nil {
				return err
			}
			r := newRun(io)
			if err := render.Statements(&r.out, o.Shell, render.Clear(stopServed(r))); err != nil {
				return err
			}
			if shown, err := r.statements(o, "ec2clear", "clear"); err != nil || !shown {
				return err
			}
			r.say("Cleared the AWS keys from this shell")
			return nil
		},
	}
}
