package ststest

import (
	"bytes"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sync"
	"time"
)

// Fault is a way STS (or the federation endpoint) goes wrong, for the fault
// suite: each is what a broken network, a proxy, a captive portal, an
// overloaded endpoint or an impostor does.
type Fault string

// The faults. Those that change a real answer (truncated, missing fields,
// expirations, skewed date) need the Faults to wrap a Server.
const (
	// None passes every request through.
	None Fault = ""
	// Hang reads the request and never answers, until the client gives up.
	Hang Fault = "hang"
	// Drip answers 200 at once, then the real answer a byte every 100ms.
	Drip Fault = "drip"
	// Status500XML is a 500 with STS's XML error (InternalFailure).
	Status500XML Fault = "500-xml"
	// Status503Plain is a 503 with an HTML page, as a load balancer sends.
	Status503Plain Fault = "503-plain"
	// Throttling is STS's 400 Throttling "Rate exceeded".
	Throttling Fault = "throttling"
	// MalformedXML is a 200 whose body is not XML.
	MalformedXML Fault = "malformed-xml"
	// TruncatedXML is the real answer cut in the middle.
	TruncatedXML Fault = "truncated-xml"
	// MissingFields is the real answer without its SessionToken.
	MissingFields Fault = "missing-fields"
	// PastExpiration is the real answer with an Expiration an hour ago.
	PastExpiration Fault = "past-expiration"
	// NearExpiration is the real answer with an Expiration two minutes on,
	// inside awsenv's default --min-ttl of 5 minutes.
	NearExpiration Fault = "near-expiration"
	// HugeBody is a 200 that never ends (100 MiB).
	HugeBody Fault = "huge-body"
	// Redirect302 and Redirect307 point the client at the sink (another
	// host, plain http): a client that follows sends its signature, token
	// and, on a 307, the body with the MFA code there.
	Redirect302 Fault = "redirect-302"
	Redirect307 Fault = "redirect-307"
	// RedirectLoop points the client back at the same address.
	RedirectLoop Fault = "redirect-loop"
	// SkewedDate is the real answer with a Date header an hour off.
	SkewedDate Fault = "skewed-date"
)

// Faults is an http.Handler that answers with a fault, or passes a request
// on to the real handler (usually a *Server). Which fault, and for which
// actions, can change between requests. It also runs the sink that its
// redirects point at, and counts what reached each.
type Faults struct {
	next http.Handler

	mu      sync.Mutex
	fault   Fault
	actions map[string]bool // nil: every action
	counts  map[string]int
	sink    []SinkRequest

	srv, sinkSrv *httptest.Server
	done         chan struct{}
}

// SinkRequest is what reached the redirect target: it must stay empty.
type SinkRequest struct {
	Method, Path string
	Header       http.Header
	Body         string
}

// NewFaults wraps next (nil: every request that is not faulted gets 404).
func NewFaults(next http.Handler) *Faults {
	return &Faults{next: next, counts: map[string]int{}, done: make(chan struct{})}
}

// Set makes the fault hit the requests for actions (STS actions, or
// "getSigninToken" and "login" on /federation); every request when none
// are given. None passes everything through again.
func (f *Faults) Set(fault Fault, actions ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fault, f.actions = fault, nil
	if len(actions) > 0 {
		f.actions = map[string]bool{}
		for _, a := range actions {
			f.actions[a] = true
		}
	}
}

// Count is how many requests for action reached the Faults ("" for all),
// faulted or not.
func (f *Faults) Count(action string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if action == "" {
		n := 0
		for _, c := range f.counts {
			n += c
		}
		return n
	}
	return f.counts[action]
}

// Sink is what reached the redirect target.
func (f *Faults) Sink() []SinkRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]SinkRequest(nil), f.sink...)
}

// Listen serves the Faults on http://127.0.0.1:PORT and returns the URL.
func (f *Faults) Listen() string { return f.start(false) }

// ListenTLS serves the Faults over https with a certificate of its own CA,
// which no system trusts: a client must refuse it, unless given CertPEM.
func (f *Faults) ListenTLS() string { return f.start(true) }

func (f *Faults) start(withTLS bool) string {
	f.sinkSrv = httptest.NewServer(http.HandlerFunc(f.serveSink))
	f.srv = httptest.NewUnstartedServer(f)
	f.srv.Config.ReadHeaderTimeout = 10 * time.Second
	f.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // clients that refuse the certificate are the point
	if withTLS {
		f.srv.StartTLS()
	} else {
		f.srv.Start()
	}
	return f.srv.URL
}

// CertPEM is the PEM of the certificate ListenTLS serves (for AWS_CA_BUNDLE).
func (f *Faults) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.srv.Certificate().Raw})
}

// Close stops the servers; hanging and dripping answers end.
func (f *Faults) Close() {
	close(f.done)
	if f.srv != nil {
		f.srv.CloseClientConnections()
		f.srv.Close()
		f.sinkSrv.Close()
	}
}

// RefusedURL is an http URL on 127.0.0.1 where nothing listens: a port that
// was free a moment ago.
func RefusedURL() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	u := "http://" + l.Addr().String()
	return u, l.Close()
}

// BlackholeURL is an address whose SYN gets no answer (TEST-NET-1,
// RFC 5737): a client connecting there waits for its own timeout.
const BlackholeURL = "http://192.0.2.1:443"

func (f *Faults) serveSink(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	f.mu.Lock()
	f.sink = append(f.sink, SinkRequest{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: string(body)})
	f.mu.Unlock()
	w.Write([]byte("<html>you were redirected</html>"))
}

// action is the STS or federation action of r; r's body stays readable.
func action(r *http.Request) string {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	r.Body = io.NopCloser(bytes.NewReader(body))
	if a := r.URL.Query().Get("Action"); a != "" {
		return a
	}
	v, _ := url.ParseQuery(string(body))
	return v.Get("Action")
}

func (f *Faults) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	act := action(r)
	f.mu.Lock()
	f.counts[act]++
	fault := f.fault
	if f.actions != nil && !f.actions[act] {
		fault = None
	}
	sinkURL := ""
	if f.sinkSrv != nil {
		sinkURL = f.sinkSrv.URL
	}
	f.mu.Unlock()

	switch fault {
	case None:
		f.pass(w, r)
	case Hang:
		select {
		case <-r.Context().Done():
		case <-f.done:
		}
	case Status500XML:
		writeError(w, time.Now(), newRequestID(), newAPIError(http.StatusInternalServerError, "InternalFailure",
			"The request processing has failed because of an unknown error, exception or failure."))
	case Status503Plain:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>\n"))
	case Throttling:
		writeError(w, time.Now(), newRequestID(), newAPIError(http.StatusBadRequest, "Throttling", "Rate exceeded"))
	case MalformedXML:
		w.Header().Set("Content-Type", "text/xml")
		w.Write([]byte("<" + act + "Response><" + act + "Result><Credentials><<>>&&\x01 not xml"))
	case HugeBody:
		w.Header().Set("Content-Type", "text/xml")
		chunk := bytes.Repeat([]byte("<Padding>xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx</Padding>\n"), 700)
		w.Write([]byte("<" + act + "Response><" + act + "Result>"))
		for n := 0; n < 100<<20; n += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	case Redirect302, Redirect307:
		status := http.StatusFound
		if fault == Redirect307 {
			status = http.StatusTemporaryRedirect
		}
		w.Header().Set("Location", sinkURL+r.URL.Path)
		w.WriteHeader(status)
	case RedirectLoop:
		w.Header().Set("Location", r.URL.String())
		w.WriteHeader(http.StatusFound)
	default:
		f.rewrite(w, r, fault)
	}
}

func (f *Faults) pass(w http.ResponseWriter, r *http.Request) {
	if f.next == nil {
		http.NotFound(w, r)
		return
	}
	f.next.ServeHTTP(w, r)
}

var (
	expirationRE   = regexp.MustCompile(`<Expiration>[^<]*</Expiration>`)
	sessionTokenRE = regexp.MustCompile(`<SessionToken>[^<]*</SessionToken>`)
)

// rewrite passes r on and spoils the real answer as fault says.
func (f *Faults) rewrite(w http.ResponseWriter, r *http.Request, fault Fault) {
	rec := httptest.NewRecorder()
	f.pass(rec, r)
	body := rec.Body.Bytes()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	at := func(d time.Duration) []byte {
		return []byte("<Expiration>" + time.Now().Add(d).UTC().Format(isoFormat) + "</Expiration>")
	}
	switch fault {
	case TruncatedXML:
		body = body[:len(body)/2]
	case MissingFields:
		body = sessionTokenRE.ReplaceAll(body, nil)
	case PastExpiration:
		body = expirationRE.ReplaceAll(body, at(-time.Hour))
	case NearExpiration:
		body = expirationRE.ReplaceAll(body, at(2*time.Minute))
	case SkewedDate:
		w.Header().Set("Date", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
	case Drip:
		w.WriteHeader(rec.Code)
		fl, _ := w.(http.Flusher)
		for i := range body {
			if _, err := w.Write(body[i : i+1]); err != nil {
				return
			}
			if fl != nil {
				fl.Flush()
			}
			select {
			case <-time.After(100 * time.Millisecond):
			case <-r.Context().Done():
				return
			case <-f.done:
				return
			}
		}
		return
	default:
		panic(fmt.Sprintf("ststest: unknown fault %q", fault))
	}
	w.WriteHeader(rec.Code)
	w.Write(body)
}
