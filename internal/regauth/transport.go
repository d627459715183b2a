package regauth

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/regkey/regkey/auth"
)

// IsLoopback reports whether host (a host or host:port, IPv6 in brackets or
// not) is localhost, in 127.0.0.0/8 or ::1. Docker treats these registries
// as insecure by default, so plain HTTP is allowed for them. Names are not
// resolved: only the literal spellings count.
func IsLoopback(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if auth.LowerASCII(host) == "localhost" { // never Unicode folding: "localhoſt" is another host
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// tlsConfig builds the TLS configuration docker would use for host: the
// system roots plus every *.crt in <dir>/<host>/ for each certificate
// directory, and each client.cert/client.key style pair (*.cert with the
// matching *.key) as a client certificate. Insecure turns verification off.
func tlsConfig(host string, dirs []string, insecure bool) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: insecure} //nolint:gosec // only with Insecure
	for _, d := range dirs {
		if d == "" {
			continue
		}
		if err := loadCertDir(cfg, filepath.Join(d, host)); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// loadCertDir adds the CAs and client certificates of one docker
// certs.d/<host> directory to cfg; a missing directory adds nothing.
func loadCertDir(cfg *tls.Config, dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading certificate directory %s: %w", dir, err)
	}
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(dir, name)
		switch filepath.Ext(name) {
		case ".crt":
			if cfg.RootCAs == nil {
				pool, err := x509.SystemCertPool()
				if err != nil {
					pool = x509.NewCertPool()
				}
				cfg.RootCAs = pool
			}
			pem, err := os.ReadFile(path)
			if err != nil {
				return fmt.Errorf("reading CA certificate %s: %w", path, err)
			}
			if !cfg.RootCAs.AppendCertsFromPEM(pem) {
				return fmt.Errorf("reading CA certificate %s: no PEM certificate in it", path)
			}
		case ".cert":
			keyPath := strings.TrimSuffix(path, ".cert") + ".key"
			pair, err := tls.LoadX509KeyPair(path, keyPath)
			if err != nil {
				return fmt.Errorf("loading client certificate %s with key %s: %w", path, keyPath, err)
			}
			cfg.Certificates = append(cfg.Certificates, pair)
		case ".key":
			certPath := strings.TrimSuffix(path, ".key") + ".cert"
			if _, err := os.Stat(certPath); err != nil {
				return fmt.Errorf("client key %s has no certificate %s beside it", path, certPath)
			}
		}
	}
	return nil
}

// newClient returns the HTTP client of one verification against the
// registry at host (and the token server it names): TLS from docker's
// certs.d directories for host, certificate verification turned off with
// Insecure for host's own origin only, and redirects followed only within
// a request's origin (SameOriginRedirects).
func newClient(host string, opts Options) (*http.Client, error) {
	tc, err := tlsConfig(host, opts.CertDirs, false)
	if err != nil {
		return nil, err
	}
	verified := newTransport(tc, opts)
	var rt http.RoundTripper = verified
	if opts.Insecure {
		insecure := tc.Clone()
		insecure.InsecureSkipVerify = true //nolint:gosec // --insecure, for the registry only
		rt = &registryInsecure{registry: host, insecure: newTransport(insecure, opts), verified: verified}
	}
	return &http.Client{Transport: rt, Timeout: opts.timeout(), CheckRedirect: SameOriginRedirects(opts.Log)}, nil
}

// newTransport is a transport with tc and opts' proxy and timeouts.
func newTransport(tc *tls.Config, opts Options) *http.Transport {
	timeout := opts.timeout()
	tr := &http.Transport{
		Proxy:                 opts.Proxy,
		DialContext:           (&net.Dialer{Timeout: timeout}).DialContext,
		TLSClientConfig:       tc,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		ForceAttemptHTTP2:     true,
		MaxIdleConnsPerHost:   2,
	}
	if opts.dial != nil {
		tr.DialContext = opts.dial
	}
	return tr
}

// registryInsecure sends requests for the registry's own host and port
// over a transport that does not verify certificates (Insecure), and every
// other request, to a token server above all, over one that does.
type registryInsecure struct {
	registry           string
	insecure, verified *http.Transport
}

func (t *registryInsecure) RoundTrip(req *http.Request) (*http.Response, error) {
	if onHost(req.URL, t.registry) {
		return t.insecure.RoundTrip(req)
	}
	return t.verified.RoundTrip(req)
}

// CloseIdleConnections closes both transports' idle connections.
func (t *registryInsecure) CloseIdleConnections() {
	t.insecure.CloseIdleConnections()
	t.verified.CloseIdleConnections()
}

// redact drops the query and user info of a URL string for messages.
func redact(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	if i := strings.Index(raw, "://"); i >= 0 {
		if at := strings.LastIndex(raw[i+3:], "@"); at >= 0 && !strings.Contains(raw[i+3:i+3+at], "/") {
			raw = raw[:i+3] + raw[i+3+at+1:]
		}
	}
	return raw
}

// isCertError reports whether err is a failure to verify the server's
// certificate (as opposed to a connection or protocol failure).
func isCertError(err error) bool {
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci)
}
