package ststest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"
)

// AWSProxy is an HTTPS proxy that plays every AWS endpoint, for clients
// that cannot be pointed at a stand-in otherwise (the AWS CLI v2.9 ignores
// AWS_ENDPOINT_URL* and has no --endpoint-url for aws sso login): it
// answers a CONNECT to any host itself, with a certificate for that host
// from a CA of its own, and serves the requests inside the tunnel with its
// handler, Host header and all. Give the client HTTPS_PROXY=URL and
// AWS_CA_BUNDLE=a file with CAPEM.
type AWSProxy struct {
	// URL is the proxy's address, http://127.0.0.1:PORT.
	URL string
	// CAPEM is the PEM of the CA that signs the hosts' certificates.
	CAPEM []byte

	caCert *x509.Certificate
	caKey  *ecdsa.PrivateKey
	front  *http.Server
	inner  *http.Server
	tunnel *connListener

	mu    sync.Mutex
	certs map[string]*tls.Certificate
	hosts map[string]int
}

// NewAWSProxy starts a proxy on 127.0.0.1 (a free port) whose tunnels
// reach h.
func NewAWSProxy(h http.Handler) (*AWSProxy, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "ststest AWS proxy CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &AWSProxy{
		URL: "http://" + l.Addr().String(), CAPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		caCert: ca, caKey: key, tunnel: newConnListener(l.Addr()),
		certs: map[string]*tls.Certificate{}, hosts: map[string]int{},
	}
	quiet := log.New(io.Discard, "", 0)
	p.inner = &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second, ErrorLog: quiet}
	p.front = &http.Server{Handler: http.HandlerFunc(p.connect), ReadHeaderTimeout: 30 * time.Second, ErrorLog: quiet}
	go p.inner.Serve(p.tunnel)
	go p.front.Serve(l)
	return p, nil
}

// Hosts are the hosts clients tunnelled to, sorted, each once.
func (p *AWSProxy) Hosts() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for h := range p.hosts {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

// Close stops the proxy and every tunnel.
func (p *AWSProxy) Close() error {
	err := p.front.Close()
	p.inner.Close()
	return err
}

// connect answers a CONNECT with a tunnel to the handler; anything else
// (a plain http request through the proxy) is refused.
func (p *AWSProxy) connect(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "ststest proxy: only CONNECT (https) is served", http.StatusMethodNotAllowed)
		return
	}
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "ststest proxy: cannot hijack", http.StatusInternalServerError)
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	p.mu.Lock()
	p.hosts[host]++
	p.mu.Unlock()
	if _, err := conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		conn.Close()
		return
	}
	var raw net.Conn = conn
	if buf != nil && buf.Reader.Buffered() > 0 {
		raw = &bufferedConn{Conn: conn, r: buf.Reader}
	}
	tc := tls.Server(raw, &tls.Config{GetCertificate: p.certificate, MinVersion: tls.VersionTLS12})
	if !p.tunnel.push(tc) {
		tc.Close()
	}
}

// certificate is the leaf certificate of the host the client asks for.
func (p *AWSProxy) certificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	name := hello.ServerName
	if name == "" {
		return nil, errors.New("ststest proxy: the client sent no server name")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.certs[name]; c != nil {
		return c, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(int64(len(p.certs) + 2)),
		Subject:      pkix.Name{CommonName: name},
		DNSNames:     []string{name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.caCert, &key.PublicKey, p.caKey)
	if err != nil {
		return nil, err
	}
	c := &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	p.certs[name] = c
	return c, nil
}

// connListener hands the tunnels' connections to an http.Server.
type connListener struct {
	addr   net.Addr
	conns  chan net.Conn
	done   chan struct{}
	closed sync.Once
}

func newConnListener(addr net.Addr) *connListener {
	return &connListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *connListener) push(c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.done:
		return false
	}
}

func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *connListener) Close() error {
	l.closed.Do(func() { close(l.done) })
	return nil
}

func (l *connListener) Addr() net.Addr { return l.addr }

// bufferedConn is a hijacked connection whose first bytes were already
// read into the server's buffer.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(b []byte) (int, error) { return c.r.Read(b) }
