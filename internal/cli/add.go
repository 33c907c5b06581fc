package cli

import (
	"bufio"
	"context"
	"errors"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/prompt"
	"github.com/awsenv/awsenv/internal/resolve"
)

// addOptions are add's command line.
type addOptions struct {
	common
	Name, Region string
	Force        bool
	Keyring      string // where the keys go ("" for $AWSENV_KEYRING, else key files)
}

func addCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:      "add",
		Usage:     "set up an account from an IAM user's access key: asks for the key, checks it with STS, writes the files",
		ArgsUsage: "NAME",
		Description: "Asks on the terminal for the access key id and the secret access key (not shown), or\n" +
			"reads them from stdin, one a line, when stdin is not a terminal; checks them with STS GetCallerIdentity to\n" +
			"learn the account id and the IAM user, then writes NAME.access_key, NAME.secret_key and\n" +
			"NAME.user (mode 600, in a 700 directory) and the entry of the accounts file, keeping every\n" +
			"other entry as it was. Keys STS refuses are not written.\n" +
			"Example:  awsenv add work --region eu-west-1    then    ec2switch work; ec2mfa",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "region", Usage: "the account's region (written to its entry)"},
			&cli.BoolFlag{Name: "force", Usage: "replace an account that exists"},
			keyringFlag(),
			timeoutFlag(), dirFlag(), configFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("add needs one account NAME: awsenv add NAME")
			}
			name := c.Args().First()
			if err := config.CheckName(name); err != nil {
				return usagef("%v", err)
			}
			o, err := commonFrom(c, io)
			if err != nil {
				return err
			}
			return runAdd(c.Context, newRun(io), addOptions{common: o, Name: name, Region: c.String("region"), Force: c.Bool("force"), Keyring: c.String("keyring")})
		},
	}
}

func runAdd(ctx context.Context, r *run, o addOptions) error {
	res, err := r.resolver(o.common)
	if err != nil {
		return err
	}
	added, err := res.AddAccount(ctx, resolve.NewAccount{Name: o.Name, AskKeys: func() (config.Keys, error) { return askKeys(r) },
		Region: o.Region, Force: o.Force, Keyring: o.Keyring})
	if err != nil {
		return err
	}
	r.say("Added account %s: IAM user %s of AWS account %s (keys in %s, entry in %s)", o.Name, added.User, added.AccountID, added.Where, added.AccountsFile)
	r.say("Next: ec2switch %s, then ec2mfa for an MFA session", o.Name)
	return nil
}

// askKeys reads the access key id and the secret, never from the command
// line, where other users could read them: two lines of stdin when stdin is
// not a terminal (piped from a password manager, even with a terminal
// attached), else asked on the terminal, the secret without echo.
func askKeys(r *run) (config.Keys, error) {
	if !r.io.InTerminal {
		sc := bufio.NewScanner(r.io.In)
		var lines []string
		for len(lines) < 2 && sc.Scan() {
			lines = append(lines, strings.TrimSpace(sc.Text()))
		}
		if len(lines) < 2 {
			return config.Keys{}, errors.New("stdin did not hold the access key id and the secret, one a line: pipe them in, or run add at a terminal")
		}
		return config.Keys{AccessKeyID: lines[0], SecretAccessKey: lines[1]}, nil
	}
	id, err := prompt.Ask(nil, "AWS access key id: ", false)
	if err != nil {
		return config.Keys{}, err
	}
	secret, err := prompt.Ask(nil, "AWS secret access key (not shown): ", true)
	if err != nil {
		return config.Keys{}, err
	}
	return config.Keys{AccessKeyID: id, SecretAccessKey: secret}, nil
}
