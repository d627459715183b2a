package testenv

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// HostileToken is the access token a Hostile registry's token server and a
// Recorder's default handler issue.
const HostileToken = "hostile-access-token-5e1f"

// Hostile is a registry and its token server on loopback, in one Recorder,
// that answers one kind of request a login makes with a redirect, as an
// attacker's (or a misconfigured) registry would; every other request gets
// what a working registry answers, for any credentials. RedirectAt names
// the request:
//
//   - "ping": GET /v2/ without credentials
//   - "basic": GET /v2/ with Basic auth
//   - "token": any request to /token... (GET with Basic auth, or the OAuth2 POST)
//   - "bearer": GET /v2/ with a Bearer token
//   - "": none
type Hostile struct {
	// Bearer makes /v2/ challenge with Bearer realm="<Realm>"; else Basic.
	Bearer bool
	// Realm is the Bearer challenge's token server; "" means URL + "/token".
	Realm string
	// RedirectAt is the request answered with a redirect.
	RedirectAt string
	// Status is the redirect's status (307, 308, 302...).
	Status int
	// Location returns the redirect's target.
	Location func() string
	// Once redirects only the first such request.
	Once bool

	*Recorder
	mu         sync.Mutex
	redirected int
}

// Start starts h over plain HTTP, or HTTPS with tls (see
// Recorder.WriteCertsD), stopped when the test ends.
func (h *Hostile) Start(t testing.TB, tls bool) *Hostile {
	t.Helper()
	if tls {
		h.Recorder = NewTLSRecorder(t, http.HandlerFunc(h.serve))
	} else {
		h.Recorder = NewRecorder(t, http.HandlerFunc(h.serve))
	}
	return h
}

// Redirected returns how many redirects h answered.
func (h *Hostile) Redirected() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.redirected
}

func (h *Hostile) serve(w http.ResponseWriter, r *http.Request) {
	redirect := func(at string) bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.RedirectAt != at || (h.Once && h.redirected > 0) {
			return false
		}
		h.redirected++
		w.Header().Set("Location", h.Location())
		w.WriteHeader(h.Status)
		return true
	}
	authz := r.Header.Get("Authorization")
	switch {
	case strings.HasPrefix(r.URL.Path, "/token"):
		if !redirect("token") {
			writeToken(w)
		}
	case authz == "":
		if !redirect("ping") {
			challenge := `Basic realm="hostile"`
			if h.Bearer {
				realm := h.Realm
				if realm == "" {
					realm = h.URL + "/token"
				}
				challenge = `Bearer realm="` + realm + `",service="hostile"`
			}
			w.Header().Set("WWW-Authenticate", challenge)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`))
		}
	case strings.HasPrefix(authz, "Basic "):
		if !redirect("basic") {
			w.WriteHeader(http.StatusOK)
		}
	default:
		if !redirect("bearer") {
			w.WriteHeader(http.StatusOK)
		}
	}
}

// writeToken answers a token request with HostileToken in both spellings.
func writeToken(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"token":"` + HostileToken + `","access_token":"` + HostileToken + `"}`))
}

// LocalhostURL is u (a loopback URL such as a Recorder's) spelled with the
// name localhost: another host than 127.0.0.1 to Go's HTTP client and to
// docker, which drop the Authorization header on a redirect between them
// (though Go still re-sends a 307/308 body).
func LocalhostURL(u string) string {
	rest, ok := strings.CutPrefix(u, "http://")
	scheme := "http://"
	if !ok {
		rest, _ = strings.CutPrefix(u, "https://")
		scheme = "https://"
	}
	hostPort, path, _ := strings.Cut(rest, "/")
	_, port, err := net.SplitHostPort(hostPort)
	if err != nil {
		return u
	}
	out := scheme + "localhost:" + port
	if path != "" {
		out += "/" + path
	}
	return out
}
