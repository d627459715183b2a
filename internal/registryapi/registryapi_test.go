package registryapi

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/regauth"
)

// okHandler answers every authorised request with 200 and the path.
func okHandler(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, `{"path":"`+r.URL.Path+`"}`)
}

// credFunc returns a Credential option answering c (or err), counting calls.
func credFunc(c auth.Credential, err error, calls *atomic.Int32) func(context.Context) (auth.Credential, error) {
	return func(context.Context) (auth.Credential, error) {
		if calls != nil {
			calls.Add(1)
		}
		return c, err
	}
}

// call makes one request and returns its status and body.
func call(t *testing.T, c *Client, method string, u *url.URL, header http.Header, body io.ReadSeeker) (int, string) {
	t.Helper()
	resp, err := c.Do(context.Background(), Request{Method: method, URL: u, Header: header, Body: body})
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading %s %s: %v", method, u, err)
	}
	return resp.StatusCode, string(b)
}

func TestBasicChallenge(t *testing.T) {
	t.Parallel()
	f := (&fakeRegistry{handler: okHandler}).start(t)
	var calls atomic.Int32
	c := New(f.host(), Options{Credential: credFunc(auth.Credential{Username: f.user, Secret: f.pass}, nil, &calls)})
	if code, body := call(t, c, "GET", f.url(t, "/v2/app/tags/list"), nil, nil); code != 200 || !strings.Contains(body, "tags/list") {
		t.Fatalf("got %d %s", code, body)
	}
	// The second call answers the known challenge at once.
	if code, _ := call(t, c, "GET", f.url(t, "/v2/_catalog"), nil, nil); code != 200 {
		t.Fatalf("second call: %d", code)
	}
	reqs := f.rec.all()
	var auths []string
	for _, r := range reqs {
		auths = append(auths, r.Header.Get("Authorization"))
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(f.user+":"+f.pass))
	if want := []string{"", basic, basic}; fmt.Sprint(auths) != fmt.Sprint(want) {
		t.Errorf("Authorization per request = %q, want %q", auths, want)
	}
	if calls.Load() != 1 {
		t.Errorf("credential asked %d times, want 1", calls.Load())
	}
	if len(f.tokenRec.all()) != 0 {
		t.Error("a Basic registry's token server was asked")
	}
	if asked, found := c.CredentialFound(); !asked || !found {
		t.Errorf("CredentialFound() = %v, %v with a credential", asked, found)
	}
}

func TestBasicWithoutUsableCredential(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cred auth.Credential
		err  error
	}{
		{"not found", auth.Credential{}, fmt.Errorf("%q: %w", "h", auth.ErrNotFound)},
		{"no lookup", auth.Credential{}, nil},
		{"identity token", auth.Credential{Username: auth.TokenUsername, Secret: "rt-1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := (&fakeRegistry{handler: okHandler}).start(t)
			opts := Options{Credential: credFunc(tt.cred, tt.err, nil)}
			if tt.name == "no lookup" {
				opts.Credential = nil
			}
			c := New(f.host(), opts)
			code, body := call(t, c, "GET", f.url(t, "/v2/_catalog"), nil, nil)
			if code != http.StatusUnauthorized || !strings.Contains(body, "UNAUTHORIZED") {
				t.Errorf("got %d %s, want the registry's 401", code, body)
			}
			if n := len(f.rec.all()); n != 1 {
				t.Errorf("%d requests, want 1 (nothing to retry with)", n)
			}
			if asked, found := c.CredentialFound(); found != !tt.cred.Empty() || asked != (opts.Credential != nil) {
				t.Errorf("CredentialFound() = %v, %v", asked, found)
			}
			f.rec.assertNoSecret(t, "rt-1")
		})
	}
}

func TestCredentialLookupFails(t *testing.T) {
	t.Parallel()
	f := (&fakeRegistry{handler: okHandler}).start(t)
	c := New(f.host(), Options{Credential: credFunc(auth.Credential{}, errors.New("keyring is locked"), nil)})
	_, err := c.Do(context.Background(), Request{Method: "GET", URL: f.url(t, "/v2/_catalog")})
	if err == nil || !strings.Contains(err.Error(), "keyring is locked") || !strings.Contains(err.Error(), f.host()) {
		t.Fatalf("error = %v, want the lookup's failure naming the registry", err)
	}
}

// tokenCall is what the fake token server was asked.
type tokenCall struct {
	Method, Account, Scopes, Grant, Auth string
	Offline                              bool
}

func tokenCalls(f *fakeRegistry) []tokenCall {
	var out []tokenCall
	for _, r := range f.tokenRec.all() {
		u, _ := url.Parse(r.URL)
		q := u.Query()
		tc := tokenCall{Method: r.Method, Auth: strings.SplitN(r.Header.Get("Authorization"), " ", 2)[0]}
		if r.Method == http.MethodPost {
			q, _ = url.ParseQuery(r.Body)
			tc.Scopes, tc.Grant = q.Get("scope"), q.Get("grant_type")
		} else {
			tc.Scopes = strings.Join(q["scope"], " ")
			tc.Account = q.Get("account")
		}
		tc.Offline = q.Get("offline_token") != "" || q.Get("access_type") != ""
		out = append(out, tc)
	}
	return out
}

func TestBearerChallenge(t *testing.T) {
	t.Parallel()
	pw := auth.Credential{Username: "alice", Secret: "s3cret-pw"}
	idt := auth.Credential{Username: auth.TokenUsername, Secret: "rt-42"}
	tests := []struct {
		name         string
		cred         auth.Credential
		method, path string
		need         string // the registry's required scope, if not the request's own
		wantCode     int
		wantToken    tokenCall
	}{
		{name: "password, pull", cred: pw, method: "GET", path: "/v2/team/app/tags/list", wantCode: 200,
			wantToken: tokenCall{Method: "GET", Account: "alice", Scopes: "repository:team/app:pull", Auth: "Basic"}},
		{name: "password, digest", cred: pw, method: "HEAD", path: "/v2/app/manifests/v1", wantCode: 200,
			wantToken: tokenCall{Method: "GET", Account: "alice", Scopes: "repository:app:pull", Auth: "Basic"}},
		{name: "password, catalog", cred: pw, method: "GET", path: "/v2/_catalog", wantCode: 200,
			wantToken: tokenCall{Method: "GET", Account: "alice", Scopes: "registry:catalog:*", Auth: "Basic"}},
		{name: "password, delete", cred: pw, method: "DELETE", path: "/v2/app/manifests/sha256:abc", wantCode: 200,
			wantToken: tokenCall{Method: "GET", Account: "alice", Scopes: "repository:app:delete", Auth: "Basic"}},
		{name: "password, push", cred: pw, method: "PUT", path: "/v2/app/manifests/v2", wantCode: 200,
			wantToken: tokenCall{Method: "GET", Account: "alice", Scopes: "repository:app:pull,push", Auth: "Basic"}},
		{name: "challenge scope plus the request's", cred: pw, method: "GET", path: "/v2/app/tags/list", need: "repository:app:*", wantCode: 200,
			wantToken: tokenCall{Method: "GET", Account: "alice", Scopes: "repository:app:*,pull", Auth: "Basic"}},
		{name: "identity token", cred: idt, method: "DELETE", path: "/v2/app/blobs/sha256:abc", wantCode: 200,
			wantToken: tokenCall{Method: "POST", Scopes: "repository:app:delete", Grant: "refresh_token"}},
		{name: "anonymous", cred: auth.Credential{}, method: "GET", path: "/v2/_catalog", wantCode: 401,
			wantToken: tokenCall{Method: "GET", Scopes: "registry:catalog:*"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeRegistry{bearer: true, handler: okHandler, refresh: "rt-42"}
			if tt.need != "" {
				f.need = func(*http.Request) string { return tt.need }
			}
			f.start(t)
			c := New(f.host(), Options{Credential: credFunc(tt.cred, nil, nil)})
			if code, body := call(t, c, tt.method, f.url(t, tt.path), nil, nil); code != tt.wantCode {
				t.Fatalf("got %d %s, want %d", code, body, tt.wantCode)
			}
			got := tokenCalls(f)
			if len(got) != 1 || got[0] != tt.wantToken {
				t.Errorf("token requests %+v, want one %+v", got, tt.wantToken)
			}
			if n := len(f.rec.all()); n != 2 {
				t.Errorf("%d registry requests, want 2 (challenge, retry)", n)
			}
			// The registry never sees the password or the refresh token.
			f.rec.assertNoSecretExceptBearer(t, "s3cret-pw", "rt-42")
		})
	}
}

// assertNoSecretExceptBearer is assertNoSecret for the registry, which
// legitimately gets Bearer tokens (never a password or refresh token).
func (rec *recorder) assertNoSecretExceptBearer(t *testing.T, secrets ...string) {
	t.Helper()
	for _, r := range rec.all() {
		text := fmt.Sprintf("%s %v %s", r.URL, r.Header, r.Body)
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("registry request %s %s carried %q", r.Method, r.URL, s)
			}
		}
	}
}

func TestBearerRejected(t *testing.T) {
	t.Parallel()
	f := (&fakeRegistry{bearer: true, handler: okHandler}).start(t)
	c := New(f.host(), Options{Credential: credFunc(auth.Credential{Username: "alice", Secret: "wrong-pw"}, nil, nil)})
	_, err := c.Do(context.Background(), Request{Method: "GET", URL: f.url(t, "/v2/app/tags/list")})
	if !errors.Is(err, regauth.ErrInvalidCredentials) {
		t.Fatalf("error = %v, want ErrInvalidCredentials", err)
	}
	if strings.Contains(err.Error(), "wrong-pw") || !strings.Contains(err.Error(), "repository:app:pull") {
		t.Errorf("error %q: want the scope and no password", err)
	}
}

// TestTokenReusedAcrossPages: a catalog of three pages costs one 401 and
// one token request; the later pages carry the token at once.
func TestTokenReusedAcrossPages(t *testing.T) {
	t.Parallel()
	repos := []string{"a", "b/c", "d"}
	f := &fakeRegistry{bearer: true, handler: func(w http.ResponseWriter, r *http.Request) {
		last := r.URL.Query().Get("last")
		i := 0
		for i < len(repos) && last != "" && repos[i] <= last {
			i++
		}
		if i+1 < len(repos) {
			w.Header().Set("Link", fmt.Sprintf(`</v2/_catalog?last=%s&n=1>; rel="next"`, url.QueryEscape(repos[i])))
		}
		writeJSON(w, 200, fmt.Sprintf(`{"repositories":["%s"]}`, repos[i]))
	}}
	f.start(t)
	c := New(f.host(), Options{Credential: credFunc(auth.Credential{Username: "alice", Secret: "s3cret-pw"}, nil, nil)})
	u := f.url(t, "/v2/_catalog?n=1")
	var got []string
	for page := 0; u != nil && page < 10; page++ {
		resp, err := c.Do(context.Background(), Request{Method: "GET", URL: u})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got = append(got, strings.TrimSpace(string(b)))
		if u, err = NextPage(resp); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{`{"repositories":["a"]}`, `{"repositories":["b/c"]}`, `{"repositories":["d"]}`}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pages %q, want %q", got, want)
	}
	if n := len(f.tokenRec.all()); n != 1 {
		t.Errorf("%d token requests for three pages, want 1", n)
	}
	if n := len(f.rec.all()); n != 4 {
		t.Errorf("%d registry requests, want 4 (one 401, three pages)", n)
	}
}

// TestPlainHTTPRealmRefused: a challenge naming a plain-HTTP token server
// on another (non-loopback) host gets no credential, Insecure or not.
func TestPlainHTTPRealmRefused(t *testing.T) {
	t.Parallel()
	for _, insecure := range []bool{false, true} {
		srv, rec := newServer(t, false, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="http://token.example.invalid/token",service="s"`)
			writeJSON(w, 401, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
		})
		var calls atomic.Int32
		c := New(hostOf(srv), Options{Insecure: insecure, Credential: credFunc(auth.Credential{Username: "u", Secret: "pw"}, nil, &calls)})
		u, _ := url.Parse(srv.URL + "/v2/_catalog")
		_, err := c.Do(context.Background(), Request{Method: "GET", URL: u})
		if !errors.Is(err, regauth.ErrPlainHTTP) || !strings.Contains(err.Error(), "token.example.invalid") {
			t.Errorf("insecure=%v: error = %v, want ErrPlainHTTP naming the realm", insecure, err)
		}
		if calls.Load() != 0 || len(rec.all()) != 1 {
			t.Errorf("insecure=%v: credential asked %d times, %d requests", insecure, calls.Load(), len(rec.all()))
		}
	}
}

// TestTryHTTP: a loopback registry that speaks plain HTTP is reached over
// HTTP when the target gave no scheme, and refused when it said https.
func TestTryHTTP(t *testing.T) {
	t.Parallel()
	f := (&fakeRegistry{handler: okHandler}).start(t)
	u := f.url(t, "/v2/app/tags/list")
	u.Scheme = "https"
	c := New(f.host(), Options{TryHTTP: true, Credential: credFunc(auth.Credential{Username: f.user, Secret: f.pass}, nil, nil)})
	for i := 0; i < 2; i++ {
		if code, _ := call(t, c, "GET", u, nil, nil); code != 200 {
			t.Fatalf("call %d: %d", i, code)
		}
	}
	strict := New(f.host(), Options{})
	if _, err := strict.Do(context.Background(), Request{Method: "GET", URL: u}); !errors.Is(err, http.ErrSchemeMismatch) {
		t.Errorf("without TryHTTP: error = %v, want the scheme mismatch", err)
	}
}

// TestInsecureOnlyForTheRegistry: Insecure skips certificate verification
// for the registry, never for its token server.
func TestInsecureOnlyForTheRegistry(t *testing.T) {
	t.Parallel()
	basic, _ := newServer(t, true, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) })
	u, _ := url.Parse(basic.URL + "/v2/")
	if _, err := New(hostOf(basic), Options{}).Do(context.Background(), Request{Method: "GET", URL: u}); !errors.Is(err, regauth.ErrCertificate) {
		t.Errorf("untrusted registry certificate: error = %v, want ErrCertificate", err)
	}
	if code, _ := call(t, New(hostOf(basic), Options{Insecure: true}), "GET", u, nil, nil); code != 200 {
		t.Errorf("with Insecure: %d", code)
	}

	tokenSrv, tokenRec := newServer(t, true, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"token":"t"}`) })
	reg, _ := newServer(t, true, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/token",service="s"`, tokenSrv.URL))
		writeJSON(w, 401, `{}`)
	})
	u, _ = url.Parse(reg.URL + "/v2/_catalog")
	c := New(hostOf(reg), Options{Insecure: true, Credential: credFunc(auth.Credential{Username: "u", Secret: "pw"}, nil, nil)})
	_, err := c.Do(context.Background(), Request{Method: "GET", URL: u})
	if err == nil || !regauth.IsCertError(err) {
		t.Errorf("token server with an untrusted certificate: error = %v, want a certificate error", err)
	}
	if len(tokenRec.all()) != 0 {
		t.Error("the token server was sent a request over an unverified connection")
	}
}

// hang returns a handler that blocks until the test ends.
func hang(t *testing.T, before func(w http.ResponseWriter)) http.HandlerFunc {
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	return func(w http.ResponseWriter, r *http.Request) {
		if before != nil {
			before(w)
		}
		select {
		case <-done:
		case <-r.Context().Done():
		}
	}
}

// TestBounded: a registry that never answers, or stops sending its body,
// gives an error naming the bound instead of hanging.
func TestBounded(t *testing.T) {
	t.Parallel()
	noAnswer, _ := newServer(t, false, hang(t, nil))
	u, _ := url.Parse(noAnswer.URL + "/v2/")
	_, err := New(hostOf(noAnswer), Options{Timeout: time.Second}).Do(context.Background(), Request{Method: "GET", URL: u})
	if err == nil || !strings.Contains(err.Error(), "no answer within 1s") {
		t.Errorf("headers never sent: error = %v, want one naming the 1s bound", err)
	}

	stall, _ := newServer(t, false, hang(t, func(w http.ResponseWriter) {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(200)
		_, _ = io.WriteString(w, `{"partial":`)
		w.(http.Flusher).Flush()
	}))
	u, _ = url.Parse(stall.URL + "/v2/")
	resp, err := New(hostOf(stall), Options{Timeout: time.Second}).Do(context.Background(), Request{Method: "GET", URL: u})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, err = io.ReadAll(resp.Body)
	if err == nil || !strings.Contains(err.Error(), "nothing received for 1s") {
		t.Errorf("stalled body: error = %v, want one naming the 1s bound", err)
	}
}
