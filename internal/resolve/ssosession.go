package resolve

import (
	"fmt"
	"sort"
	"strings"

	"github.com/awsenv/awsenv/internal/sso"
	"github.com/awsenv/awsenv/internal/xerr"
)

// SSOSession finds the IAM Identity Center session name stands for: an
// [sso-session NAME] section, or a profile that logs in through one (or
// a legacy in-profile sso_start_url). With name "", the only session there
// is, else the current profile's.
func (e *Env) SSOSession(name string) (sso.Session, error) {
	ps, err := e.Profiles()
	if err != nil {
		return sso.Session{}, err
	}
	cfg, _ := e.ProfileFiles()
	names := map[string]bool{}
	for _, n := range ps.Names() {
		if p := ps.Get(n); p.SSOSession != "" {
			names[p.SSOSession] = true
		}
	}
	if name == "" {
		if cur, ok := e.Current(""); ok {
			name = cur
		} else if len(names) == 1 {
			for n := range names {
				name = n
			}
		}
	}
	if name == "" {
		return sso.Session{}, xerr.New(xerr.Usage, fmt.Errorf("name an sso session or profile (in %s: %s)", cfg, list(names)), "")
	}
	if s := ps.SSOSession(name); s != nil {
		if s.Err != nil {
			return sso.Session{}, xerr.New(xerr.Failed, fmt.Errorf("sso-session %q: %w", name, s.Err), "")
		}
		if s.StartURL == "" || s.Region == "" {
			return sso.Session{}, xerr.New(xerr.Failed, fmt.Errorf("[sso-session %s] in %s needs sso_start_url and sso_region", name, cfg), "")
		}
		return sso.Session{Name: name, StartURL: s.StartURL, Region: s.Region, Scopes: s.RegistrationScopes}, nil
	}
	if p := ps.Get(name); p != nil && p.IsSSO() {
		if p.Err != nil {
			return sso.Session{}, xerr.New(xerr.Failed, fmt.Errorf("profile %q: %w", name, p.Err), "")
		}
		r, err := ssoRole(ps, p)
		if err != nil {
			return sso.Session{}, err
		}
		return r.SSOSession(), nil
	}
	return sso.Session{}, xerr.New(xerr.Failed, fmt.Errorf("unknown sso session %q%s: sessions in %s are %s", name,
		xerr.DidYouMean(name, keys(names)), cfg, list(names)), "")
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func list(m map[string]bool) string {
	if len(m) == 0 {
		return "none"
	}
	return strings.Join(keys(m), ", ")
}
