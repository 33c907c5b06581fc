package resolve

import (
	"context"
	"time"

	"github.com/awsenv/awsenv/internal/sso"

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

// RenewableUntil is until when the plan's credentials can be renewed
// without a person: the expiry of the cached credentials of the first step
// only a person renews (an MFA session, a role assumed with a code, a
// browser login); zero when no step needs one.
func (r *Resolver) RenewableUntil(p *Plan) time.Time {
	for _, st := range p.Steps {
		person := st.MFASerial != "" || (st.Kind == WebIdentity && st.TokenFile == "") || (st.Kind == Session && st.OnlyCached)
		if st.Kind == SSO {
			// The session's refresh token renews role credentials: a person
			// is needed when the session ends.
			tok, err := r.Builder.ssoClient().Token(context.Background(), st.SSO.SSOSession(), sso.LoginOptions{NoLogin: true})
			if err != nil {
				return r.Builder.now()
			}
			return tok.ExpiresAt
		}
		if !person {
			continue
		}
		if st.Key.Name == "" {
			return r.Builder.now() // nothing cached: a person is needed now
		}
		if e := r.Builder.Store.Get(st.Key); e != nil {
			return e.Credentials.Expiration
		}
		if st.OnlyCached {
			continue // not there: the plan falls back to what needs no person
		}
		return r.Builder.now()
	}
	return time.Time{}
}
