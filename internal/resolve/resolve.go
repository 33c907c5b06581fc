package resolve

import (
	"context"
	"time"

	"github.com/awsenv/awsenv/internal/cache"
)

// Resolver answers a command's request for a name: Lookup, Plan, Build and
// Retrieve, in that order.
type Resolver struct {
	Env     *Env
	Builder *Builder
}

// Resolved is a request's answer: the plan it followed and what it served.
type Resolved struct {
	*Result
	Plan *Plan
}

// Plan looks name up and plans req for it, without building anything.
func (r *Resolver) Plan(name string, req Request) (*Plan, error) {
	src, err := r.Env.Lookup(name)
	if err != nil {
		return nil, err
	}
	if req.Purpose != Switch {
		r.Env.LoadUser(src)
	}
	return src.Plan(req, r.unexpired)
}

// unexpired is the planner's view of the cache: whether key has an entry
// that has not expired. A role is chained from an MFA session until its
// end, inside the --min-ttl margin too (the role's own lifetime does not
// depend on the session's), so that no code is asked for a role while the
// session lasts; the session step warns that it is ending (creds.Cached).
func (r *Resolver) unexpired(key cache.Key) bool {
	if key.Name == "" {
		return false
	}
	e := r.Builder.Store.Get(key)
	return e != nil && e.Valid(r.Builder.now(), 0)
}

// Resolve gets the credentials req asks for on name.
func (r *Resolver) Resolve(ctx context.Context, name string, req Request) (*Resolved, error) {
	p, err := r.Plan(name, req)
	if err != nil {
		return nil, err
	}
	return r.Run(ctx, p)
}

// Run builds a plan and retrieves its credentials.
func (r *Resolver) Run(ctx context.Context, p *Plan) (*Resolved, error) {
	for _, n := range p.Notes {
		r.Builder.Warn(n)
	}
	ch, err := r.Builder.Build(p)
	if err != nil {
		return nil, err
	}
	res, err := ch.Get(ctx)
	if err != nil {
		return nil, err
	}
	return &Resolved{Result: res, Plan: p}, nil
}

// ValidCached is the planner's view of the cache: whether key has a valid
// entry (more than MinTTL left).
func (r *Resolver) ValidCached(key cache.Key) bool { return r.validCached(key) != nil }

func (b *Builder) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

// Renewal is how long a plan's credentials renew without a person.
type Renewal struct {
	// Until is when a person is needed; zero when no step needs one, or
	// when the end cannot be told (While).
	Until time.Time
	// While names what lasts an end no client is told of (an IAM
	// Identity Center session, whose refresh token renews the role
	// credentials); "" otherwise.
	While string
	// Then is what the person runs when it ends.
	Then string
}

// Renewal says how long the plan's credentials renew without a person:
// until the valid cached credentials of the first step only a person
// renews (an MFA session, a role assumed with a code, a browser login)
// expire, or, without such a step, while an IAM Identity Center session
// lasts. It reads caches only: no lock, no refresh, no call.
func (r *Resolver) Renewal(p *Plan) Renewal {
	now := r.Builder.now()
	var sso *Renewal // a later step that needs a person ends renewal first
	for _, st := range p.Steps {
		if st.Kind == SSO {
			sess := st.SSO.SSOSession()
			rn := Renewal{Until: now, Then: sess.LoginCommand()}
			expires, refreshable := r.Builder.ssoClient().Renewal(sess)
			switch {
			case refreshable:
				rn = Renewal{While: "the IAM Identity Center session lasts", Then: rn.Then}
			case expires.After(now):
				rn.Until = expires
			}
			// Without a refresh, the role credentials cached from the
			// last login are served until they expire.
			if e := r.validCached(st.Key); e != nil && rn.While == "" && e.Credentials.Expiration.After(rn.Until) {
				rn.Until = e.Credentials.Expiration
			}
			if sso == nil {
				sso = &rn
			}
			continue
		}
		person := st.MFASerial != "" || (st.Kind == WebIdentity && st.TokenFile == "") || (st.Kind == Session && st.OnlyCached)
		if !person {
			continue
		}
		then := "ec2mfa"
		if st.Kind == WebIdentity {
			then = "ec2switch " + p.Name // its browser login
		}
		if e := r.validCached(st.Key); e != nil {
			return Renewal{Until: e.Credentials.Expiration, Then: then}
		}
		if st.OnlyCached {
			continue // none valid: the plan falls back to what needs no person
		}
		return Renewal{Until: now, Then: then} // a person is needed now
	}
	if sso != nil {
		return *sso
	}
	return Renewal{}
}

// validCached is the step's cached entry while it is valid (more than
// MinTTL left), nil otherwise or when the step is not cached.
func (r *Resolver) validCached(key cache.Key) *cache.Entry {
	if key.Name == "" {
		return nil
	}
	e := r.Builder.Store.Get(key)
	if e == nil || !e.Valid(r.Builder.now(), r.Builder.MinTTL) {
		return nil
	}
	return e
}
