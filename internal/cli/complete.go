package cli

import (
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/awsenv/awsenv/internal/resolve"
)

// completeCommand is what the shells' completion calls on every TAB:
// awsenv __complete WORD... (the command line up to the cursor, the last
// word the one being completed) prints the candidates, one a line.
func completeCommand(io *IO) *cli.Command {
	return &cli.Command{
		Name:            "__complete",
		Hidden:          true,
		SkipFlagParsing: true,
		Action: func(c *cli.Context) error {
			words := c.Args().Slice()
			// zsh and fish show a description beside each candidate
			// (bash cannot): "WORD<TAB>DESCRIPTION" lines.
			describe := len(words) > 0 && words[0] == "--describe"
			if describe {
				words = words[1:]
			}
			if len(words) == 0 {
				return nil
			}
			r := newRun(io)
			var src completionSource
			get := func() completionSource {
				if src == nil {
					src = newCompletionSource(io)
				}
				return src
			}
			app := newApp(io)
			cands, kind, cmd := complete(app, words, get)
			for _, w := range cands {
				r.out.WriteString(w)
				if describe {
					if d := description(app, kind, cmd, w, get); d != "" {
						r.out.WriteString("\t" + d)
					}
				}
				r.out.WriteByte('\n')
			}
			return r.flush()
		},
	}
}

// completionSource knows the names and roles; it reads the setup only
// when a candidate list needs it.
type completionSource interface {
	names() []string
	roles(account string) []string
	// about says what each name is ("account 123456789012, eu-west-1"),
	// for the shells that show descriptions.
	about() map[string]string
}

type setupSource struct {
	io  *IO
	env *resolve.Env
}

func newCompletionSource(io *IO) completionSource { return &setupSource{io: io} }

func (s *setupSource) load() *resolve.Env {
	if s.env == nil {
		env, err := resolve.NewEnv("", "", s.io.Getenv)
		if err != nil {
			return nil
		}
		s.env = env
	}
	return s.env
}

func (s *setupSource) names() []string {
	env := s.load()
	if env == nil {
		return nil
	}
	names, _ := env.Names()
	return names
}

func (s *setupSource) about() map[string]string {
	env := s.load()
	if env == nil {
		return nil
	}
	accounts, profiles, _ := env.Rows()
	out := make(map[string]string, len(accounts)+len(profiles))
	for _, a := range accounts {
		out[a.Name] = withRegion(strings.TrimSpace("account "+a.AccountID), a.Region)
	}
	for _, p := range profiles {
		out[p.Name] = withRegion("profile ("+p.Kind+")", p.Region)
	}
	return out
}

func withRegion(what, region string) string {
	if region == "" {
		return what
	}
	return what + ", " + region
}

// roles are the account's roles, or for a profile, the role profiles.
func (s *setupSource) roles(account string) []string {
	env := s.load()
	if env == nil {
		return nil
	}
	if account == "" {
		account, _ = env.Current("")
	}
	if acc := env.Accounts.Get(account); acc != nil {
		return acc.RoleNames
	}
	ps, err := env.Profiles()
	if err != nil || ps.Get(account) == nil {
		return nil
	}
	var out []string
	for _, n := range ps.Names() {
		if ps.Get(n).RoleARN != "" {
			out = append(out, n)
		}
	}
	return out
}

// wrappers are the shell functions and the command each runs.
var wrappers = map[string]string{"ec2switch": "switch", "ec2mfa": "mfa", "ec2role": "role", "ec2clear": "clear", "ec2now": "now"}

// positionals says what each command's arguments are: "name" (an account
// or profile), "role", "shell", or "" for none to complete.
var positionals = map[string][]string{
	"switch": {"name"}, "exec": {"name"}, "process": {"name"}, "console": {"name", "service"}, "forget": {"name"},
	"write": {"", "name"}, "role": {"role"}, "init": {"shell"},
}

// flagValues are the values of flags that take one of a few.
var flagValues = map[string][]string{"shell": {"bash", "zsh", "fish", "powershell"}}

// What the candidates of a completion are, for their descriptions.
const (
	kindCommand = "command"
	kindFlag    = "flag"
	kindName    = "name"
	kindOther   = ""
)

func completions(app *cli.App, words []string, source func() completionSource) []string {
	var src completionSource
	get := func() completionSource {
		if src == nil {
			src = source()
		}
		return src
	}
	cands, _, _ := complete(app, words, get)
	return cands
}

// description is what zsh and fish show beside a candidate: a command's or
// a flag's usage, a name's account id and region.
func description(app *cli.App, kind string, cmd *cli.Command, cand string, get func() completionSource) string {
	var d string
	switch kind {
	case kindCommand:
		if c := findCommand(app, cand); c != nil {
			d = c.Usage
		}
	case kindFlag:
		if f := findFlag(cmd, strings.TrimLeft(cand, "-")); f != nil {
			if df, ok := f.(cli.DocGenerationFlag); ok {
				d = df.GetUsage()
			}
		}
	case kindName:
		d = get().about()[cand]
	}
	d = strings.Join(strings.Fields(d), " ")
	// One line beside the candidate: a long usage is cut at a word.
	if r := []rune(d); len(r) > 80 {
		d = string(r[:79])
		if i := strings.LastIndexByte(d, ' '); i > 40 {
			d = d[:i]
		}
		d = strings.TrimRight(d, ",:;") + "…"
	}
	return d
}

// complete is the candidates for the last of words, what kind they are,
// and the command they are for.
func complete(app *cli.App, words []string, get func() completionSource) ([]string, string, *cli.Command) {
	first, rest := words[0], words[1:]
	var cmd *cli.Command
	if sub, ok := wrappers[first]; ok {
		cmd = findCommand(app, sub)
	} else {
		if len(rest) <= 1 || rest[0] == "help" && len(rest) == 2 {
			return prefixed(commandNames(app), last(words)), kindCommand, nil
		}
		cmd = findCommand(app, rest[0])
		rest = rest[1:]
	}
	if cmd == nil || len(rest) == 0 {
		return nil, kindOther, cmd
	}
	cur := rest[len(rest)-1]
	before := rest[:len(rest)-1]
	// The value of the flag before the cursor.
	if n := len(before); n > 0 && strings.HasPrefix(before[n-1], "-") && !strings.Contains(before[n-1], "=") {
		if f := findFlag(cmd, strings.TrimLeft(before[n-1], "-")); f != nil && takesValue(f) {
			return prefixed(valuesOf(cmd, f.Names()[0], before, get), cur), valueKind(f), cmd
		}
	}
	if name, value, ok := strings.Cut(cur, "="); ok && strings.HasPrefix(name, "--") {
		if f := findFlag(cmd, name[2:]); f != nil {
			vals := valuesOf(cmd, f.Names()[0], before, get)
			for i := range vals {
				vals[i] = name + "=" + vals[i]
			}
			return prefixed(vals, name+"="+value), kindOther, cmd
		}
	}
	if strings.HasPrefix(cur, "-") {
		var flags []string
		for _, f := range cmd.Flags {
			flags = append(flags, "--"+f.Names()[0])
		}
		sort.Strings(flags)
		return prefixed(flags, cur), kindFlag, cmd
	}
	kinds := positionals[cmd.Name]
	i := positionalIndex(cmd, before)
	if i >= len(kinds) {
		return nil, kindOther, cmd
	}
	switch kinds[i] {
	case "name":
		return prefixed(get().names(), cur), kindName, cmd
	case "role":
		return prefixed(get().roles(flagIn(before, "account", "a")), cur), kindOther, cmd
	case "shell":
		return prefixed(flagValues["shell"], cur), kindOther, cmd
	case "service":
		return prefixed(serviceNames(), cur), kindOther, cmd
	}
	return nil, kindOther, cmd
}

// valueKind is what the values of flag f are.
func valueKind(f cli.Flag) string {
	if f.Names()[0] == "account" {
		return kindName
	}
	return kindOther
}

// serviceNames are the console's SERVICE shortcuts and their aliases.
func serviceNames() []string {
	var names []string
	for _, s := range resolve.ConsoleServices() {
		names = append(names, s.Name)
		names = append(names, s.Aliases...)
	}
	sort.Strings(names)
	return names
}

func valuesOf(cmd *cli.Command, flag string, before []string, get func() completionSource) []string {
	switch flag {
	case "account":
		return get().names()
	case "role":
		return get().roles(flagIn(before, "account", "a"))
	case "format":
		switch cmd.Name {
		case "console":
			return []string{"link", "json"}
		case "now":
			return []string{"text", "prompt"}
		}
		return credentialFormats
	case "browser":
		return resolve.ConsoleBrowsers()
	}
	return flagValues[flag]
}

// positionalIndex counts the arguments before the cursor that are not
// flags or flag values.
func positionalIndex(cmd *cli.Command, before []string) int {
	n := 0
	for i := 0; i < len(before); i++ {
		a := before[i]
		if a == "--" {
			return n + len(before) - i - 1
		}
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			if f := findFlag(cmd, strings.TrimLeft(a, "-")); f != nil && takesValue(f) && !strings.Contains(a, "=") {
				i++
			}
			continue
		}
		n++
	}
	return n
}

// flagIn is the value of the named flag on the command line, "" if none.
func flagIn(words []string, names ...string) string {
	for i, w := range words {
		for _, n := range names {
			switch {
			case (w == "-"+n || w == "--"+n) && i+1 < len(words):
				return words[i+1]
			case strings.HasPrefix(w, "--"+n+"="):
				return strings.TrimPrefix(w, "--"+n+"=")
			}
		}
	}
	return ""
}

func findCommand(app *cli.App, name string) *cli.Command {
	for _, c := range app.Commands {
		if c.Name == name && !c.Hidden {
			return c
		}
	}
	return nil
}

func findFlag(cmd *cli.Command, name string) cli.Flag {
	name, _, _ = strings.Cut(name, "=")
	for _, f := range cmd.Flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

func takesValue(f cli.Flag) bool {
	df, ok := f.(cli.DocGenerationFlag)
	return ok && df.TakesValue()
}

func commandNames(app *cli.App) []string {
	out := []string{"help"} // urfave adds it when the app runs
	for _, c := range app.Commands {
		if !c.Hidden && c.Name != "help" {
			out = append(out, c.Name)
		}
	}
	return out
}

func prefixed(list []string, prefix string) []string {
	var out []string
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}

func last(words []string) string {
	if len(words) < 2 {
		return ""
	}
	return words[len(words)-1]
}
