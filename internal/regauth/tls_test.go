package regauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regkey/regkey/auth"
)

var alice = auth.Credential{Username: "alice", Secret: alicePass}

// writeFile writes data to dir/name, creating dir.
func writeFile(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func certPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// newCA makes a CA and returns a function that issues client certificates
// from it (certificate PEM, key PEM).
func newCA(t *testing.T) (*x509.Certificate, func(cn string) ([]byte, []byte)) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	issue := func(cn string) ([]byte, []byte) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		leaf := &x509.Certificate{
			SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
		}
		d, err := x509.CreateCertificate(rand.Reader, leaf, ca, &k.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		kd, _ := x509.MarshalECPrivateKey(k)
		return certPEM(d), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd})
	}
	return ca, issue
}

// dialTo sends every connection to addr, so that a fake can be reached
// under a non-loopback name without DNS.
func dialTo(addr string) func(ctx context.Context, network, _ string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
}

func TestVerifyTLSCertsDir(t *testing.T) {
	t.Parallel()
	f := (&fake{mode: "basic", user: "alice", pass: alicePass}).start(t, true)
	missing := filepath.Join(t.TempDir(), "none")
	etc, home := t.TempDir(), t.TempDir()

	// Untrusted: no fallback to plain HTTP even though the host is loopback.
	_, err := Verify(context.Background(), f.host(), alice, Options{CertDirs: []string{missing, etc, home}})
	if !errors.Is(err, ErrCertificate) {
		t.Fatalf("Verify() with an unknown CA: error = %v, want ErrCertificate", err)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("the fake saw %d requests, want none (no plain-HTTP fallback after a certificate error)", n)
	}

	writeFile(t, filepath.Join(home, f.host()), "ca.crt", certPEM(f.srv.Certificate().Raw))
	got, err := Verify(context.Background(), f.host(), alice, Options{CertDirs: []string{missing, etc, home}})
	if err != nil {
		t.Fatalf("Verify() with the CA in certs.d: %v", err)
	}
	if want := "https://" + f.host() + "/v2/"; got.Endpoint != want || got.Method != MethodBasic {
		t.Errorf("Verify() = %+v, want basic on %s", got, want)
	}

	// Insecure skips verification without any CA.
	if _, err := Verify(context.Background(), f.host(), alice, Options{Insecure: true}); err != nil {
		t.Errorf("Verify() with Insecure: %v", err)
	}
}

func TestVerifyTLSClientCert(t *testing.T) {
	t.Parallel()
	ca, issue := newCA(t)
	f := &fake{mode: "basic", user: "alice", pass: alicePass}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	f.srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)

	dir := t.TempDir()
	hostDir := filepath.Join(dir, f.host())
	writeFile(t, hostDir, "ca.crt", certPEM(f.srv.Certificate().Raw))
	if _, err := Verify(context.Background(), f.host(), alice, Options{CertDirs: []string{dir}}); err == nil {
		t.Fatal("Verify() without a client certificate succeeded")
	}
	cert, key := issue("regkey-test")
	writeFile(t, hostDir, "client.cert", cert)
	writeFile(t, hostDir, "client.key", key)
	if _, err := Verify(context.Background(), f.host(), alice, Options{CertDirs: []string{dir}}); err != nil {
		t.Fatalf("Verify() with client.cert/client.key: %v", err)
	}
}

func TestTLSConfigBadCertDirs(t *testing.T) {
	t.Parallel()
	_, issue := newCA(t)
	cert, key := issue("x")
	tests := map[string]map[string][]byte{
		"cert without key": {"client.cert": cert},
		"key without cert": {"client.key": key},
		"crt not PEM":      {"ca.crt": []byte("not a certificate")},
		"mismatched pair":  {"a.cert": cert, "a.key": func() []byte { _, k := issue("y"); return k }()},
	}
	for name, files := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for n, data := range files {
				writeFile(t, filepath.Join(dir, "h:5000"), n, data)
			}
			if _, err := tlsConfig("h:5000", []string{dir}, false); err == nil {
				t.Errorf("tlsConfig() accepted %v", name)
			}
		})
	}
	// Other files (README, docker's ca.pem is not read) are ignored.
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "h"), "README", []byte("x"))
	if cfg, err := tlsConfig("h", []string{dir}, false); err != nil || cfg.RootCAs != nil || len(cfg.Certificates) != 0 {
		t.Errorf("tlsConfig() with unrelated files = %v, %v", cfg, err)
	}
}

func TestVerifyPlainHTTPNeedsLoopbackOrInsecure(t *testing.T) {
	t.Parallel()
	f := (&fake{mode: "basic", user: "alice", pass: alicePass}).start(t, false)
	dial := dialTo(f.srv.Listener.Addr().String())

	_, err := Verify(context.Background(), "registry.example.com:5000", alice, Options{dial: dial})
	if !errors.Is(err, ErrPlainHTTP) {
		t.Errorf("Verify() of a plain-HTTP non-loopback registry: error = %v, want ErrPlainHTTP", err)
	}
	got, err := Verify(context.Background(), "registry.example.com:5000", alice, Options{dial: dial, Insecure: true})
	if err != nil || got.Endpoint != "http://registry.example.com:5000/v2/" {
		t.Errorf("Verify() with Insecure = %+v, %v; want success over http", got, err)
	}
}

func TestVerifyRefusesPlainHTTPRealm(t *testing.T) {
	t.Parallel()
	f := (&fake{mode: "bearer", user: "alice", pass: alicePass,
		challenge: []string{`Bearer realm="http://auth.example.com/token",service="s"`}}).start(t, true)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "example.com"), "ca.crt", certPEM(f.srv.Certificate().Raw))
	_, err := Verify(context.Background(), "example.com", alice,
		Options{dial: dialTo(f.srv.Listener.Addr().String()), CertDirs: []string{dir}})
	if err == nil || !strings.Contains(err.Error(), "plain-HTTP token server") {
		t.Errorf("Verify() with an http realm: error = %v, want a refusal", err)
	}
	for _, r := range f.requests() {
		if r.Path == "/token" {
			t.Errorf("credentials were sent to the plain-HTTP realm: %+v", r)
		}
	}
}

func TestVerifyRefusesDowngradeRedirect(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, "http://example.com/v2/", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	_, err := Verify(context.Background(), "example.com", alice,
		Options{dial: dialTo(srv.Listener.Addr().String()), Insecure: false, CertDirs: []string{certDir(t, "example.com", srv)}})
	if err == nil || !strings.Contains(err.Error(), "refusing redirect") {
		t.Errorf("Verify() error = %v, want a refused redirect", err)
	}
}

func certDir(t *testing.T, host string, srv *httptest.Server) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, host), "ca.crt", certPEM(srv.Certificate().Raw))
	return dir
}

func TestVerifyDockerHubUsesRegistry1(t *testing.T) {
	t.Parallel()
	f := (&fake{mode: "basic", user: "alice", pass: alicePass}).start(t, true)
	got, err := Verify(context.Background(), "https://index.docker.io/v1/", alice,
		Options{dial: dialTo(f.srv.Listener.Addr().String()), Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	if got.Host != auth.HubHost || got.Endpoint != "https://registry-1.docker.io/v2/" {
		t.Errorf("Verify(Hub) = %+v, want host docker.io at registry-1.docker.io", got)
	}
}
