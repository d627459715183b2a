package testenv

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// CA is a throwaway certificate authority made for one test. Clients trust
// it through CertFile (SSL_CERT_FILE for Go programs, --cacert for curl) or
// CertDir (skopeo and podman --cert-dir, docker's certs.d layout).
type CA struct {
	// CertFile is the PEM file holding the CA certificate.
	CertFile string
	// CertDir is a directory holding the CA certificate as ca.crt.
	CertDir string

	cert *x509.Certificate
	key  crypto.Signer
}

// NewCA makes a CA whose files live in a test temp dir.
func NewCA(t testing.TB) *CA {
	t.Helper()
	key := newECKey(t)
	der := selfSigned(t, "regkey testenv CA", x509.KeyUsageCertSign|x509.KeyUsageCRLSign, key)
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("parsing CA certificate: %v", err)
	}
	dir := t.TempDir()
	ca := &CA{CertFile: filepath.Join(dir, "ca.pem"), CertDir: filepath.Join(dir, "certs.d"), cert: cert, key: key}
	writePEM(t, ca.CertFile, "CERTIFICATE", der)
	if err := os.Mkdir(ca.CertDir, 0o700); err != nil {
		t.Fatalf("creating CA dir: %v", err)
	}
	writePEM(t, filepath.Join(ca.CertDir, "ca.crt"), "CERTIFICATE", der)
	return ca
}

// Pool returns a certificate pool holding only the CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// IssueServer writes a server certificate and key signed by the CA into dir
// and returns their paths. The certificate names 127.0.0.1, ::1 and
// localhost.
func (ca *CA) IssueServer(t testing.TB, dir string) (certFile, keyFile string) {
	t.Helper()
	key := newECKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: serial(t),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		t.Fatalf("creating server certificate: %v", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("encoding server key: %v", err)
	}
	certFile, keyFile = filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "PRIVATE KEY", keyDER)
	return certFile, keyFile
}

// selfSigned returns the DER of a self-signed CA certificate for key, valid
// from an hour ago for a day.
func selfSigned(t testing.TB, commonName string, usage x509.KeyUsage, key crypto.Signer) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              usage,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatalf("creating certificate %q: %v", commonName, err)
	}
	return der
}

func newECKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generating key: %v", err)
	}
	return key
}

func serial(t testing.TB) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		t.Fatalf("generating serial: %v", err)
	}
	return n
}

func writePEM(t testing.TB, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatalf("writing %s: %v", path, err)
	}
}
