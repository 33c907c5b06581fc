package resolve

import (
	"context"
	"time"

	"github.com/awsenv/awsenv/internal/console"
)

// ConsoleRequest is what a console sign-in asks for beyond the chain.
type ConsoleRequest struct {
	Issuer      string // shown on the console's sign-out page
	Destination string // "": the console home in the plan's region
	// Open hands the link to the browser (through a one-time local page)
	// instead of returning it.
	Open bool
}

// ConsoleLink is a console sign-in: the link (empty when it was opened),
// the credentials it was made from and how long its session lasts.
type ConsoleLink struct {
	*Resolved
	URL      string
	Duration time.Duration
}

// Console makes a console sign-in link for name through the federation
// endpoint, always from fresh credentials from the long-lived keys (the
// plan says so): the sign-in endpoint refuses MFA sessions and chained
// roles, and only role credentials made this way may ask for a
// SessionDuration.
func (r *Resolver) Console(ctx context.Context, name string, req Request, cr ConsoleRequest) (*ConsoleLink, error) {
	plan, err := r.Plan(name, req)
	if err != nil {
		return nil, err
	}
	endpoint, err := console.Endpoint(plan.Partition, r.env.Getenv)
	if err != nil {
		return nil, err
	}
	dest := cr.Destination
	if dest == "" {
		dest = console.DefaultDestination(plan.Partition, plan.Region)
	}
	ep, err := r.b.endpoint(plan)
	if err != nil {
		return nil, err
	}
	hc, err := ep.HTTPClient()
	if err != nil {
		return nil, err
	}
	got, err := r.Run(ctx, plan)
	if err != nil {
		return nil, err
	}
	lctx, cancel := context.WithTimeout(ctx, ep.Timeout)
	defer cancel()
	link, err := console.Link(lctx, console.Request{Endpoint: endpoint, Issuer: cr.Issuer, Destination: dest, HTTP: hc,
		SessionDuration: plan.Last().SessionDuration, AccessKeyID: got.Creds.AccessKeyID,
		SecretAccessKey: got.Creds.SecretAccessKey, SessionToken: got.Creds.SessionToken})
	if err != nil {
		return nil, err
	}
	out := &ConsoleLink{Resolved: got, URL: link, Duration: plan.Last().Duration}
	if cr.Open {
		if err := console.Open(ctx, link, r.env.Getenv, 2*time.Minute); err != nil {
			return nil, err
		}
		out.URL = ""
	}
	return out, nil
}
