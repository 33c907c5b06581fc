// The end-to-end scripts drive real Unix shells, FIFOs and process groups.

//go:build unix

package main

// The hostile cases of issue 20 for the fault suite ("faultsuite hostile"):
// an OIDC issuer whose discovery document or key set is huge or never
// ends, and endpoints given as plain http to another computer, which
// must be refused before anything is sent unless AWSENV_ALLOW_HTTP=1.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// neverHangs is the outer limit of a hostile case's run, with --timeout 2s:
// a bound on hanging, not on speed.
const neverHangs = 40 * time.Second

// hostileIssuer is an OIDC provider on 127.0.0.1 that signs with the
// suite's key and spoils one answer: the discovery document or the key set
// is "huge" (up to 1 GB, streamed) or a "drip" (a byte a second).
type hostileIssuer struct {
	s          *suite
	srv        *httptest.Server
	stop       chan struct{}
	discovery  string // "huge", "drip" or "" (good)
	jwks       string
	mu         sync.Mutex
	nonce      string
	keyFetches int
}

const hostileClient = "hostile-client"

func (s *suite) newHostileIssuer(discovery, jwks string) *hostileIssuer {
	h := &hostileIssuer{s: s, stop: make(chan struct{}), discovery: discovery, jwks: jwks}
	h.srv = httptest.NewServer(h)
	s.mu.Lock()
	s.closers = append(s.closers, func() { close(h.stop); h.srv.Close() })
	s.mu.Unlock()
	return h
}

func (h *hostileIssuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	iss := h.srv.URL
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		if h.spoil(w, r, h.discovery) {
			return
		}
		writeJSON(w, map[string]any{
			"issuer": iss, "authorization_endpoint": iss + "/authorize", "token_endpoint": iss + "/token",
			"jwks_uri": iss + "/jwks", "response_types_supported": []string{"code"},
			"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"RS256"},
		})
	case "/authorize":
		q := r.URL.Query()
		h.mu.Lock()
		h.nonce = q.Get("nonce")
		h.mu.Unlock()
		back, err := url.Parse(q.Get("redirect_uri"))
		if err != nil {
			http.Error(w, "bad redirect_uri", http.StatusBadRequest)
			return
		}
		back.RawQuery = url.Values{"code": {"hostile-code"}, "state": {q.Get("state")}}.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	case "/token":
		h.mu.Lock()
		nonce := h.nonce
		h.mu.Unlock()
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: h.s.idpKey, KeyID: "k1"}},
			(&jose.SignerOptions{}).WithType("JWT"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		tok, err := jwt.Signed(signer).Claims(map[string]any{
			"iss": iss, "aud": hostileClient, "sub": "mallory", "nonce": nonce,
			"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
		}).Serialize()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, map[string]any{"access_token": "hostile-access", "token_type": "Bearer", "expires_in": 3600, "id_token": tok})
	case "/jwks":
		h.mu.Lock()
		h.keyFetches++
		h.mu.Unlock()
		if h.spoil(w, r, h.jwks) {
			return
		}
		writeJSON(w, map[string]any{"keys": []any{}})
	default:
		http.NotFound(w, r)
	}
}

// spoil answers as kind says; false for a good answer, left to the caller.
func (h *hostileIssuer) spoil(w http.ResponseWriter, r *http.Request, kind string) bool {
	if kind == "" {
		return false
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	switch kind {
	case "huge":
		chunk := []byte(strings.Repeat(" ", 64<<10))
		w.Write([]byte(`{"issuer": "`))
		for i := 0; i < 1<<14 && r.Context().Err() == nil; i++ { // 1 GB
			if _, err := w.Write(chunk); err != nil {
				break
			}
		}
	case "drip":
		for i := 0; i < 600; i++ {
			if _, err := w.Write([]byte(" ")); err != nil {
				break
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return true
			case <-h.stop:
				return true
			case <-time.After(time.Second):
			}
		}
	}
	return true
}

// fetches is how many times the key set was asked for.
func (h *hostileIssuer) fetches() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.keyFetches
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// recordingProxy is an HTTP proxy (HTTP_PROXY) on 127.0.0.1: it records
// every request that leaves for another computer, and forwards it to the
// stand-in (Host kept, so signatures still hold) or answers 502.
type recordingProxy struct {
	srv   *httptest.Server
	mu    sync.Mutex
	hosts []string
}

func (w *world) proxy(forward string) *recordingProxy {
	p := &recordingProxy{}
	var rp *httputil.ReverseProxy
	if forward != "" {
		target, err := url.Parse(forward)
		w.s.ts.Check(err)
		rp = &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host
		}}
	}
	p.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.hosts = append(p.hosts, r.Host)
		p.mu.Unlock()
		if rp == nil {
			http.Error(rw, "the test's proxy forwards nothing", http.StatusBadGateway)
			return
		}
		rp.ServeHTTP(rw, r)
	}))
	w.s.mu.Lock()
	w.s.closers = append(w.s.closers, p.srv.Close)
	w.s.mu.Unlock()
	w.env["HTTP_PROXY"], w.env["http_proxy"] = p.srv.URL, p.srv.URL
	return p
}

func (p *recordingProxy) sent() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.hosts...)
}

// hostile runs the cases below, each in a fresh world.
func (s *suite) hostile() {
	var cases []func()
	for _, f := range hostileCases {
		cases = append(cases, func() {
			w := s.newWorld(f.name, false)
			r, problems := f.run(w)
			s.record(f.name, r, problems)
		})
	}
	parallel(cases)
}

// failsWith holds a failed run to the discipline: no hang, non-zero, stdout
// empty, the last line of stderr (the only one unless others are allowed)
// has every one of says.
func failsWith(r result, lines int, says ...string) []string {
	var bad []string
	if r.killed {
		bad = append(bad, fmt.Sprintf("still running after %s: killed", neverHangs))
	}
	if r.exit == 0 {
		bad = append(bad, "exit status 0, want a failure")
	}
	if r.stdout != "" {
		bad = append(bad, fmt.Sprintf("stdout not empty on failure: %q", firstLines(r.stdout, 2)))
	}
	if strings.Contains(r.stderr, "panic:") || strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "fatal error") {
		bad = append(bad, "crashed: "+firstLines(r.stderr, 3))
	}
	got := nonEmptyLines(r.stderr)
	if len(got) != lines {
		return append(bad, fmt.Sprintf("%d lines on stderr, want %d: %s", len(got), lines, firstLines(r.stderr, 4)))
	}
	for _, s := range says {
		if !strings.Contains(got[len(got)-1], s) {
			bad = append(bad, fmt.Sprintf("the error line does not say %q", s))
		}
	}
	return bad
}

// webIdentityLogin is web-identity with a browser login at issuer; BROWSER
// (curl) follows the login address back to awsenv's redirect.
func (w *world) webIdentityLogin(issuer string) result {
	script := filepath.Join(w.home, "browser.sh")
	w.s.ts.Check(os.WriteFile(script, []byte("#!/bin/sh\nexec curl -s -L -o /dev/null --max-time 60 \"$1\"\n"), 0o700))
	w.env["BROWSER"] = script
	return w.run(neverHangs, "web-identity", "--role-arn", faultTeamRole, "--issuer", issuer, "--client-id", hostileClient,
		"--open", "--shell", "bash", "--timeout", "2s")
}

// plainHTTP is a case that gives setting the value http://example.invalid
// (another computer: a request would go through the recording proxy) and
// runs a command that sends to it.
func plainHTTP(name, setting string, prepare func(w *world), args func(w *world) []string) finding {
	return finding{name: "plain http: " + name + " is refused before anything is sent", run: func(w *world) (result, []string) {
		p := w.proxy("")
		prepare(w)
		before := w.snapshot()
		r := w.run(neverHangs, args(w)...)
		bad := failsWith(r, 1, setting, "http://example.invalid", "plain http", "use https, or set AWSENV_ALLOW_HTTP=1")
		if sent := p.sent(); len(sent) != 0 {
			bad = append(bad, fmt.Sprintf("%d requests left for %v", len(sent), sent))
		}
		if after := w.snapshot(); !sameSnapshot(before, after) {
			bad = append(bad, "the cache or the credentials file changed: "+diffSnapshot(before, after))
		}
		return r, bad
	}}
}

// allowedHTTP is the same with AWSENV_ALLOW_HTTP=1: the request leaves.
func allowedHTTP(name string, prepare func(w *world), args func(w *world) []string) finding {
	return finding{name: "plain http: " + name + " with AWSENV_ALLOW_HTTP=1 is sent", run: func(w *world) (result, []string) {
		p := w.proxy("")
		prepare(w)
		w.env["AWSENV_ALLOW_HTTP"] = "1"
		r := w.run(neverHangs, args(w)...)
		var bad []string
		if r.killed {
			bad = append(bad, "killed")
		}
		if strings.Contains(r.stderr, "plain http") {
			bad = append(bad, "refused all the same: "+firstLines(r.stderr, 2))
		}
		if sent := p.sent(); len(sent) == 0 || !strings.HasPrefix(sent[0], "example.invalid") {
			bad = append(bad, fmt.Sprintf("no request reached the proxy for example.invalid: %v; stderr: %s", sent, firstLines(r.stderr, 2)))
		}
		return r, bad
	}}
}

const invalid = "http://example.invalid"

var (
	mfaArgs = func(w *world) []string {
		return []string{"mfa", "--account", "work", "--code", w.code(), "--shell", "bash", "--timeout", "2s"}
	}
	setSTS      = func(w *world) { w.env["AWS_ENDPOINT_URL_STS"] = invalid }
	setAll      = func(w *world) { delete(w.env, "AWS_ENDPOINT_URL_STS"); w.env["AWS_ENDPOINT_URL"] = invalid }
	setSignin   = func(w *world) { w.env["AWSENV_SIGNIN_URL"] = invalid + "/federation" }
	consoleArgs = func(w *world) []string { return []string{"console", "work", "--timeout", "2s"} }
	setIAM      = func(w *world) { w.env["AWS_ENDPOINT_URL_IAM"] = invalid }
	rotateArgs  = func(w *world) []string { return []string{"rotate", "work", "--timeout", "2s"} }
	setSSOOIDC  = func(w *world) { w.ssoSession(); w.env["AWS_ENDPOINT_URL_SSO_OIDC"] = invalid }
	setSSO      = func(w *world) { w.ssoSession(); w.env["AWS_ENDPOINT_URL_SSO"] = invalid }
	ssoArgs     = func(w *world) []string { return []string{"sso", "login", "corp", "--device-code", "--timeout", "2s"} }
	noop        = func(*world) {}
	issuerArgs  = func(w *world) []string {
		return []string{"web-identity", "--role-arn", faultTeamRole, "--issuer", invalid, "--client-id", hostileClient, "--shell", "bash", "--timeout", "2s"}
	}
	setProfile = func(w *world) {
		delete(w.env, "AWS_ENDPOINT_URL_STS")
		os.WriteFile(w.config, []byte("[profile lab]\nregion = eu-west-1\nmfa_serial = "+w.user.MFASerial+"\nendpoint_url = "+invalid+"\n"), 0o600)
		os.WriteFile(w.credentials, []byte("[lab]\naws_access_key_id = "+w.user.AccessKeyID+"\naws_secret_access_key = "+w.user.SecretAccessKey+"\n"), 0o600)
	}
	profileArgs = func(w *world) []string {
		return []string{"mfa", "--account", "lab", "--code", w.code(), "--shell", "bash", "--timeout", "2s"}
	}
)

// ssoSession writes an IAM Identity Center session to log in to.
func (w *world) ssoSession() {
	os.WriteFile(w.config, []byte("[sso-session corp]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = eu-west-1\n"), 0o600)
}

var hostileCases = []finding{
	// The issuer's answers: capped and bounded by --timeout like every
	// other endpoint's (the five minutes of a login are the person's).
	{name: "oidc issuer: a discovery document of 1 GB", run: func(w *world) (result, []string) {
		h := w.s.newHostileIssuer("huge", "")
		r := w.run(neverHangs, "web-identity", "--role-arn", faultTeamRole, "--issuer", h.srv.URL, "--client-id", hostileClient, "--shell", "bash", "--timeout", "2s")
		return r, failsWith(r, 1, "discovery document of issuer \""+h.srv.URL+"\"", "larger than 1 MiB")
	}},
	{name: "oidc issuer: a discovery document a byte a second", run: func(w *world) (result, []string) {
		h := w.s.newHostileIssuer("drip", "")
		r := w.run(neverHangs, "web-identity", "--role-arn", faultTeamRole, "--issuer", h.srv.URL, "--client-id", hostileClient, "--shell", "bash", "--timeout", "2s")
		return r, failsWith(r, 1, "discovery document of issuer \""+h.srv.URL+"\"", "did not answer within 2s", "raise --timeout")
	}},
	{name: "oidc issuer: a key set of 1 GB", run: func(w *world) (result, []string) {
		if _, err := exec.LookPath("curl"); err != nil {
			return result{}, nil
		}
		h := w.s.newHostileIssuer("", "huge")
		r := w.webIdentityLogin(h.srv.URL)
		bad := failsWith(r, 2, "keys of issuer \""+h.srv.URL+"\"", "larger than 1 MiB")
		if h.fetches() == 0 {
			bad = append(bad, "the login never asked for the keys")
		}
		return r, bad
	}},
	{name: "oidc issuer: a key set a byte a second", run: func(w *world) (result, []string) {
		if _, err := exec.LookPath("curl"); err != nil {
			return result{}, nil
		}
		h := w.s.newHostileIssuer("", "drip")
		r := w.webIdentityLogin(h.srv.URL)
		bad := failsWith(r, 2, "keys of issuer \""+h.srv.URL+"\"", "did not answer within 2s", "raise --timeout")
		if h.fetches() == 0 {
			bad = append(bad, "the login never asked for the keys")
		}
		return r, bad
	}},

	// Plain http to another computer, from every setting that names an
	// endpoint.
	plainHTTP("AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_STS=", setSTS, mfaArgs),
	plainHTTP("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL=", setAll, mfaArgs),
	plainHTTP("a profile's endpoint_url", "endpoint_url of profile lab in ", setProfile, profileArgs),
	plainHTTP("AWSENV_SIGNIN_URL", "AWSENV_SIGNIN_URL=", setSignin, consoleArgs),
	plainHTTP("AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_IAM=", setIAM, rotateArgs),
	plainHTTP("AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL_SSO_OIDC=", setSSOOIDC, ssoArgs),
	plainHTTP("AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO=", setSSO, ssoArgs),
	plainHTTP("the oidc issuer", "oidc issuer", noop, issuerArgs),
	allowedHTTP("AWS_ENDPOINT_URL_STS", setSTS, mfaArgs),
	allowedHTTP("AWSENV_SIGNIN_URL", setSignin, consoleArgs),
	allowedHTTP("AWS_ENDPOINT_URL_SSO_OIDC", setSSOOIDC, ssoArgs),
	allowedHTTP("the oidc issuer", noop, issuerArgs),
	{name: "plain http: AWSENV_ALLOW_HTTP=1 through a proxy to STS gets a session", run: func(w *world) (result, []string) {
		p := w.proxy(w.url)
		setSTS(w)
		w.env["AWSENV_ALLOW_HTTP"] = "1"
		r := w.run(neverHangs, mfaArgs(w)...)
		bad := w.check(r, works, nil)
		if n := w.faults.Count("GetSessionToken"); n != 1 {
			bad = append(bad, fmt.Sprintf("%d GetSessionToken calls at the stand-in, want 1", n))
		}
		if sent := p.sent(); len(sent) != 1 || sent[0] != "example.invalid" {
			bad = append(bad, fmt.Sprintf("the proxy saw %v", sent))
		}
		return r, bad
	}},
	// The credential server under another name: a page whose DNS name
	// resolves to 127.0.0.1 (curl --resolve plays the rebinding) is refused
	// even with the token; the server's own names are served.
	{name: "credential server: a request under another host name", run: func(w *world) (result, []string) {
		if _, err := exec.LookPath("curl"); err != nil {
			return result{}, nil
		}
		w.session()
		probe := `u=$AWS_CONTAINER_CREDENTIALS_FULL_URI; port=${u#http://127.0.0.1:}; port=${port%%/*}
code() { curl -s -o "$HOME/body" -w '%{http_code}' -H "Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN" "$@"; }
echo "rebound=$(code --resolve "evil.example:$port:127.0.0.1" "http://evil.example:$port/credentials") $(cat "$HOME/body")"
echo "host=$(code -H "Host: evil.example:$port" "$u")"
echo "localhost=$(code "http://localhost:$port/credentials") own=$(code "$u")"`
		r := w.run(neverHangs, "exec", "work", "--server", "--", "sh", "-c", probe)
		var bad []string
		if r.exit != 0 {
			bad = append(bad, "exec failed: "+firstLines(r.stderr, 2))
		}
		for _, want := range []string{`rebound=421 {"Code":"InvalidHost","Message":"this credential server answers only as http://127.0.0.1:`,
			"host=421", "localhost=200 own=200"} {
			if !strings.Contains(r.stdout, want) {
				var seen []string // cut short: a body served by mistake holds credentials
				for _, l := range nonEmptyLines(r.stdout) {
					seen = append(seen, l[:min(len(l), 40)])
				}
				bad = append(bad, fmt.Sprintf("the probe does not say %q: %s", want, strings.Join(seen, " | ")))
			}
		}
		r.stdout = "" // credentials of a successful exec are no secret leak
		return r, bad
	}},
	{name: "plain http: localhost is this computer", run: func(w *world) (result, []string) {
		w.env["AWS_ENDPOINT_URL_STS"] = strings.Replace(w.url, "127.0.0.1", "localhost", 1)
		r := w.run(neverHangs, mfaArgs(w)...)
		return r, w.check(r, works, nil)
	}},
}
