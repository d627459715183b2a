package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TokenServer is a registry token server following distribution's token
// authentication spec, for one test. It signs RS256 JWTs whose header carries
// the signing certificate (x5c), which docker-registry checks against the
// rootcertbundle CertFile. It answers:
//
//   - GET with Basic auth (docker, crane, skopeo, podman). With
//     offline_token=true the answer includes a refresh token, which makes
//     `docker login` store the identity token under the username "<token>".
//   - GET without auth: an anonymous token granting nothing.
//   - POST with grant_type=password or grant_type=refresh_token (the OAuth2
//     form docker and containers/image use once they hold an identity token).
//
// Every request is recorded without secrets; see Requests.
type TokenServer struct {
	// URL is the server's base URL. It uses the name localhost, not an IP
	// literal: crane and oras refuse IP-literal loopback realms unless they
	// equal the registry's host.
	URL string
	// Realm is the token endpoint (URL + "/token").
	Realm string
	// Service is the service name the registry announces and the audience
	// of the tokens.
	Service string
	// Issuer is the iss claim the registry expects.
	Issuer string
	// CertFile is the PEM signing certificate (registry auth.token.rootcertbundle).
	CertFile string

	user, password string
	refreshToken   string
	signer         *jwtSigner
	srv            *http.Server

	mu   sync.Mutex
	reqs []TokenRequest
}

// TokenRequest is one request the token server answered. It never holds a
// password, refresh token or issued token.
type TokenRequest struct {
	// Method is GET or POST.
	Method string
	// Grant is "password" (Basic auth or the password grant),
	// "refresh_token", "anonymous", or the unknown grant_type sent.
	Grant string
	// Account is the user name presented, if any.
	Account string
	// ClientID is the client_id parameter (docker sends "docker" at login and
	// "registry-client" with a refresh token).
	ClientID string
	// Service is the service parameter.
	Service string
	// Scopes are the scope parameters as sent.
	Scopes []string
	// Offline is true when a refresh token was asked for.
	Offline bool
	// Status is the HTTP status answered.
	Status int
}

// startTokenServer starts a token server on 127.0.0.1 accepting user and
// password, with its signing certificate written into dir.
func startTokenServer(t testing.TB, dir, user, password string) *TokenServer {
	t.Helper()
	signer := newJWTSigner(t)
	ts := &TokenServer{
		Service:      "regkey-test-registry",
		Issuer:       "regkey-testenv-issuer",
		CertFile:     filepath.Join(dir, "token-signer.pem"),
		user:         user,
		password:     password,
		refreshToken: "rt-" + randomHex(t, 16),
		signer:       signer,
	}
	writePEM(t, ts.CertFile, "CERTIFICATE", signer.certDER)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("token server listen: %v", err)
	}
	ts.URL = "http://" + hostPort("localhost", l.Addr().(*net.TCPAddr).Port)
	ts.Realm = ts.URL + "/token"
	mux := http.NewServeMux()
	mux.HandleFunc("/token", ts.serveToken)
	ts.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = ts.srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if err := ts.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = ts.srv.Close()
		}
	})
	return ts
}

// Requests returns a copy of every request answered so far, oldest first.
func (ts *TokenServer) Requests() []TokenRequest {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return slices.Clone(ts.reqs)
}

// Count returns how many answered requests match.
func (ts *TokenServer) Count(match func(TokenRequest) bool) int {
	n := 0
	for _, r := range ts.Requests() {
		if match(r) {
			n++
		}
	}
	return n
}

// RefreshGrants counts accepted POST refresh_token requests: the OAuth2
// flow clients use when they hold an identity token.
func (ts *TokenServer) RefreshGrants() int {
	return ts.Count(func(r TokenRequest) bool {
		return r.Method == http.MethodPost && r.Grant == "refresh_token" && r.Status == http.StatusOK
	})
}

func (ts *TokenServer) serveToken(w http.ResponseWriter, r *http.Request) {
	rec := TokenRequest{Method: r.Method}
	var password, refresh string
	var params map[string][]string
	switch r.Method {
	case http.MethodGet:
		params = r.URL.Query()
		user, pw, hasAuth := r.BasicAuth()
		rec.Grant, rec.Account, password = "anonymous", user, pw
		if hasAuth {
			rec.Grant = "password"
		}
		rec.Offline = first(params, "offline_token") == "true"
	case http.MethodPost:
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			ts.reply(w, &rec, http.StatusBadRequest, nil)
			return
		}
		params = r.PostForm
		rec.Grant, rec.Account = first(params, "grant_type"), first(params, "username")
		password, refresh = first(params, "password"), first(params, "refresh_token")
		rec.Offline = first(params, "access_type") == "offline"
	default:
		ts.reply(w, &rec, http.StatusMethodNotAllowed, nil)
		return
	}
	rec.ClientID, rec.Service, rec.Scopes = first(params, "client_id"), first(params, "service"), params["scope"]

	subject, ok := "", false
	switch rec.Grant {
	case "password":
		ok, subject = rec.Account == ts.user && password == ts.password, rec.Account
	case "refresh_token":
		ok, subject = refresh == ts.refreshToken, ts.user
	case "anonymous":
		ok = true
	}
	if !ok {
		ts.reply(w, &rec, http.StatusUnauthorized, nil)
		return
	}
	var grants []accessEntry
	if subject != "" {
		grants = parseScopes(rec.Scopes)
	}
	tok, err := ts.signer.sign(ts.Issuer, subject, rec.Service, grants)
	if err != nil {
		ts.reply(w, &rec, http.StatusInternalServerError, nil)
		return
	}
	body := map[string]any{
		"token":        tok,
		"access_token": tok,
		"expires_in":   300,
		"issued_at":    time.Now().UTC().Format(time.RFC3339),
	}
	if rec.Offline && subject != "" {
		body["refresh_token"] = ts.refreshToken
	}
	ts.reply(w, &rec, http.StatusOK, body)
}

// reply records rec with status and writes body (or the spec's error body).
func (ts *TokenServer) reply(w http.ResponseWriter, rec *TokenRequest, status int, body map[string]any) {
	rec.Status = status
	ts.mu.Lock()
	ts.reqs = append(ts.reqs, *rec)
	ts.mu.Unlock()
	if body == nil {
		body = map[string]any{"errors": []map[string]string{{
			"code": "UNAUTHORIZED", "message": http.StatusText(status),
		}}}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// accessEntry is one element of the JWT "access" claim.
type accessEntry struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

// parseScopes turns "repository:ns/img:pull,push" scopes into access
// entries. The name may itself hold a colon (a registry port), so the type
// is cut at the first colon and the actions at the last.
func parseScopes(scopes []string) []accessEntry {
	out := []accessEntry{}
	for _, s := range scopes {
		for _, one := range strings.Fields(s) {
			typ, rest, ok := strings.Cut(one, ":")
			i := strings.LastIndex(rest, ":")
			if !ok || i < 0 {
				continue
			}
			out = append(out, accessEntry{Type: typ, Name: rest[:i], Actions: strings.Split(rest[i+1:], ",")})
		}
	}
	return out
}

func first(params map[string][]string, key string) string {
	if v := params[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("reading random bytes: %v", err)
	}
	return hex.EncodeToString(b)
}
