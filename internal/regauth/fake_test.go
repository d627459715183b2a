package regauth

import (
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

// fake is a registry and token server in one httptest server. The registry
// answers /v2/; the token server /token.
type fake struct {
	user, pass string
	// mode is "basic", "bearer", "open" (/v2/ answers 200) or "missing"
	// (/v2/ answers 404).
	mode string
	// challenge overrides the WWW-Authenticate value(s) of /v2/.
	challenge []string
	// post makes /token accept the OAuth2 POST form; otherwise POST is 404.
	post bool
	// refresh is the refresh token issued for offline_token=true or the
	// password grant, and accepted by the refresh_token grant.
	refresh string
	// tokenStatus and tokenBody, if set, are the token server's answer.
	tokenStatus int
	tokenBody   string
	// hang makes every request block until the test ends.
	hang chan struct{}

	srv *httptest.Server
	mu  sync.Mutex
	log []request
}

// request is what the fake saw.
type request struct {
	Method, Path string
	Query, Form  url.Values
	Auth         string
}

const fakeAccess = "access-tok-3f9a"

func (f *fake) start(t *testing.T, tls bool) *fake {
	t.Helper()
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // expected TLS failures
	if tls {
		f.srv.StartTLS()
	} else {
		f.srv.Start()
	}
	t.Cleanup(func() {
		if f.hang != nil {
			close(f.hang)
		}
		f.srv.Close()
	})
	return f
}

func (f *fake) host() string {
	return strings.TrimPrefix(strings.TrimPrefix(f.srv.URL, "http://"), "https://")
}

func (f *fake) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.log...)
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	if f.hang != nil {
		select {
		case <-f.hang:
		case <-r.Context().Done():
		}
		return
	}
	_ = r.ParseForm()
	var form url.Values
	if r.Method == http.MethodPost {
		form = r.PostForm
	}
	f.mu.Lock()
	f.log = append(f.log, request{r.Method, r.URL.Path, r.URL.Query(), form, r.Header.Get("Authorization")})
	f.mu.Unlock()
	switch r.URL.Path {
	case "/v2/":
		f.serveV2(w, r)
	case "/token":
		f.serveToken(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (f *fake) serveV2(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
	auth := r.Header.Get("Authorization")
	switch {
	case f.mode == "missing":
		http.NotFound(w, r)
		return
	case f.mode == "open":
		w.WriteHeader(http.StatusOK)
		return
	case f.mode == "basic":
		if u, p, ok := r.BasicAuth(); ok && u == f.user && p == f.pass {
			w.WriteHeader(http.StatusOK)
			return
		}
	case f.mode == "bearer":
		if auth == "Bearer "+fakeAccess {
			w.WriteHeader(http.StatusOK)
			return
		}
	}
	challenges := f.challenge
	if challenges == nil && f.mode == "basic" {
		challenges = []string{`Basic realm="fake"`}
	}
	if challenges == nil {
		challenges = []string{fmt.Sprintf(`Bearer realm="%s/token",service="fake-service"`, f.srv.URL)}
	}
	for _, c := range challenges {
		w.Header().Add("WWW-Authenticate", c)
	}
	writeJSON(w, http.StatusUnauthorized, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null}]}`)
}

func (f *fake) serveToken(w http.ResponseWriter, r *http.Request) {
	if f.tokenStatus != 0 {
		writeJSON(w, f.tokenStatus, f.tokenBody)
		return
	}
	ok := false
	offline := false
	switch r.Method {
	case http.MethodGet:
		u, p, basic := r.BasicAuth()
		ok = basic && u == f.user && p == f.pass
		offline = r.URL.Query().Get("offline_token") == "true"
	case http.MethodPost:
		if !f.post {
			http.NotFound(w, r)
			return
		}
		switch r.PostForm.Get("grant_type") {
		case "password":
			ok = r.PostForm.Get("username") == f.user && r.PostForm.Get("password") == f.pass
			offline = r.PostForm.Get("access_type") == "offline"
		case "refresh_token":
			ok = f.refresh != "" && r.PostForm.Get("refresh_token") == f.refresh
		}
		if !ok {
			writeJSON(w, http.StatusBadRequest, `{"error":"invalid_grant","error_description":"bad credentials"}`)
			return
		}
	}
	if !ok {
		writeJSON(w, http.StatusUnauthorized, `{"errors":[{"code":"UNAUTHORIZED","message":"invalid username or password"}]}`)
		return
	}
	body := map[string]any{"token": fakeAccess, "expires_in": 300}
	if r.Method == http.MethodPost {
		body = map[string]any{"access_token": fakeAccess, "expires_in": 300}
	}
	if offline && f.refresh != "" {
		body["refresh_token"] = f.refresh
	}
	b, _ := json.Marshal(body)
	writeJSON(w, http.StatusOK, string(b))
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
