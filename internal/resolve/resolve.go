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
	return src.Plan(req, r.validEntry)
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

// validEntry is the planner's view of the cache: a valid entry under key.
func (r *Resolver) validEntry(key cache.Key) bool {
	e := r.Builder.Store.Get(key)
	return e != nil && e.Valid(r.Builder.now(), r.Builder.MinTTL)
}

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
// until the cached credentials of the first step only a person renews (an
// MFA session, a role assumed with a code, a browser login) expire, or an
// IAM Identity Center session ends. It reads caches only: no lock, no
// refresh, no call.
func (r *Resolver) Renewal(p *Plan) Renewal {
	now := r.Builder.now()
	for _, st := range p.Steps {
		if st.Kind == SSO {
			sess := st.SSO.SSOSession()
			then := sess.LoginCommand()
			expires, refreshable := r.Builder.ssoClient().Renewal(sess)
			switch {
			case refreshable:
				return Renewal{While: "the IAM Identity Center session lasts", Then: then}
			case expires.After(now):
				return Renewal{Until: expires, Then: then}
			}
			return Renewal{Until: now, Then: then}
		}
		person := st.MFASerial != "" || (st.Kind == WebIdentity && st.TokenFile == "") || (st.Kind == Session && st.OnlyCached)
		if !person {
			continue
		}
		if st.Key.Name == "" {
			return Renewal{Until: now, Then: "ec2mfa"} // nothing cached: a person is needed now
		}
		if e := r.Builder.Store.Get(st.Key); e != nil {
			return Renewal{Until: e.Credentials.Expiration, Then: "ec2mfa"}
		}
		if st.OnlyCached {
			continue // not there: the plan falls back to what needs no person
		}
		return Renewal{Until: now, Then: "ec2mfa"}
	}
	return Renewal{}
}
