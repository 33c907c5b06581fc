package resolve

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/awsenv/awsenv/internal/console"
)

// ConsoleRequest is what a console sign-in asks for beyond the chain.
type ConsoleRequest struct {
	Issuer string // shown on the console's sign-out page
	// Destination is a full console URL; else Service, a shortcut of
	// console.Services, in Region; else the console home of Region.
	Destination, Service string
	// Region: "" for the plan's (the account's or profile's) region.
	Region string
	// Open hands the link to the browser (through a one-time local page)
	// instead of returning it.
	Open bool
	// Browser is --browser: "" for console_browser, else
	// $AWSENV_CONSOLE_BROWSER, else the default browser.
	Browser string
}

// ConsoleLink is a console sign-in: the link (empty when it was opened),
// the credentials it was made from and how long its session lasts.
type ConsoleLink struct {
	*Resolved
	URL      string
	Duration time.Duration
	// Browser is the browser it was opened in, Identity the container or
	// profile it was opened as (both "" when not opened).
	Browser, Identity string
}

// ConsoleTarget reads console's lone argument: a NAME, unless it is a
// SERVICE shortcut and no account or profile is called that, when it is the
// service on the current account (name "").
func (r *Resolver) ConsoleTarget(arg string) (name, service string) {
	if _, ok := console.LookupService(arg); !ok {
		return arg, ""
	}
	if names, err := r.env.Names(); err != nil || slices.Contains(names, arg) {
		return arg, ""
	}
	return "", arg
}

// ConsoleServices are the shortcuts a console request may name.
func ConsoleServices() []console.Service { return console.Services() }

// ConsoleBrowsers are the values of --browser and console_browser.
func ConsoleBrowsers() []string { return console.Browsers }

// Console makes a console sign-in link for name through the federation
// endpoint, always from fresh credentials from the long-lived keys (the
// plan says so): the sign-in endpoint refuses MFA sessions and chained
// roles, and only role credentials made this way may ask for a
// SessionDuration. Everything that can be wrong with the request (the
// service, the browser) is found before any call to AWS.
func (r *Resolver) Console(ctx context.Context, name string, req Request, cr ConsoleRequest) (*ConsoleLink, error) {
	plan, err := r.Plan(name, req)
	if err != nil {
		return nil, err
	}
	endpoint, err := console.Endpoint(plan.Partition, r.env.Getenv)
	if err != nil {
		return nil, err
	}
	dest, err := consoleDestination(plan, cr)
	if err != nil {
		return nil, err
	}
	var launch console.Launch
	if cr.Open {
		if launch, err = r.consoleLaunch(plan, req, cr); err != nil {
			return nil, err
		}
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
		if err := console.OpenIn(ctx, link, launch, 2*time.Minute); err != nil {
			return nil, err
		}
		out.URL = ""
		out.Browser, out.Identity = cmp.Or(launch.Browser, "default"), launch.Identity
	}
	return out, nil
}

// consoleDestination is the page the link lands on: the URL given (without
// the label of a multi-session browser's session, so the sign-in lands in
// the session it adds), else the service's page, else the console home, in
// the region asked for or else the plan's.
func consoleDestination(plan *Plan, cr ConsoleRequest) (string, error) {
	region := cmp.Or(cr.Region, plan.Region)
	switch {
	case cr.Destination != "":
		return console.WithoutSession(cr.Destination), nil
	case cr.Service != "":
		return console.ServiceDestination(cr.Service, plan.Partition, region)
	}
	return console.DefaultDestination(plan.Partition, region), nil
}

// consoleLaunch decides where the console opens: --browser, else the
// account's or profile's console_browser, else $AWSENV_CONSOLE_BROWSER,
// else the default browser; as whom: the name, and the role asked for, so
// each account and role has a container or profile of its own, under the
// credential directory's browsers folder (console_browser_profile names
// an existing Chrome-family profile instead).
func (r *Resolver) consoleLaunch(plan *Plan, req Request, cr ConsoleRequest) (console.Launch, error) {
	l := console.Launch{Browser: cr.Browser, Getenv: r.env.Getenv, ProfilesDir: filepath.Join(r.env.Paths.CredDir, "browsers")}
	from := "--browser"
	switch {
	case l.Browser != "":
	case plan.Browser != "":
		l.Browser, from = plan.Browser, plan.BrowserFrom
	default:
		l.Browser, from = r.env.Getenv("AWSENV_CONSOLE_BROWSER"), "AWSENV_CONSOLE_BROWSER"
	}
	if err := console.CheckBrowser(l.Browser); err != nil {
		return l, fmt.Errorf("%s: %w", from, err)
	}
	switch l.Browser {
	case "", "default", "firefox":
	default:
		l.Profile = plan.BrowserProfile
	}
	l.Identity = plan.Name
	if last := plan.Last(); req.Role != "" && last.RoleARN != "" {
		l.Identity += "/" + last.RoleARN[strings.LastIndex(last.RoleARN, "/")+1:]
	}
	return l, nil
}
