package resolve

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/awsenv/awsenv/internal/credserver"
)

// A spawned server serves the plan it is handed and looks no name up: the
// process that spawns it has resolved and planned the name once. Here the
// profile is gone from the files by the time the server starts; looking it
// up again would fail.
func TestRunServerServesTheHandedPlan(t *testing.T) {
	e := testEnv(t, "[profile static]\nregion = eu-west-1\n", nil)
	home := e.Getenv("HOME")
	creds := filepath.Join(home, ".aws", "credentials")
	must(t, os.WriteFile(creds, []byte("[static]\naws_access_key_id = AKIASTATICSTATIC0001\naws_secret_access_key = staticsecret\n"), 0o600))
	e, err := NewEnv("", "", e.Getenv)
	must(t, err)
	r := newResolver(e, Options{MinTTL: 5 * time.Minute, Timeout: 10 * time.Second})
	plan, err := r.Plan("static", Request{Purpose: Switch})
	must(t, err)
	req, err := r.serveRequest(plan, os.Getpid())
	must(t, err)
	if bytes.Contains(req, []byte("\n")) || !json.Valid(req) {
		t.Fatalf("request is not one JSON value: %s", req)
	}

	// The profile is gone before the server reads its request.
	must(t, os.WriteFile(creds, nil, 0o600))
	must(t, os.WriteFile(filepath.Join(home, ".aws", "config"), nil, 0o600))
	fresh, err := NewEnv("", "", e.Getenv)
	must(t, err)
	if _, err := fresh.Lookup("static"); err == nil {
		t.Fatal("a fresh resolver should no longer know the profile")
	}

	hr, hw, err := os.Pipe()
	must(t, err)
	defer hr.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- RunServer(ctx, bytes.NewReader(req), hw, Options{Getenv: e.Getenv}) }()
	h, err := credserver.ReadHandoff(hr)
	if err != nil {
		cancel()
		t.Fatalf("handoff: %v (server: %v)", err, <-done)
	}
	hreq, _ := http.NewRequest("GET", h.URL, nil)
	hreq.Header.Set("Authorization", h.Token)
	resp, err := http.DefaultClient.Do(hreq)
	must(t, err)
	var body struct{ AccessKeyId string }
	must(t, json.NewDecoder(resp.Body).Decode(&body))
	resp.Body.Close()
	if resp.StatusCode != 200 || body.AccessKeyId != "AKIASTATICSTATIC0001" {
		t.Errorf("served %d %q, want the planned profile's key", resp.StatusCode, body.AccessKeyId)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("RunServer: %v", err)
	}
}

// A request that is not one switch --serve makes is refused in one line.
func TestRunServerRefusesABadRequest(t *testing.T) {
	for _, in := range []string{"", "{}", `{"Plan":{"Steps":[]},"Shell":1}`, "not json"} {
		err := RunServer(context.Background(), strings.NewReader(in), os.Stdout, Options{Getenv: os.Getenv})
		if err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: %v, want a one-line refusal", in, err)
		}
	}
}
