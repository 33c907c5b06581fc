package resolve

import (
	"context"
	"time"

	"github.com/awsenv/awsenv/internal/credfile"
)

// Written is what WriteProfile wrote: the credentials and the file.
type Written struct {
	*Resolved
	Path string
}

// WriteProfile gets the credentials req asks for on name and writes them
// into profile of the shared credentials file (credfile.Update: every other
// profile and comment kept, 0600, atomically, under its lock), with the
// plan's region. A profile that cannot be written is refused before
// anything is asked or called.
func (r *Resolver) WriteProfile(ctx context.Context, profile, name string, req Request) (*Written, error) {
	path, err := credfile.Path(r.env.Getenv)
	if err != nil {
		return nil, err
	}
	if err := credfile.Check(path, profile); err != nil {
		return nil, err
	}
	got, err := r.Resolve(ctx, name, req)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	v := credfile.FromCredentials(got.Creds)
	v.Region = got.Plan.Region
	if err := credfile.Update(wctx, path, profile, v); err != nil {
		return nil, err
	}
	return &Written{Resolved: got, Path: path}, nil
}
