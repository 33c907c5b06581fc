package cli

import (
	"github.com/awsenv/awsenv/internal/cache"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/exports"
)

func forgetCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:      "forget",
		Usage:     "drop an account's cached sessions (default: the current account)",
		ArgsUsage: "[NAME]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Usage: "drop every cached entry"},
			dirFlag, cfgFlag,
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usagef("forget takes at most one account name")
			}
			s, err := newSession(c, io)
			if err != nil {
				return err
			}
			return s.runForget(c)
		},
	}
}

func (s *session) runForget(c *cli.Context) error {
	if c.Bool("all") {
		if c.NArg() > 0 {
			return usagef("forget: give NAME or --all, not both")
		}
		n := 0
		for _, k := range s.store.Keys() {
			if ok, err := s.store.Delete(k); err != nil {
				return err
			} else if ok {
				n++
			}
		}
		s.say("Forgot %d cached entries", n)
		return nil
	}
	name := c.Args().First()
	if name == "" {
		var err error
		if name, err = s.current(c); err != nil {
			return usagef("forget: name an account, or use --all")
		}
	}
	n := 0
	for _, k := range s.store.Keys() {
		if cache.Belongs(k, name) || cache.Belongs(k, profileNS+":"+name) {
			ok, err := s.store.Delete(k)
			if err != nil {
				return err
			}
			if ok {
				n++
			}
		}
	}
	if n == 0 {
		if _, err := s.account(name, true); err != nil {
			if p, perr := s.profile(name); perr != nil || p == nil {
				return err
			}
		}
		s.say("Nothing cached for account %s", name)
		return nil
	}
	s.say("Forgot the cached sessions of account %s", name)
	return nil
}

func clearCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:  "clear",
		Usage: "print the statements that unset everything awsenv sets",
		Flags: []cli.Flag{shFlag},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("clear takes no arguments")
			}
			s := &session{io: io}
			sh, err := s.shell(c)
			if err != nil {
				return err
			}
			if err := s.emit(sh, exports.Clear()); err != nil {
				return err
			}
			if err := s.flush(); err != nil {
				return err
			}
			s.say("Cleared the AWS keys from this shell")
			return nil
		},
	}
}
