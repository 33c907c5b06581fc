package saml

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/awsenv/awsenv/internal/config"
)

// Populate is what saml populate writes: a profile per role of the
// assertion, named by Template, into a block of its own in ConfigFile.
type Populate struct {
	ConfigFile string
	// Source is the SAML profile the roles came from, URL its saml_url.
	Source, URL string
	// Template names the profiles from {profile}, {account_id},
	// {role_name} and {provider_name}.
	Template string
	Region   string        // the profiles' region, "" for none
	Duration time.Duration // their duration_seconds, 0 for none
	Prune    bool          // drop the profiles an earlier run wrote that are gone
}

// profileName is what a populated profile may be called: what a section
// header of the config file and a shell's completion take as they are.
var profileName = lazyRegexp(`^[A-Za-z0-9][A-Za-z0-9_+=,.@:/%-]{0,127}$`)

// DefaultTemplate names populated profiles.
const DefaultTemplate = "{profile}-{account_id}-{role_name}"

// Populated says what Write did.
type Populated struct {
	config.GeneratedResult
	ConfigFile string
}

// Write writes a profile for every role into a block of its own in
// p.ConfigFile (config.WriteGenerated), each with the source's saml_url,
// the role and its provider. The roles were checked against IAM's rules
// when the assertion was parsed; the names the template makes are checked
// again here, so nothing but a profile name reaches a section header.
func Write(ctx context.Context, roles []Role, p Populate) (*Populated, error) {
	tmpl := p.Template
	if tmpl == "" {
		tmpl = DefaultTemplate
	}
	var profiles []config.GeneratedProfile
	seen := map[string]Role{}
	for _, r := range roles {
		if _, err := ParseRoleValue(r.RoleARN + "," + r.ProviderARN); err != nil {
			return nil, err
		}
		provider := r.ProviderARN[strings.LastIndexByte(r.ProviderARN, '/')+1:]
		name := strings.NewReplacer("{profile}", p.Source, "{account_id}", r.AccountID(), "{role_name}", r.Name(), "{provider_name}", provider).Replace(tmpl)
		if !profileName().MatchString(name) {
			return nil, fmt.Errorf("the template %q makes the profile name %s for %s, which cannot name a profile", tmpl, strconv.Quote(name), r.RoleARN)
		}
		if other, dup := seen[name]; dup {
			return nil, fmt.Errorf("the template %q gives %s and %s the same name %s: add {account_id} or {provider_name} to it", tmpl, other.RoleARN, r.RoleARN, name)
		}
		seen[name] = r
		settings := [][2]string{{"saml_url", p.URL}, {"role_arn", r.RoleARN}, {"saml_provider_arn", r.ProviderARN}}
		if p.Duration > 0 {
			settings = append(settings, [2]string{"duration_seconds", strconv.Itoa(int(p.Duration / time.Second))})
		}
		if p.Region != "" {
			settings = append(settings, [2]string{"region", p.Region})
		}
		profiles = append(profiles, config.GeneratedProfile{Name: name, Settings: settings})
	}
	out, err := config.WriteGenerated(ctx, p.ConfigFile, "saml populate "+p.Source, profiles, p.Prune)
	if err != nil {
		return nil, err
	}
	return &Populated{GeneratedResult: out, ConfigFile: p.ConfigFile}, nil
}
