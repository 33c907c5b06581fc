package cli

import (
	"cmp"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/render"
	"github.com/awsenv/awsenv/internal/resolve"
)

func nowCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:  "now",
		Usage: "tell which account the shell is set for, its region and when its credentials expire",
		Description: "Reads only the environment: no network, and no file but, in a shell set from an aws login\n" +
			"session, that session's cache file (to tell until when it renews); so it is cheap enough for a\n" +
			"prompt. The report goes to stderr; --format prompt prints a short \"NAME TIME-LEFT\" on stdout\n" +
			"instead, from the environment alone.",
		Flags: []cli.Flag{&cli.StringFlag{Name: "format", Value: "text", Usage: "text (on stderr) or prompt (short, on stdout, empty when no keys are set)"}},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("now takes no arguments")
			}
			return runNow(io, c.String("format"))
		},
	}
}

func runNow(io *IO, format string) error {
	env := io.Getenv
	key := env(render.AccessKeyID)
	label := env(render.SetFor)
	if label == "" {
		label = env(render.Account)
	}
	var exp time.Time
	var expErr error
	// AWS_SESSION_EXPIRATION alone is what some other tools set.
	expVar := render.CredentialExpiration
	if env(expVar) == "" && env("AWS_SESSION_EXPIRATION") != "" {
		expVar = "AWS_SESSION_EXPIRATION"
	}
	if v := env(expVar); v != "" {
		exp, expErr = time.Parse(time.RFC3339, v)
	}
	now := io.Now()
	switch format {
	case "prompt":
		if key == "" && env(render.ContainerURI) == "" {
			return nil
		}
		if label == "" {
			label = "?"
		}
		s := label
		if !exp.IsZero() {
			if d := exp.Sub(now); d > 0 {
				// In hours always, as the wrappers' prompt functions
				// show it (they run no process to know better).
				s += " " + hoursLeft(d)
			} else {
				s += " expired"
			}
		}
		_, err := fmt.Fprintln(io.Out, s)
		return err
	case "text":
	default:
		return usagef("unknown --format %q: use text or prompt", format)
	}
	served := env(render.ContainerURI) != "" && env(render.ServerPID) != ""
	if key == "" && !served {
		fmt.Fprintln(io.Err, "No keys set")
		return nil
	}
	if label == "" {
		label = "an unknown (not set by awsenv)"
	}
	fmt.Fprintf(io.Err, "Keys set for %s AWS account\n", label)
	region := env(render.Region)
	if region == "" {
		region = env(render.DefaultRegionVar)
	}
	if region == "" {
		region = "not set"
	}
	fmt.Fprintf(io.Err, "Region is %s\n", region)
	login := env(render.LoginSession)
	switch {
	case served:
		fmt.Fprintf(io.Err, "Credentials are served to this shell by awsenv (pid %s) at %s\n", env(render.ServerPID), env(render.ContainerURI))
		if login != "" {
			break // the session's own cache says how long, below
		}
		if u, err := time.Parse(time.RFC3339, env(render.ServedUntil)); err == nil {
			if u.After(now) {
				fmt.Fprintf(io.Err, "They are renewed without a person until %s (%s left); then run ec2mfa\n", u.UTC().Format(time.RFC3339), left(u.Sub(now)))
			} else {
				fmt.Fprintf(io.Err, "They can no longer be renewed without a person: run ec2mfa\n")
			}
		} else {
			fmt.Fprintln(io.Err, "They are renewed for as long as this shell runs")
		}
	case expErr != nil:
		fmt.Fprintf(io.Err, "%s=%q is not a time awsenv understands\n", expVar, env(expVar))
	case exp.IsZero() && env(render.SessionToken) == "":
		fmt.Fprintln(io.Err, "Long-lived keys: they do not expire")
	case exp.IsZero():
		fmt.Fprintln(io.Err, "Temporary credentials with no known expiration")
	case exp.After(now):
		fmt.Fprintf(io.Err, "Credentials expire in %s (at %s)\n", left(exp.Sub(now)), exp.UTC().Format(time.RFC3339))
	default:
		fmt.Fprintf(io.Err, "Credentials expired %s ago (at %s): run ec2mfa or ec2switch again\n", left(now.Sub(exp)), exp.UTC().Format(time.RFC3339))
	}
	if login != "" {
		renewer := "ec2switch " + shown(cmp.Or(env(render.SetFor), env(render.LoginProfile), "NAME"))
		if served {
			renewer = "The server"
		}
		nowLogin(io.Err, env, login, renewer, now)
	}
	return nil
}

// shown is a value of the environment as now shows it: quoted when it
// holds what a terminal would act on, and clipped.
func shown(v string) string {
	if len(v) > 200 {
		v = v[:200] + "..."
	}
	if strconv.Quote(v) != `"`+v+`"` {
		return strconv.Quote(v)
	}
	return v
}

func capitalized(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// nowLogin tells, from the session's cache file (the one file now reads,
// and only in a shell switched to an aws login session), whose session the
// credentials come from and until when renewer renews them without a person.
func nowLogin(w io.Writer, env func(string) string, session, renewer string, now time.Time) {
	profile := cmp.Or(env(render.LoginProfile), "NAME")
	again := "awsenv login " + shown(profile)
	fmt.Fprintf(w, "They come from the aws login session of %s (profile %s)\n", shown(session), shown(profile))
	st := resolve.LoginStateOf(env, session)
	switch {
	case !st.Found:
		fmt.Fprintf(w, "That session is no longer cached (logged out): run %s\n", again)
	case st.Broken:
		fmt.Fprintf(w, "%s: remove it and run %s\n", capitalized(st.Problem), again)
	case st.Problem != "":
		fmt.Fprintf(w, "%s\n", capitalized(st.Problem))
	case st.RenewsUntil.IsZero():
		fmt.Fprintf(w, "%s renews them without a person while the session lasts (at most 12h from the sign-in), then run %s\n", renewer, again)
	case st.RenewsUntil.After(now):
		fmt.Fprintf(w, "%s renews them without a person until %s at most (%s left; 12h from the sign-in), then run %s\n",
			renewer, st.RenewsUntil.UTC().Format(time.RFC3339), left(st.RenewsUntil.Sub(now)), again)
	default:
		fmt.Fprintf(w, "That session ended at %s, 12h after the sign-in: run %s\n", st.RenewsUntil.UTC().Format(time.RFC3339), again)
	}
}
