package acr

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/providers"
)

// deadProxy is where every non-loopback request of a test goes: nothing
// listens there, so nothing leaves the machine.
const deadProxy = "http://127.0.0.1:9"

// baseEnv points azidentity at the fake's authority and every proxy at a
// dead port.
func baseEnv(f *fakeAzure) map[string]string {
	return map[string]string{
		"AZURE_AUTHORITY_HOST": f.srv.URL,
		"HTTPS_PROXY":          deadProxy,
		"HTTP_PROXY":           deadProxy,
		"NO_PROXY":             "127.0.0.1,localhost",
	}
}

// testProvider builds the provider with a transport that trusts the fake's
// certificate and sends IMDS (169.254.169.254) to the fake's plain server
// and any other non-loopback host to a dead proxy.
func testProvider(t *testing.T, f *fakeAzure, env, opts map[string]string) *provider {
	t.Helper()
	pv, err := New(env, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	p := pv.(*provider)
	tr := f.srv.Client().Transport.(*http.Transport).Clone()
	imds, _ := url.Parse(f.plain.URL)
	dead, _ := url.Parse(deadProxy)
	tr.Proxy = func(r *http.Request) (*url.URL, error) {
		switch r.URL.Hostname() {
		case "127.0.0.1", "localhost":
			return nil, nil
		case "169.254.169.254":
			return imds, nil
		}
		return dead, nil
	}
	p.transport = tr
	return p
}

func registryKey(t *testing.T, f *fakeAzure) auth.Key {
	t.Helper()
	k, err := auth.ParseKey(f.host())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// checkToken checks the answer is the fake's refresh token for the null GUID.
func checkToken(t *testing.T, f *fakeAzure, tok providers.Token) {
	t.Helper()
	if tok.Username != nullUser || tok.Secret != f.refresh {
		t.Errorf("got user %q secret %.12q..., want %q and the fake's refresh token", tok.Username, tok.Secret, nullUser)
	}
	if d := time.Until(tok.Expires); d < 2*time.Hour || d > 3*time.Hour+time.Minute {
		t.Errorf("Expires in %v, want the refresh token's exp (~3h)", d)
	}
}

func TestGetClientSecret(t *testing.T) {
	t.Parallel()
	f := newFakeAzure(t)
	env := baseEnv(f)
	env["AZURE_TENANT_ID"], env["AZURE_CLIENT_ID"], env["AZURE_CLIENT_SECRET"] = f.tenant, f.clientID, f.secret
	p := testProvider(t, f, env, nil)
	if p.kind != kindSecret {
		t.Fatalf("kind %q, want secret", p.kind)
	}
	tok, err := p.Get(context.Background(), registryKey(t, f))
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	checkToken(t, f, tok)
	want := []string{
		"GET /" + f.tenant + "/v2.0/.well-known/openid-configuration",
		"POST /" + f.tenant + "/oauth2/v2.0/token",
		"POST /oauth2/exchange",
	}
	if got := f.log(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestGetSovereignScope(t *testing.T) {
	t.Parallel()
	f := newFakeAzure(t)
	f.scope = "https://containerregistry.azure.us/.default"
	env := baseEnv(f)
	env["AZURE_CLIENT_SECRET"] = f.secret
	opts := map[string]string{optCloud: "usgovernment", optTenantID: f.tenant, optClientID: f.clientID}
	tok, err := testProvider(t, f, env, opts).Get(context.Background(), registryKey(t, f))
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	checkToken(t, f, tok)
}

func TestGetWorkloadIdentity(t *testing.T) {
	t.Parallel()
	f := newFakeAzure(t)
	f.secret = ""
	f.assert = makeJWT(map[string]any{"sub": "system:serviceaccount:ns:sa", "n": randHex(t, 4)})
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(f.assert), 0o600); err != nil {
		t.Fatal(err)
	}
	env := baseEnv(f)
	env["AZURE_TENANT_ID"], env["AZURE_CLIENT_ID"], env["AZURE_FEDERATED_TOKEN_FILE"] = f.tenant, f.clientID, file
	p := testProvider(t, f, env, nil)
	if p.kind != kindWorkload {
		t.Fatalf("kind %q, want workload", p.kind)
	}
	tok, err := p.Get(context.Background(), registryKey(t, f))
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	checkToken(t, f, tok)
}

func TestGetClientCertificate(t *testing.T) {
	t.Parallel()
	f := newFakeAzure(t)
	f.secret = ""
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "regkey-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	f.cert, _ = x509.ParseCertificate(der)
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	pemData := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})...)
	file := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(file, pemData, 0o600); err != nil {
		t.Fatal(err)
	}
	env := baseEnv(f)
	env["AZURE_TENANT_ID"], env["AZURE_CLIENT_ID"], env["AZURE_CLIENT_CERTIFICATE_PATH"] = f.tenant, f.clientID, file
	tok, err := testProvider(t, f, env, map[string]string{optCredential: "env"}).Get(context.Background(), registryKey(t, f))
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	checkToken(t, f, tok)
}

func TestGetManagedIdentityAppService(t *testing.T) {
	f := newFakeAzure(t)
	// MSAL reads these from the process, and caches managed identity tokens
	// process-wide per identity: a fresh client ID per test keeps another
	// test's token out (TESTING-AZURE.md F8).
	t.Setenv("IDENTITY_ENDPOINT", f.srv.URL+"/msi/token")
	t.Setenv("IDENTITY_HEADER", f.miHeader)
	env := baseEnv(f)
	env["IDENTITY_ENDPOINT"], env["IDENTITY_HEADER"], env["AZURE_CLIENT_ID"] = f.srv.URL+"/msi/token", f.miHeader, f.clientID
	p := testProvider(t, f, env, nil)
	if p.kind != kindManaged {
		t.Fatalf("kind %q, want managed", p.kind)
	}
	tok, err := p.Get(context.Background(), registryKey(t, f))
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	checkToken(t, f, tok) // the exchange's tenant came from the token's tid claim
}

// TestGetManagedIdentityIMDS reaches IMDS (routed to the fake by the
// transport's proxy) both with azure_credential managed (no probe) and
// through DefaultAzureCredential (probe, then the token request).
func TestGetManagedIdentityIMDS(t *testing.T) {
	for _, credential := range []string{"managed", "default"} {
		t.Run(credential, func(t *testing.T) {
			f := newFakeAzure(t)
			isolateAzure(t, t.TempDir())
			env := baseEnv(f)
			delete(env, "AZURE_AUTHORITY_HOST")
			// A fresh identity per run keeps MSAL's process-wide managed
			// identity cache out (F8); DefaultAzureCredential reads it from
			// the process.
			env["AZURE_CLIENT_ID"] = f.clientID
			t.Setenv("AZURE_CLIENT_ID", f.clientID)
			p := testProvider(t, f, env, map[string]string{optCredential: credential})
			tok, err := p.Get(context.Background(), registryKey(t, f))
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			checkToken(t, f, tok)
			if credential == "default" && len(f.log()) != 3 {
				t.Errorf("requests %v, want probe, token, exchange", f.log())
			}
		})
	}
}

func TestGetExchangeUnauthorized(t *testing.T) {
	t.Parallel()
	f := newFakeAzure(t)
	f.exchangeStatus = http.StatusUnauthorized
	env := baseEnv(f)
	env["AZURE_TENANT_ID"], env["AZURE_CLIENT_ID"], env["AZURE_CLIENT_SECRET"] = f.tenant, f.clientID, f.secret
	_, err := testProvider(t, f, env, nil).Get(context.Background(), registryKey(t, f))
	if err == nil {
		t.Fatal("Get succeeded, want an error")
	}
	if n := countRequests(f, "POST /oauth2/exchange"); n != 1 {
		t.Errorf("%d exchange requests, want 1 (a 401 is not retried): %v", n, f.log())
	}
	msg := err.Error()
	for _, want := range []string{"acr", f.host(), "401", "UNAUTHORIZED"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if errors.Is(err, providers.ErrNoCredentials) {
		t.Errorf("error %q wraps ErrNoCredentials; a refused identity is a failure", msg)
	}
	checkNoSecret(t, msg, f.secret)
}

func TestGetTokenEndpointDenies(t *testing.T) {
	t.Parallel()
	f := newFakeAzure(t)
	env := baseEnv(f)
	env["AZURE_TENANT_ID"], env["AZURE_CLIENT_ID"], env["AZURE_CLIENT_SECRET"] = f.tenant, f.clientID, "wrong-"+f.secret
	_, err := testProvider(t, f, env, nil).Get(context.Background(), registryKey(t, f))
	if err == nil {
		t.Fatal("Get succeeded, want an error")
	}
	if n := countRequests(f, "POST /"+f.tenant+"/oauth2/v2.0/token"); n != 1 {
		t.Errorf("%d token requests, want 1 (a 401 is not retried): %v", n, f.log())
	}
	msg := err.Error()
	if errors.Is(err, providers.ErrNoCredentials) || strings.Contains(msg, "\n") {
		t.Errorf("error %q: want one line, not ErrNoCredentials", msg)
	}
	for _, want := range []string{"acr " + f.host(), "secret credential", "AADSTS7000215"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	checkNoSecret(t, msg, "wrong-"+f.secret)
	for _, r := range f.log() {
		if strings.Contains(r, "exchange") {
			t.Errorf("exchange called after Entra refused: %v", f.log())
		}
	}
}

// countRequests counts the fake's requests equal to req ("METHOD /path").
func countRequests(f *fakeAzure, req string) int {
	n := 0
	for _, r := range f.log() {
		if r == req {
			n++
		}
	}
	return n
}

// TestGetExchangeTimeout: an exchange endpoint that never answers is ended
// by the caller's context, with an error naming the step. Canceling shows
// that it is the caller's context that ended it: the provider's own 20 s
// bound would say "deadline exceeded".
func TestGetExchangeTimeout(t *testing.T) {
	t.Parallel()
	f := newFakeAzure(t)
	f.exchangeHang = true
	env := baseEnv(f)
	env["AZURE_TENANT_ID"], env["AZURE_CLIENT_ID"], env["AZURE_CLIENT_SECRET"] = f.tenant, f.clientID, f.secret
	for _, tc := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"Deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), time.Second)
		}, context.DeadlineExceeded},
		{"Canceled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(time.Second, cancel)
			return ctx, cancel
		}, context.Canceled},
	} {
		ctx, cancel := tc.ctx()
		err := testenv.Returns(t, "Get with an exchange that never answers", func() error {
			_, err := testProvider(t, f, env, nil).Get(ctx, registryKey(t, f))
			return err
		})
		cancel()
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: Get error %v, want %v", tc.name, err, tc.want)
		}
		if !strings.Contains(fmt.Sprint(err), "exchanging") {
			t.Errorf("%s: error %q does not say which step timed out", tc.name, err)
		}
	}
}

func checkNoSecret(t *testing.T, msg string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			t.Errorf("error message contains a secret: %q", msg)
		}
	}
}

// unsetenv unsets k for the test and restores it after. azidentity treats
// a variable that is set but empty as set, so t.Setenv(k, "") is not enough.
func unsetenv(t *testing.T, k string) {
	t.Helper()
	t.Setenv(k, "")
	os.Unsetenv(k)
}
