package testenv

import (
	"bytes"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// maxRecordedBody caps how much of a request body a Recorder keeps.
const maxRecordedBody = 1 << 20

// Recorder is a server on loopback that records every request it receives
// (request line, headers and body) before its handler answers: the second
// server of a hostile-server test, which a redirect, a Bearer realm or a
// proxy setting points at, and which must receive no secret. Because it
// keeps whatever absolute URL a request names, it also serves as a plain
// HTTP forward proxy for made-up host names (set HTTP_PROXY to its URL),
// answering for every host through the one handler.
type Recorder struct {
	// URL is http://127.0.0.1:PORT, or https:// with TLS.
	URL string
	// Host is 127.0.0.1:PORT.
	Host string

	srv     *httptest.Server
	handler http.Handler
	mu      sync.Mutex
	reqs    []RecordedRequest
}

// RecordedRequest is one request a Recorder received.
type RecordedRequest struct {
	// Method, URI and Proto make the request line; URI is as sent (an
	// absolute URL when the Recorder was used as a proxy).
	Method, URI, Proto string
	// Host is the Host header.
	Host string
	// Header holds every header as received.
	Header http.Header
	// Body is the body as received (up to 1 MiB).
	Body []byte
}

// String renders the request as it came over the wire, roughly.
func (r RecordedRequest) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s\nHost: %s\n", r.Method, r.URI, r.Proto, r.Host)
	_ = r.Header.Write(&b)
	b.WriteString("\n")
	b.Write(r.Body)
	return b.String()
}

// NewRecorder starts a plain-HTTP Recorder answering with h, stopped when
// the test ends. With h nil it answers every request with 200 and a JSON
// body holding HostileToken as "token" and "access_token": what a registry
// and a token server answer to credentials they accept, so that a
// credential that reached it would look verified.
func NewRecorder(t testing.TB, h http.Handler) *Recorder {
	t.Helper()
	return startRecorder(t, h, false)
}

// NewTLSRecorder is NewRecorder over HTTPS, with httptest's certificate
// (which names 127.0.0.1, ::1 and example.com); see WriteCertsD.
func NewTLSRecorder(t testing.TB, h http.Handler) *Recorder {
	t.Helper()
	return startRecorder(t, h, true)
}

func startRecorder(t testing.TB, h http.Handler, tls bool) *Recorder {
	t.Helper()
	if h == nil {
		h = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { writeToken(w) })
	}
	r := &Recorder{handler: h}
	r.srv = httptest.NewUnstartedServer(http.HandlerFunc(r.serve))
	r.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused TLS handshakes are expected
	if tls {
		r.srv.StartTLS()
	} else {
		r.srv.Start()
	}
	t.Cleanup(r.srv.Close)
	r.URL = r.srv.URL
	r.Host = r.srv.Listener.Addr().String()
	return r
}

func (r *Recorder) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(req.Body, maxRecordedBody))
	req.Body = io.NopCloser(bytes.NewReader(body))
	r.mu.Lock()
	r.reqs = append(r.reqs, RecordedRequest{
		Method: req.Method, URI: req.RequestURI, Proto: req.Proto,
		Host: req.Host, Header: req.Header.Clone(), Body: body,
	})
	r.mu.Unlock()
	r.handler.ServeHTTP(w, req)
}

// Requests returns a copy of every request received so far, oldest first.
func (r *Recorder) Requests() []RecordedRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]RecordedRequest(nil), r.reqs...)
}

// WriteCertsD writes the Recorder's certificate as dir/host/ca.crt, the
// layout of docker's certs.d directories, so that a client trusts it for
// host.
func (r *Recorder) WriteCertsD(t testing.TB, dir, host string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, host), 0o700); err != nil {
		t.Fatal(err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.srv.Certificate().Raw})
	if err := os.WriteFile(filepath.Join(dir, host, "ca.crt"), pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
}

// AssertNoSecret fails t if any request the Recorder received holds one of
// secrets anywhere: in its request line, a header or its body, as sent or
// decoded (Basic credentials from base64, query strings and forms from URL
// encoding).
func (r *Recorder) AssertNoSecret(t testing.TB, secrets ...string) {
	t.Helper()
	for _, req := range r.Requests() {
		text := req.String()
		views := []string{text}
		if u, err := url.QueryUnescape(req.URI); err == nil {
			views = append(views, u)
		}
		if b, err := url.QueryUnescape(string(req.Body)); err == nil {
			views = append(views, b)
		}
		for _, v := range req.Header.Values("Authorization") {
			if scheme, cred, ok := strings.Cut(v, " "); ok && strings.EqualFold(scheme, "basic") {
				if dec, err := base64.StdEncoding.DecodeString(cred); err == nil {
					views = append(views, string(dec))
				}
			}
		}
		for _, s := range secrets {
			for _, v := range views {
				if s != "" && strings.Contains(v, s) {
					t.Errorf("%s received a secret:\n%s", r.URL, text)
					break
				}
			}
		}
	}
}
