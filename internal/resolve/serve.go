package resolve

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/awsenv/awsenv/internal/config"
	"github.com/awsenv/awsenv/internal/credserver"
)

// Serve starts a credential server for plan in this process. Its chain is
// built again to run unattended: no prompt, and a refresh margin the SDKs'
// windows fit in.
func (r *Resolver) Serve(ctx context.Context, plan *Plan) (*credserver.Server, error) {
	b := *r.b
	b.NoPrompt, b.RefreshBefore, b.Code = true, credserver.DefaultRefreshBefore, ""
	plan.Last().Force = false
	chain, err := b.Build(plan)
	if err != nil {
		return nil, err
	}
	return credserver.Start(ctx, chain, credserver.Options{})
}

// serveRequest is what a spawned server process is handed, as JSON on its
// standard input: the plan, looked up and planned once by the process that
// spawns it, the resolver's mode, and the shell it serves.
type serveRequest struct {
	Paths   config.Paths
	MinTTL  time.Duration
	Timeout time.Duration
	Plan    *Plan
	Shell   int // the server ends with this process
}

// SpawnServer starts the shell-tied credential server of plan, the plan of
// credentials this resolver has just served: a detached process of exe
// that serves and renews them until the shell (pid) exits.
func (r *Resolver) SpawnServer(exe string, plan *Plan, shell int) (credserver.Handoff, error) {
	req, err := r.serveRequest(plan, shell)
	if err != nil {
		return credserver.Handoff{}, err
	}
	return credserver.Spawn(exe, req, r.b.Timeout+5*time.Second)
}

// serveRequest encodes what a spawned server serving plan for the shell
// is handed.
func (r *Resolver) serveRequest(plan *Plan, shell int) ([]byte, error) {
	// Serving the MFA session: when it expires the server says so, instead
	// of falling back to the long-lived keys under the shell's tools.
	// A session no longer valid is as none: the keys are served.
	p := *plan
	if last := p.Last(); last.OnlyCached && r.ValidCached(last.Key) {
		p.FallbackLabel = ""
	}
	return json.Marshal(serveRequest{Paths: r.env.Paths, MinTTL: r.b.MinTTL, Timeout: r.b.Timeout, Plan: &p, Shell: shell})
}

// Handoff is where a spawned server listens.
type Handoff = credserver.Handoff

// ServeCommand is the hidden command a spawned server runs as.
const ServeCommand = credserver.ServeCommand

// StopServed stops the shell's spawned server, whose pid the shell's
// AWSENV_SERVER_PID holds, if it is still awsenv's.
func StopServed(pid string) { credserver.StopServed(pid) }

// RunServer is the spawned server process: it reads its request from in,
// serves the plan it holds, hands its address back on the handoff pipe
// (handoff, or fd 3 when nil) and returns once the shell it serves has
// exited or ctx ends. It looks no name up: the plan is the one the
// spawning process made.
func RunServer(ctx context.Context, in io.Reader, handoff *os.File, o Options) error {
	if handoff == nil {
		var err error
		if handoff, err = credserver.HandoffPipe(); err != nil {
			return err
		}
	}
	raw, err := credserver.ReadRequest(in)
	if err != nil {
		return err
	}
	var req serveRequest
	if err := json.Unmarshal(raw, &req); err != nil || req.Plan == nil || len(req.Plan.Steps) == 0 || req.Shell <= 0 {
		return fmt.Errorf("the credential server's request is not one switch --serve makes")
	}
	o.MinTTL, o.Timeout, o.Unattended, o.Code = req.MinTTL, req.Timeout, true, ""
	r := newResolver(&Env{Paths: req.Paths, Getenv: o.Getenv}, o)
	srv, err := r.Serve(ctx, req.Plan)
	if err != nil {
		return err
	}
	defer srv.Close()
	gone, err := credserver.WatchParent(ctx, req.Shell)
	if err != nil {
		return err
	}
	if err := srv.Handoff().Write(handoff); err != nil {
		return err
	}
	handoff.Close()
	select {
	case <-gone:
	case <-ctx.Done():
	case <-srv.Done():
	}
	return nil
}
