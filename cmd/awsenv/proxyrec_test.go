// The end-to-end scripts drive real Unix shells, FIFOs and process groups.

//go:build unix

package main

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() { scriptCmds["proxyrec"] = proxyrecCmd }

// proxyRecorder is an HTTP proxy that forwards nothing: it answers every
// request (CONNECT for https, or a plain one) with 502 and records where
// it was meant to go. Set as HTTPS_PROXY and HTTP_PROXY, it sees every
// call a program makes to a host other than 127.0.0.1 (which Go's
// clients, the AWS CLI and botocore never proxy).
type proxyRecorder struct {
	mu      sync.Mutex
	targets []string
}

var proxies sync.Map // *testscript.TestScript -> *proxyRecorder

// proxyrec start VAR   a recording proxy on 127.0.0.1 port 0; VAR its URL
// proxyrec count N     exactly N requests were meant for outside the machine
func proxyrecCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: proxyrec start VAR | proxyrec count N")
	}
	switch args[0] {
	case "start":
		l, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		p := &proxyRecorder{}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p.mu.Lock()
			p.targets = append(p.targets, r.Method+" "+r.Host)
			p.mu.Unlock()
			http.Error(w, "the test's proxy forwards nothing", http.StatusBadGateway)
		})}
		go srv.Serve(l)
		ts.Defer(func() { srv.Close() })
		proxies.Store(ts, p)
		ts.Setenv(args[1], "http://"+l.Addr().String())
	case "count":
		v, ok := proxies.Load(ts)
		if !ok {
			ts.Fatalf("proxyrec: no proxy started")
		}
		p := v.(*proxyRecorder)
		want, err := strconv.Atoi(args[1])
		ts.Check(err)
		p.mu.Lock()
		defer p.mu.Unlock()
		if len(p.targets) != want {
			ts.Fatalf("%d requests for outside the machine, want %d: %s", len(p.targets), want, strings.Join(p.targets, ", "))
		}
	default:
		ts.Fatalf("proxyrec: unknown subcommand %q", args[0])
	}
}
