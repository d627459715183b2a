package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regkey/regkey/internal/testenv"
)

// acrNullUser is the user name ACR pairs with a refresh token.
const acrNullUser = "00000000-0000-0000-0000-000000000000"

// fakeEntra is Entra ID (openid-configuration and token endpoint for one
// tenant and client secret) and ACR's /oauth2/exchange on one TLS server.
// The regkey binary reaches it through AZURE_AUTHORITY_HOST and trusts it
// through SSL_CERT_FILE; the exchange is reached through the rule's
// exchange_url, since the docker-registry serving /v2/ has no exchange.
type fakeEntra struct {
	t                        *testing.T
	srv                      *httptest.Server
	caFile                   string
	tenant, clientID, secret string
	service                  string // the registry host the exchange must name
	refresh                  string // what the exchange returns
	exchangeStatus           int

	mu                sync.Mutex
	issued            map[string]bool
	tokens, exchanges int
}

func newFakeEntra(t *testing.T, service, refresh string) *fakeEntra {
	t.Helper()
	f := &fakeEntra{
		t: t, tenant: "7f8e9d00-1111-2222-3333-444455556666", clientID: "c1d2e3f4-0000-0000-0000-000000000001",
		secret: "e2e-client-secret-" + service, service: service, refresh: refresh, issued: map[string]bool{},
	}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	f.caFile = filepath.Join(t.TempDir(), "ca.pem")
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.srv.Certificate().Raw})
	if err := os.WriteFile(f.caFile, ca, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fakeEntra) counts() (tokens, exchanges int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokens, f.exchanges
}

func (f *fakeEntra) serve(w http.ResponseWriter, r *http.Request) {
	base := f.srv.URL + "/" + f.tenant
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	switch r.URL.Path {
	case "/" + f.tenant + "/v2.0/.well-known/openid-configuration":
		reply(200, map[string]string{"issuer": base + "/v2.0", "token_endpoint": base + "/oauth2/v2.0/token",
			"authorization_endpoint": base + "/oauth2/v2.0/authorize"})
	case "/" + f.tenant + "/oauth2/v2.0/token":
		_ = r.ParseForm()
		scope := strings.Fields(r.PostForm.Get("scope"))
		if len(scope) == 0 || scope[0] != "https://containerregistry.azure.net/.default" ||
			r.PostForm.Get("client_id") != f.clientID || r.PostForm.Get("client_secret") != f.secret {
			f.t.Errorf("fake Entra: unexpected token request (scope %v)", scope)
			reply(401, map[string]string{"error": "invalid_client"})
			return
		}
		tok := "aad-" + randomToken(f.t)
		f.mu.Lock()
		f.tokens++
		f.issued[tok] = true
		f.mu.Unlock()
		reply(200, map[string]any{"token_type": "Bearer", "expires_in": 3599, "access_token": tok})
	case "/oauth2/exchange":
		_ = r.ParseForm()
		f.mu.Lock()
		f.exchanges++
		known := f.issued[r.PostForm.Get("access_token")]
		f.mu.Unlock()
		if r.PostForm.Get("grant_type") != "access_token" || r.PostForm.Get("service") != f.service ||
			r.PostForm.Get("tenant") != f.tenant || !known {
			f.t.Errorf("fake ACR: unexpected exchange: grant %q service %q tenant %q known %v",
				r.PostForm.Get("grant_type"), r.PostForm.Get("service"), r.PostForm.Get("tenant"), known)
			reply(401, map[string]any{"errors": []map[string]string{{"code": "UNAUTHORIZED", "message": "bad exchange"}}})
			return
		}
		if f.exchangeStatus != 0 {
			reply(f.exchangeStatus, map[string]any{"errors": []map[string]string{{"code": "UNAUTHORIZED", "message": "no access to this registry"}}})
			return
		}
		reply(200, map[string]string{"refresh_token": f.refresh})
	default:
		http.NotFound(w, r)
	}
}

// shortRefreshJWT is an unsigned JWT short enough for bcrypt (72 bytes),
// expiring in three hours, like an ACR refresh token.
func shortRefreshJWT(t *testing.T) string {
	exp, _ := json.Marshal(map[string]int64{"exp": time.Now().Add(3 * time.Hour).Unix()})
	tok := "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString(exp) + "." + randomToken(t)[:8]
	if len(tok) > 72 {
		t.Fatalf("refresh token %d bytes, too long for bcrypt", len(tok))
	}
	return tok
}

// randomToken returns 16 random hex digits.
func randomToken(t *testing.T) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// routeToACR sends host to the acr provider with the fake's exchange, and
// puts the client secret environment in place.
func routeToACR(t *testing.T, c *testenv.Client, f *fakeEntra, host string, withIdentity bool) {
	t.Helper()
	path := filepath.Join(c.Dir, "regkey-config.yaml")
	yaml := "registries:\n  - match: \"" + host + "\"\n    provider: acr\n    exchange_url: " + f.srv.URL + "/oauth2/exchange\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c.Setenv("REGKEY_CONFIG", path)
	c.Setenv("AZURE_AUTHORITY_HOST", f.srv.URL)
	c.Setenv("SSL_CERT_FILE", f.caFile)
	if withIdentity {
		c.Setenv("AZURE_TENANT_ID", f.tenant)
		c.Setenv("AZURE_CLIENT_ID", f.clientID)
		c.Setenv("AZURE_CLIENT_SECRET", f.secret)
	}
}

// TestACR: the built binary gets an Entra token from the fake with a client
// secret, exchanges it for an ACR refresh token, and skopeo reads a private
// image from a real docker-registry whose htpasswd holds the null-GUID user
// and that refresh token. A second get is served from the token cache.
func TestACR(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "skopeo")
	refresh := shortRefreshJWT(t)
	r := testenv.NewRegistry(t, testenv.RegistryOptions{User: acrNullUser, Password: refresh})
	img := testenv.NewImage(t, "v1")
	ref := r.Push(t, img, "team/app:v1")

	t.Run("client secret", func(t *testing.T) {
		t.Parallel()
		f := newFakeEntra(t, r.Host, refresh)
		c := newProviderClient(t)
		useCredHelper(t, c, r.Host)
		routeToACR(t, c, f, r.Host, true)
		if d, res := skopeoInspect(t, c, ref); d != img.Digest {
			t.Fatalf("skopeo inspect: digest %q, want %s\nstderr: %s", d, img.Digest, res.Stderr)
		}
		got, ok := helperGet(t, c, r.Host)
		if !ok || got.Username != acrNullUser || got.Secret != refresh {
			t.Errorf("get %s = %q/%.10q..., %v; want the null GUID and the refresh token", r.Host, got.Username, got.Secret, ok)
		}
		if tokens, exchanges := f.counts(); tokens != 1 || exchanges != 1 {
			t.Errorf("Entra tokens %d, exchanges %d; want 1 each (the second get from the cache)", tokens, exchanges)
		}
		assertNoPlaintext(t, c, f.secret)
	})

	t.Run("exchange refused", func(t *testing.T) {
		t.Parallel()
		f := newFakeEntra(t, r.Host, refresh)
		f.exchangeStatus = http.StatusUnauthorized
		c := newProviderClient(t)
		routeToACR(t, c, f, r.Host, true)
		res := c.Run(t, []byte(r.Host), testenv.HelperName, "get")
		out := res.Stdout + res.Stderr
		if res.ExitCode != 1 || strings.Contains(res.Stdout, notFound) {
			t.Fatalf("get: exit %d, stdout %q; want exit 1 with an error", res.ExitCode, res.Stdout)
		}
		for _, want := range []string{"acr", r.Host, "401"} {
			if !strings.Contains(res.Stdout, want) {
				t.Errorf("get stdout %q does not mention %q", res.Stdout, want)
			}
		}
		if strings.Contains(out, f.secret) || strings.Contains(out, "aad-") {
			t.Errorf("a secret leaked into the output: %q", out)
		}
	})

	t.Run("no identity", func(t *testing.T) {
		t.Parallel()
		f := newFakeEntra(t, r.Host, refresh)
		c := newProviderClient(t)
		routeToACR(t, c, f, r.Host, false)
		res := getKey(t, c, r.Host)
		assertNotFoundSaysWhy(t, res, "acr")
		if !strings.Contains(res.Stderr, "AZURE_CLIENT_ID") {
			t.Errorf("stderr %q: want a hint saying what to set", res.Stderr)
		}
	})
}
