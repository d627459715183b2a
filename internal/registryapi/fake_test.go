package registryapi

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// seen is one request a fake server received, whole: tests assert that no
// secret reached a server it does not belong to.
type seen struct {
	Method, Host, URL string
	Header            http.Header
	Body              string
}

// recorder keeps every request a server received.
type recorder struct {
	mu   sync.Mutex
	reqs []seen
}

func (rec *recorder) record(r *http.Request) string {
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.reqs = append(rec.reqs, seen{r.Method, r.Host, r.URL.String(), r.Header.Clone(), string(b)})
	return string(b)
}

func (rec *recorder) all() []seen {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]seen(nil), rec.reqs...)
}

// assertNoSecret fails if any request holds one of secrets anywhere: URL,
// any header, body.
func (rec *recorder) assertNoSecret(t *testing.T, secrets ...string) {
	t.Helper()
	for _, r := range rec.all() {
		text := fmt.Sprintf("%s %s %v %s", r.Method, r.URL, r.Header, r.Body)
		for _, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				t.Errorf("request %s %s carried a secret %q:\n%s", r.Method, r.URL, s, text)
			}
		}
		if r.Header.Get("Authorization") != "" || r.Header.Get("Cookie") != "" {
			t.Errorf("request %s %s carried Authorization %q, Cookie %q", r.Method, r.URL, r.Header.Get("Authorization"), r.Header.Get("Cookie"))
		}
	}
}

// newServer starts a loopback server (TLS or not) recording every request
// before handing it to h.
func newServer(t *testing.T, tls bool, h http.HandlerFunc) (*httptest.Server, *recorder) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := rec.record(r)
		r.Body = io.NopCloser(strings.NewReader(body))
		h(w, r)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // expected TLS failures
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv, rec
}

// hostOf is a server's host:port.
func hostOf(srv *httptest.Server) string {
	u, _ := url.Parse(srv.URL)
	return u.Host
}

// fakeRegistry is a registry with a Basic or a Bearer challenge (its token
// server is a second server), in front of a handler the test supplies.
// Tokens name their scopes, and the registry checks that the token covers
// the scope the request needs, answering 401 with that scope otherwise, as
// distribution does.
type fakeRegistry struct {
	user, pass, refresh string
	bearer              bool
	// need is the scope a request needs (default: Scopes of the request).
	need func(r *http.Request) string
	// handler answers authorised requests.
	handler http.HandlerFunc

	srv, tokenSrv *httptest.Server
	rec, tokenRec *recorder
}

func (f *fakeRegistry) start(t *testing.T) *fakeRegistry {
	t.Helper()
	if f.user == "" {
		f.user, f.pass = "alice", "s3cret-pw"
	}
	f.srv, f.rec = newServer(t, false, f.serve)
	f.tokenSrv, f.tokenRec = newServer(t, false, f.serveToken)
	return f
}

func (f *fakeRegistry) host() string { return hostOf(f.srv) }

func (f *fakeRegistry) url(t *testing.T, path string) *url.URL {
	t.Helper()
	u, err := url.Parse(f.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (f *fakeRegistry) required(r *http.Request) string {
	if f.need != nil {
		return f.need(r)
	}
	return strings.Join(Scopes(r.Method, r.URL.Path), " ")
}

func (f *fakeRegistry) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/storage/") {
		f.handler(w, r) // storage: no registry auth, as S3 checks its own signature
		return
	}
	need := f.required(r)
	if f.bearer {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if granted, ok := decodeToken(tok); ok && covers(granted, need) {
			f.handler(w, r)
			return
		}
		ch := fmt.Sprintf(`Bearer realm="%s/token",service="fake"`, f.tokenSrv.URL)
		if need != "" {
			ch += fmt.Sprintf(`,scope="%s"`, need)
		}
		w.Header().Set("WWW-Authenticate", ch)
	} else {
		if u, p, ok := r.BasicAuth(); ok && u == f.user && p == f.pass {
			f.handler(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="fake"`)
	}
	writeJSON(w, http.StatusUnauthorized, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
}

// serveToken issues a token naming the scopes asked for: GET with Basic
// auth (or anonymous: no scopes granted), POST refresh_token.
func (f *fakeRegistry) serveToken(w http.ResponseWriter, r *http.Request) {
	var scopes []string
	switch r.Method {
	case http.MethodGet:
		u, p, ok := r.BasicAuth()
		switch {
		case !ok:
			scopes = nil // anonymous: a token granting nothing
		case u == f.user && p == f.pass:
			scopes = r.URL.Query()["scope"]
		default:
			writeJSON(w, http.StatusUnauthorized, `{"errors":[{"code":"UNAUTHORIZED","message":"bad password for `+u+`"}]}`)
			return
		}
	case http.MethodPost:
		_ = r.ParseForm()
		if r.PostForm.Get("grant_type") != "refresh_token" || r.PostForm.Get("refresh_token") != f.refresh || f.refresh == "" {
			writeJSON(w, http.StatusBadRequest, `{"error":"invalid_grant"}`)
			return
		}
		scopes = strings.Fields(r.PostForm.Get("scope"))
	}
	b, _ := json.Marshal(map[string]any{"token": encodeToken(scopes), "expires_in": 300})
	writeJSON(w, http.StatusOK, string(b))
}

func encodeToken(scopes []string) string {
	return "tok-" + base64.RawURLEncoding.EncodeToString([]byte(strings.Join(scopes, " ")))
}

func decodeToken(tok string) ([]string, bool) {
	rest, ok := strings.CutPrefix(tok, "tok-")
	if !ok {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return nil, false
	}
	return strings.Fields(string(b)), true
}

// covers reports whether granted scopes include every action of need.
func covers(granted []string, need string) bool {
	if need == "" {
		return true
	}
	merged := MergeScopes(granted, nil)
	for _, n := range MergeScopes(strings.Fields(need), nil) {
		typ, rest, _ := strings.Cut(n, ":")
		i := strings.LastIndex(rest, ":")
		res, acts := typ+":"+rest[:i], strings.Split(rest[i+1:], ",")
		ok := false
		for _, g := range merged {
			if strings.HasPrefix(g, res+":") {
				have := strings.Split(strings.TrimPrefix(g, res+":"), ",")
				ok = true
				for _, a := range acts {
					if !contains(have, a) {
						ok = false
					}
				}
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}
