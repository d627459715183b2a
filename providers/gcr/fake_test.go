package gcr

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// fakeGoogle is Google's OAuth2 token endpoint, STS, IAM Credentials and a
// metadata server. Token endpoints run on a TLS server (so a request that
// did not use regkey's client fails verification); the metadata server is
// plain HTTP like the real one. Every handler checks its input and answers
// with tokens it remembers issuing.
type fakeGoogle struct {
	t        *testing.T
	tls      *httptest.Server
	metadata *httptest.Server

	saEmail      string
	saKey        *rsa.PrivateKey
	clientID     string
	clientSecret string
	refreshToken string
	subjectToken string // external_account's credential source content
	audience     string
	target       string // service account to impersonate

	denyRefresh bool // answer refresh grants with invalid_grant

	mu       sync.Mutex
	issued   map[string]string // token -> who it was issued to
	requests []string
}

func newFakeGoogle(t *testing.T) *fakeGoogle {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeGoogle{
		t:            t,
		saEmail:      "builder@proj.iam.gserviceaccount.com",
		saKey:        key,
		clientID:     "client-" + randHex(t, 4) + ".apps.googleusercontent.com",
		clientSecret: "csecret-" + randHex(t, 6),
		refreshToken: "1//refresh-" + randHex(t, 8),
		subjectToken: "oidc-subject-" + randHex(t, 8),
		audience:     "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/ci/providers/gh",
		target:       "puller@proj.iam.gserviceaccount.com",
		issued:       map[string]string{},
	}
	f.tls = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.tls.Close)
	f.metadata = httptest.NewServer(http.HandlerFunc(f.serveMetadata))
	t.Cleanup(f.metadata.Close)
	return f
}

func (f *fakeGoogle) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

func (f *fakeGoogle) record(r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	f.mu.Unlock()
}

func (f *fakeGoogle) issue(who string) string {
	tok := "ya29." + who + "." + randHex(f.t, 8)
	f.mu.Lock()
	f.issued[tok] = who
	f.mu.Unlock()
	return tok
}

// owner returns whom tok was issued to, or "".
func (f *fakeGoogle) owner(tok string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.issued[tok]
}

func (f *fakeGoogle) serve(w http.ResponseWriter, r *http.Request) {
	f.record(r)
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/token":
		f.token(w, r)
	case r.Method == http.MethodPost && r.URL.Path == "/sts":
		f.sts(w, r)
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v1/projects/-/serviceAccounts/"):
		f.generate(w, r)
	default:
		http.Error(w, "unexpected", http.StatusNotFound)
	}
}

// token is oauth2.googleapis.com/token: JWT-bearer grants from service
// account keys and refresh-token grants from authorized_user files.
func (f *fakeGoogle) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "urn:ietf:params:oauth:grant-type:jwt-bearer":
		claims := jwt.MapClaims{}
		_, err := jwt.ParseWithClaims(r.PostForm.Get("assertion"), claims,
			func(*jwt.Token) (any, error) { return &f.saKey.PublicKey, nil },
			jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(f.tls.URL+"/token"), jwt.WithIssuer(f.saEmail))
		if err != nil || claims["scope"] != scope {
			f.t.Errorf("token: bad assertion: %v (scope %v)", err, claims["scope"])
			writeJSON(w, 400, map[string]string{"error": "invalid_grant"})
			return
		}
		writeJSON(w, 200, map[string]any{"access_token": f.issue("sa"), "token_type": "Bearer", "expires_in": 3599})
	case "refresh_token":
		if f.denyRefresh {
			writeJSON(w, 400, map[string]string{"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
			return
		}
		if r.PostForm.Get("refresh_token") != f.refreshToken || r.PostForm.Get("client_id") != f.clientID ||
			r.PostForm.Get("client_secret") != f.clientSecret {
			f.t.Errorf("token: bad refresh grant (form keys %v)", len(r.PostForm))
			writeJSON(w, 400, map[string]string{"error": "invalid_client"})
			return
		}
		writeJSON(w, 200, map[string]any{"access_token": f.issue("user"), "token_type": "Bearer", "expires_in": 3599})
	default:
		f.t.Errorf("token: grant_type %q", r.PostForm.Get("grant_type"))
		writeJSON(w, 400, map[string]string{"error": "unsupported_grant_type"})
	}
}

// sts is sts.googleapis.com/v1/token for workload identity federation.
func (f *fakeGoogle) sts(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	form := r.PostForm
	if form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:token-exchange" ||
		form.Get("subject_token") != f.subjectToken ||
		form.Get("subject_token_type") != "urn:ietf:params:oauth:token-type:jwt" ||
		form.Get("requested_token_type") != "urn:ietf:params:oauth:token-type:access_token" ||
		form.Get("audience") != f.audience || form.Get("scope") != scope {
		f.t.Errorf("sts: unexpected exchange %v", form)
		writeJSON(w, 400, map[string]string{"error": "invalid_request"})
		return
	}
	writeJSON(w, 200, map[string]any{"access_token": f.issue("federated"), "token_type": "Bearer",
		"issued_token_type": "urn:ietf:params:oauth:token-type:access_token", "expires_in": 3599})
}

// generate is IAM Credentials generateAccessToken.
func (f *fakeGoogle) generate(w http.ResponseWriter, r *http.Request) {
	want := "/v1/projects/-/serviceAccounts/" + f.target + ":generateAccessToken"
	base := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	var body struct {
		Scope    []string `json:"scope"`
		Lifetime string   `json:"lifetime"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	if r.URL.Path != want || f.owner(base) == "" || len(body.Scope) != 1 || body.Scope[0] != scope {
		f.t.Errorf("generateAccessToken: path %s, base token known %v, scope %v", r.URL.Path, f.owner(base) != "", body.Scope)
		writeJSON(w, 403, map[string]any{"error": map[string]string{"status": "PERMISSION_DENIED", "message": "denied"}})
		return
	}
	writeJSON(w, 200, map[string]string{
		"accessToken": f.issue("impersonated-by-" + f.owner(base)),
		"expireTime":  time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
	})
}

// serveMetadata is the GCE metadata server: it requires
// Metadata-Flavor: Google and says so in its answers.
func (f *fakeGoogle) serveMetadata(w http.ResponseWriter, r *http.Request) {
	f.record(r)
	w.Header().Set("Metadata-Flavor", "Google")
	if r.Header.Get("Metadata-Flavor") != "Google" {
		http.Error(w, "Missing Metadata-Flavor:Google header.", http.StatusForbidden)
		return
	}
	switch r.URL.Path {
	case "/":
		_, _ = w.Write([]byte("computeMetadata/\n"))
	case "/computeMetadata/v1/instance/service-accounts/default/token":
		if got := r.URL.Query().Get("scopes"); got != scope {
			f.t.Errorf("metadata: scopes %q", got)
		}
		writeJSON(w, 200, map[string]any{"access_token": f.issue("gce"), "expires_in": 3599, "token_type": "Bearer"})
	default:
		http.Error(w, "not found", http.StatusNotFound)
	}
}

// transport trusts the TLS fake and sends whatever dials the metadata
// server's fixed address to metadataAddr instead (a dead port, or the fake).
func (f *fakeGoogle) transport(metadataAddr string) *http.Transport {
	tr := f.tls.Client().Transport.(*http.Transport).Clone()
	tr.Proxy = nil
	d := &net.Dialer{Timeout: time.Second}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr == metadataIP+":80" {
			addr = metadataAddr
		}
		if h, _, _ := net.SplitHostPort(addr); h != "127.0.0.1" {
			f.t.Errorf("dial to non-loopback %s", addr)
			addr = deadAddr
		}
		return d.DialContext(ctx, network, addr)
	}
	return tr
}

// deadAddr is a loopback port nothing listens on.
const deadAddr = "127.0.0.1:9"

// files written by tests.

func (f *fakeGoogle) serviceAccountJSON(t *testing.T) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(f.saKey)
	if err != nil {
		t.Fatal(err)
	}
	return mustJSON(t, map[string]string{
		"type": "service_account", "project_id": "proj", "private_key_id": "kid1",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": f.saEmail, "client_id": "1234", "token_uri": f.tls.URL + "/token",
	})
}

func (f *fakeGoogle) authorizedUserJSON(t *testing.T) []byte {
	return mustJSON(t, map[string]string{
		"type": "authorized_user", "client_id": f.clientID, "client_secret": f.clientSecret,
		"refresh_token": f.refreshToken, "token_uri": f.tls.URL + "/token",
	})
}

func (f *fakeGoogle) externalAccountJSON(t *testing.T, dir string) []byte {
	src := filepath.Join(dir, "oidc-token")
	if err := os.WriteFile(src, []byte(f.subjectToken), 0o600); err != nil {
		t.Fatal(err)
	}
	return mustJSON(t, map[string]any{
		"type": "external_account", "audience": f.audience,
		"subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
		"token_url":          f.tls.URL + "/sts",
		"credential_source":  map[string]string{"file": src},
	})
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func randHex(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
