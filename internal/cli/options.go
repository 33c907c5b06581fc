package cli

import (
	"time"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/render"
	"github.com/awsenv/awsenv/internal/resolve"
)

// Flags are made by functions, one set per command: urfave/cli keeps parse
// state in flag values, so a flag shared between commands is shared state.

func dirFlag() cli.Flag {
	return &cli.StringFlag{Name: "dir", Usage: "credential directory (default: $AWSENV_DIR, else ~/aws-creds)"}
}

func configFlag() cli.Flag {
	return &cli.StringFlag{Name: "config", Usage: "accounts file (default: $AWSENV_CONFIG, else DIR/accounts.json, else " + config.LegacyAccountsFile + ")"}
}

func shellFlag() cli.Flag {
	return &cli.StringFlag{Name: "shell", Usage: "shell to print statements for: bash, zsh, fish or powershell (default: from $SHELL)"}
}

func printFlag() cli.Flag {
	return &cli.BoolFlag{Name: "print", Usage: "print the statements even when stdout is a terminal (they hold secret keys)"}
}

func minTTLFlag() cli.Flag {
	return &cli.StringFlag{Name: "min-ttl", Usage: "cached credentials count as valid while more than this is left (default: $AWSENV_MIN_TTL, else 5m)"}
}

func timeoutFlag() cli.Flag {
	return &cli.StringFlag{Name: "timeout", Value: "30s", Usage: "how long an STS call may take"}
}

func accountFlag() cli.Flag {
	return &cli.StringFlag{Name: "account", Aliases: []string{"a"}, Usage: "account or profile to use (default: $AWSENV_ACCOUNT, the one ec2switch chose, else $AWS_PROFILE)"}
}

func codeFlag() cli.Flag {
	return &cli.StringFlag{Name: "code", Usage: "the 6-digit MFA code (default: run mfa_process / $AWSENV_MFA_PROCESS, else ask on the terminal)"}
}

func forceFlag() cli.Flag {
	return &cli.BoolFlag{Name: "force", Usage: "get new credentials even if valid ones are cached"}
}

func sessionDurationFlag() cli.Flag {
	return &cli.StringFlag{Name: "duration", Aliases: []string{"d"}, Usage: "session length, 15m to 36h (default: the account's session_duration, else 12h)"}
}

// chainFlags are the flags of the commands that get an account's
// credentials and may assume a role on them: role, exec, process, write.
func chainFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "role", Aliases: []string{"r"}, Usage: "a role: a name from the account's roles, a role name in the account, a role ARN, or a role profile"},
		&cli.StringFlag{Name: "duration", Aliases: []string{"d"}, Usage: "role: 15m to 12h (1h when chained from the MFA session; the role's maximum applies); session: 15m to 36h"},
		&cli.StringFlag{Name: "session-name", Usage: "role session name (default: the IAM user name, else $USER)"},
		&cli.StringFlag{Name: "external-id", Usage: "external id the role's trust policy asks for"},
		codeFlag(),
		&cli.BoolFlag{Name: "no-session", Usage: "don't use the cached MFA session: the long-lived keys, and roles assumed with them and an MFA code (up to 12h)"},
		&cli.BoolFlag{Name: "no-mfa", Usage: "send no MFA code with the long-lived keys (for roles that don't ask for MFA)"},
		forceFlag(), minTTLFlag(), timeoutFlag(), dirFlag(), configFlag(), deviceCodeFlag(),
	}
}

// common are the options every command that reads the setup shares.
type common struct {
	Dir, Config string
	Shell       render.Shell
	MinTTL      time.Duration
	Timeout     time.Duration
	Code        string
	Open        bool
	Print       bool // print statements even to a terminal
	DeviceCode  bool // IAM Identity Center logins by device code
	Headless    bool // SAML sign-ins without a browser window
	// Unattended never asks a person (process, the credential server).
	Unattended bool
}

// has reports whether the command declares the flag: options are read
// only from flags a command has.
func has(c *cli.Context, name string) bool {
	for _, f := range c.Command.Flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
}

func str(c *cli.Context, name string) string {
	if !has(c, name) {
		return ""
	}
	return c.String(name)
}

// commonFrom reads the common options: the only place their values are
// parsed, and so the only source of their usage errors.
func commonFrom(c *cli.Context, io *IO) (common, error) {
	o := common{Dir: str(c, "dir"), Config: str(c, "config"), Code: str(c, "code"), Timeout: 30 * time.Second}
	if has(c, "open") {
		o.Open = c.Bool("open")
	}
	if has(c, "print") {
		o.Print = c.Bool("print")
	}
	if has(c, "device-code") {
		o.DeviceCode = c.Bool("device-code")
	}
	if has(c, "headless") {
		o.Headless = c.Bool("headless")
	}
	o.Shell = render.Detect(io.Getenv("SHELL"))
	if v := str(c, "shell"); v != "" {
		sh, err := render.Parse(v)
		if err != nil {
			return o, usagef("%v", err)
		}
		o.Shell = sh
	}
	if v := str(c, "timeout"); v != "" {
		d, err := config.ParseDuration(v)
		if err != nil {
			return o, usagef("--timeout: %v", err)
		}
		o.Timeout = d
	}
	ttl, src := str(c, "min-ttl"), "--min-ttl"
	if ttl == "" {
		ttl, src = io.Getenv("AWSENV_MIN_TTL"), "AWSENV_MIN_TTL"
	}
	switch ttl {
	case "":
		o.MinTTL = 5 * time.Minute
	case "0", "0s":
		o.MinTTL = 0 // use credentials up to their last second
	default:
		d, err := config.ParseDuration(ttl)
		if err != nil {
			return o, usagef("%s: %v", src, err)
		}
		o.MinTTL = d
	}
	return o, nil
}

// chainOptionsFrom reads the common options and the chain flags.
func chainOptionsFrom(c *cli.Context, io *IO, purpose resolve.Purpose) (common, resolve.Request, error) {
	o, err := commonFrom(c, io)
	if err != nil {
		return o, resolve.Request{}, err
	}
	req, err := requestFrom(c, purpose)
	return o, req, err
}

// requestFrom reads the chain flags into a request for purpose.
func requestFrom(c *cli.Context, purpose resolve.Purpose) (resolve.Request, error) {
	r := resolve.Request{Purpose: purpose, Role: str(c, "role"), SessionName: str(c, "session-name"), ExternalID: str(c, "external-id")}
	if has(c, "no-session") {
		r.NoSession = c.Bool("no-session")
	}
	if has(c, "no-mfa") {
		r.NoMFA = c.Bool("no-mfa")
	}
	if has(c, "force") {
		r.Force = c.Bool("force")
	}
	if v := str(c, "duration"); v != "" {
		d, err := config.ParseDuration(v)
		if err != nil {
			return r, usagef("--duration: %v", err)
		}
		r.Duration = d
	}
	return r, nil
}
