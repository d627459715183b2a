package acr

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// fakeAzure is Entra ID, a managed identity endpoint and an ACR exchange
// endpoint on one loopback TLS server. Every handler checks what it
// receives the way the real service would, records it, and answers with
// tokens it remembers issuing, so the exchange can check that the token it
// gets is the one Entra issued.
type fakeAzure struct {
	t     *testing.T
	srv   *httptest.Server // TLS: Entra, App Service MI, exchange
	plain *httptest.Server // http: IMDS, reached as a proxy

	tenant   string
	clientID string
	secret   string            // client secret, or "" to refuse secrets
	assert   string            // expected client_assertion (workload identity), or ""
	cert     *x509.Certificate // signer of certificate assertions, or nil
	miHeader string            // expected X-IDENTITY-HEADER
	scope    string            // expected scope, e.g. https://containerregistry.azure.net/.default

	exchangeStatus int           // 0 = 200
	exchangeHang   bool          // never answer the exchange
	hang           chan struct{} // closed when the test ends: hanging handlers return
	refresh        string        // the refresh token the exchange returns

	mu       sync.Mutex
	issued   map[string]bool
	requests []string
}

func newFakeAzure(t *testing.T) *fakeAzure {
	t.Helper()
	f := &fakeAzure{
		t:        t,
		tenant:   "11111111-2222-3333-4444-555555555555",
		clientID: "aaaaaaaa-0000-0000-0000-" + randHex(t, 6),
		secret:   "s3cret-" + randHex(t, 8),
		miHeader: "mi-header-" + randHex(t, 4),
		scope:    "https://containerregistry.azure.net/.default",
		issued:   map[string]bool{},
		hang:     make(chan struct{}),
	}
	f.refresh = makeJWT(map[string]any{"exp": time.Now().Add(3 * time.Hour).Unix(), "jti": randHex(t, 8)})
	f.srv = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	f.plain = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.plain.Close)
	t.Cleanup(func() { close(f.hang) }) // before the servers close: they wait for handlers
	return f
}

// host is the fake's host:port, which also serves as the registry.
func (f *fakeAzure) host() string { return strings.TrimPrefix(f.srv.URL, "https://") }

func (f *fakeAzure) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

func (f *fakeAzure) issue() string {
	tok := makeJWT(map[string]any{"tid": f.tenant, "aud": "https://containerregistry.azure.net", "n": randHex(f.t, 8)})
	f.mu.Lock()
	f.issued[tok] = true
	f.mu.Unlock()
	return tok
}

func (f *fakeAzure) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	f.mu.Unlock()
	base := f.srv.URL + "/" + f.tenant
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/"+f.tenant+"/v2.0/.well-known/openid-configuration":
		writeJSON(w, 200, map[string]string{
			"issuer":                 base + "/v2.0",
			"token_endpoint":         base + "/oauth2/v2.0/token",
			"authorization_endpoint": base + "/oauth2/v2.0/authorize",
		})
	case r.Method == http.MethodPost && r.URL.Path == "/"+f.tenant+"/oauth2/v2.0/token":
		f.token(w, r)
	case r.Method == http.MethodGet && r.URL.Path == "/msi/token":
		f.managed(w, r, "X-IDENTITY-HEADER", f.miHeader)
	case r.Method == http.MethodGet && r.URL.Path == "/metadata/identity/oauth2/token":
		f.managed(w, r, "Metadata", "true")
	case r.Method == http.MethodPost && r.URL.Path == "/oauth2/exchange":
		f.exchange(w, r)
	default:
		http.Error(w, "unexpected request", http.StatusNotFound)
	}
}

// token is the Entra token endpoint for client credentials.
func (f *fakeAzure) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	fail := func(msg string) {
		f.t.Errorf("token endpoint: %s (form keys %v)", msg, keys(r.PostForm))
		writeJSON(w, 401, map[string]string{"error": "invalid_client", "error_description": msg})
	}
	// MSAL appends "openid offline_access profile" to the requested scope.
	if scopes := strings.Fields(r.PostForm.Get("scope")); len(scopes) == 0 || scopes[0] != f.scope {
		fail("scope " + r.PostForm.Get("scope"))
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("client_id") != f.clientID {
		fail("grant or client")
		return
	}
	switch {
	case r.PostForm.Get("client_secret") != "":
		if f.secret == "" || r.PostForm.Get("client_secret") != f.secret {
			writeJSON(w, 401, map[string]string{"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."})
			return
		}
	case r.PostForm.Get("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
		if !f.assertionOK(r.PostForm.Get("client_assertion")) {
			fail("bad client_assertion")
			return
		}
	default:
		fail("no client authentication")
		return
	}
	writeJSON(w, 200, map[string]any{"token_type": "Bearer", "expires_in": 3599, "access_token": f.issue()})
}

// assertionOK accepts the workload identity file's content verbatim, or a
// JWT signed by the registered certificate's key for this client.
func (f *fakeAzure) assertionOK(a string) bool {
	if f.assert != "" {
		return a == f.assert
	}
	if f.cert == nil {
		return false
	}
	tok, err := jwt.Parse(a, func(*jwt.Token) (any, error) { return f.cert.PublicKey, nil },
		jwt.WithAudience(f.srv.URL+"/"+f.tenant+"/oauth2/v2.0/token"), jwt.WithIssuer(f.clientID))
	return err == nil && tok.Valid
}

// managed is a managed identity endpoint (App Service or IMDS), which wants
// header set to value.
func (f *fakeAzure) managed(w http.ResponseWriter, r *http.Request, header, value string) {
	q := r.URL.Query()
	if header == "Metadata" && r.Header.Get(header) == "" && len(q) == 0 {
		// DefaultAzureCredential's probe; IMDS answers it like this.
		writeJSON(w, 400, map[string]string{"error": "invalid_request", "error_description": "Required metadata header not specified"})
		return
	}
	if r.Header.Get(header) != value || q.Get("api-version") == "" ||
		q.Get("resource") != strings.TrimSuffix(f.scope, "/.default") {
		f.t.Errorf("managed identity: header %s=%q query %v", header, r.Header.Get(header), q)
		writeJSON(w, 400, map[string]string{"error": "invalid_request"})
		return
	}
	writeJSON(w, 200, map[string]string{
		"access_token": f.issue(), "token_type": "Bearer", "resource": q.Get("resource"),
		"expires_on": strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10),
	})
}

// exchange is ACR's /oauth2/exchange.
func (f *fakeAzure) exchange(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		f.t.Errorf("exchange: content type %q", ct)
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	if f.exchangeHang {
		// The body is read, so the server notices the client hanging up.
		select {
		case <-f.hang:
		case <-r.Context().Done():
		}
		return
	}
	form := r.PostForm
	f.mu.Lock()
	known := f.issued[form.Get("access_token")]
	f.mu.Unlock()
	if form.Get("grant_type") != "access_token" || form.Get("service") != f.host() ||
		form.Get("tenant") != f.tenant || !known {
		f.t.Errorf("exchange: grant %q service %q tenant %q known token %v",
			form.Get("grant_type"), form.Get("service"), form.Get("tenant"), known)
		writeJSON(w, 401, map[string]any{"errors": []map[string]string{{"code": "UNAUTHORIZED", "message": "bad exchange"}}})
		return
	}
	if f.exchangeStatus != 0 {
		writeJSON(w, f.exchangeStatus, map[string]any{"errors": []map[string]string{{"code": "UNAUTHORIZED", "message": "the identity has no access to this registry"}}})
		return
	}
	writeJSON(w, 200, map[string]string{"refresh_token": f.refresh})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// makeJWT builds an unsigned JWT-shaped token carrying claims.
func makeJWT(claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]string{"alg": "none", "typ": "JWT"}) + "." + enc(claims) + ".c2ln"
}

func randHex(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func keys(v url.Values) []string {
	var out []string
	for k := range v {
		out = append(out, k)
	}
	return out
}
