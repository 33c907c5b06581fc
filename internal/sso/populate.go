package sso

import (
	"context"
	"strings"

	"github.com/awsenv/awsenv/internal/config"
)

// Populate is what sso populate writes: a profile per account and role the
// session reaches, named by Template, into the config file ConfigFile.
type Populate struct {
	ConfigFile string
	// Template names the profiles from {account_name}, {account_id},
	// {role_name} and {session}.
	Template string
	Region   string // the profiles' region, "" for none
	Prune    bool   // drop the profiles an earlier run wrote that are gone
}

// Populated says what Populate did.
type Populated struct {
	config.GeneratedResult
	Accounts   int
	ConfigFile string
}

// Populate writes a profile for every account and role sess reaches with
// tok into a block of its own in p.ConfigFile (config.WriteGenerated): the
// one place that knows the sso_* settings of a profile.
func (c *Client) Populate(ctx context.Context, sess Session, tok Token, p Populate) (*Populated, error) {
	accounts, err := c.ListAccounts(ctx, tok)
	if err != nil {
		return nil, err
	}
	var profiles []config.GeneratedProfile
	for _, a := range accounts {
		roles, err := c.ListAccountRoles(ctx, tok, a.ID)
		if err != nil {
			return nil, err
		}
		for _, role := range roles {
			name := profileName(strings.NewReplacer("{account_name}", a.Name, "{account_id}", a.ID, "{role_name}", role, "{session}", sess.Name).Replace(p.Template))
			settings := [][2]string{{"sso_session", sess.Name}, {"sso_account_id", a.ID}, {"sso_role_name", role}}
			if p.Region != "" {
				settings = append(settings, [2]string{"region", p.Region})
			}
			profiles = append(profiles, config.GeneratedProfile{Name: name, Settings: settings})
		}
	}
	out, err := config.WriteGenerated(ctx, p.ConfigFile, "sso populate "+sess.Name, profiles, p.Prune)
	if err != nil {
		return nil, err
	}
	return &Populated{GeneratedResult: out, Accounts: len(accounts), ConfigFile: p.ConfigFile}, nil
}

// profileName makes a template's result a valid profile name: letters,
// digits and - / . % @ _ : +; anything else becomes "-".
func profileName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-/.%@_:+", c) >= 0) {
			b[i] = '-'
		}
	}
	return string(b)
}
