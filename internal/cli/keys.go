package cli

import (
	"context"

	"github.com/urfave/cli/v2"
)

func keyringFlag() cli.Flag {
	return &cli.StringFlag{Name: "keyring", Usage: "keep the keys in a keyring: secret-service, pass, keyctl, file (encrypted), keychain, wincred or auto (default: $AWSENV_KEYRING, else the key files)"}
}

// keyOptions are the command line of keys import|export and rotate.
type keyOptions struct {
	common
	Name, Keyring string
}

func keysCommand(io *IO) *cli.Command {
	parse := func(c *cli.Context) (keyOptions, error) {
		if c.NArg() != 1 {
			return keyOptions{}, usagef("keys %s needs one account NAME", c.Command.Name)
		}
		o, err := commonFrom(c, io)
		return keyOptions{common: o, Name: c.Args().First(), Keyring: str(c, "keyring")}, err
	}
	return &cli.Command{
		Name:  "keys",
		Usage: "move an account's long-lived keys between the key files and a keyring",
		Subcommands: []*cli.Command{{
			Name:      "import",
			Usage:     "move the key files of NAME into a keyring, and remove them once the stored copy works",
			ArgsUsage: "NAME",
			Flags:     []cli.Flag{keyringFlag(), timeoutFlag(), dirFlag(), configFlag()},
			Action: func(c *cli.Context) error {
				o, err := parse(c)
				if err != nil {
					return err
				}
				return runKeysImport(c.Context, newRun(io), o)
			},
		}, {
			Name:      "export",
			Usage:     "move the keys of NAME from its keyring back into key files",
			ArgsUsage: "NAME",
			Flags:     []cli.Flag{timeoutFlag(), dirFlag(), configFlag()},
			Action: func(c *cli.Context) error {
				o, err := parse(c)
				if err != nil {
					return err
				}
				return runKeysExport(c.Context, newRun(io), o)
			},
		}},
	}
}

func rotateCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:      "rotate",
		Usage:     "replace an account's access key with a new one, where it is stored, and delete the old one",
		ArgsUsage: "NAME",
		Description: "Creates a new access key (signed with the cached MFA session when there is one), waits until\n" +
			"it works, stores it where the old one was, deletes the old one and drops the sessions made\n" +
			"from it. A failure at any step leaves one working key stored and says what to do.",
		Flags: []cli.Flag{timeoutFlag(), dirFlag(), configFlag()},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("rotate needs one account NAME")
			}
			o, err := commonFrom(c, io)
			if err != nil {
				return err
			}
			return runRotate(c.Context, newRun(io), keyOptions{common: o, Name: c.Args().First()})
		},
	}
}

func runKeysImport(ctx context.Context, r *run, o keyOptions) error {
	res, err := r.resolver(o.common)
	if err != nil {
		return err
	}
	where, err := res.ImportKeys(ctx, o.Name, o.Keyring)
	if err != nil {
		return err
	}
	r.say("Moved the keys of %s into %s; the key files are removed", o.Name, where)
	return nil
}

func runKeysExport(ctx context.Context, r *run, o keyOptions) error {
	res, err := r.resolver(o.common)
	if err != nil {
		return err
	}
	ak, err := res.ExportKeys(ctx, o.Name)
	if err != nil {
		return err
	}
	r.say("Moved the keys of %s into key files (%s and its .secret_key)", o.Name, ak)
	return nil
}

func runRotate(ctx context.Context, r *run, o keyOptions) error {
	res, err := r.resolver(o.common)
	if err != nil {
		return err
	}
	out, err := res.RotateKeys(ctx, o.Name, func(s string) { r.say("%s", s) })
	if err != nil {
		return err
	}
	r.say("Rotated the access key of %s: %s replaces %s (deleted), stored in %s; its cached sessions are dropped", o.Name, out.NewKeyID, out.OldKeyID, out.Where)
	return nil
}
