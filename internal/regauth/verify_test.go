package regauth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/testenv"
)

const (
	alicePass   = "s3cret-Pa55"
	refreshTok  = "refresh-tok-77c1"
	wrongPass   = "wrong-Pa55"
	identityTok = "identity-tok-8d2e"
)

// logSink collects Options.Log lines.
type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (l *logSink) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// assertNoSecrets fails if any secret appears in s.
func assertNoSecrets(t *testing.T, what, s string) {
	t.Helper()
	for _, secret := range []string{alicePass, wrongPass, refreshTok, identityTok, fakeAccess} {
		if strings.Contains(s, secret) {
			t.Errorf("%s contains secret %q:\n%s", what, secret, s)
		}
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fake    *fake
		cred    auth.Credential
		opts    Options
		want    Result // Host and Endpoint are filled in
		wantErr error  // matched with errors.Is; nil means success
		errText string // substring of the error
		// reqs are the fake's requests as "METHOD path auth-scheme".
		reqs []string
		// check inspects the recorded requests.
		check func(t *testing.T, reqs []request)
	}{
		{
			name: "basic",
			fake: &fake{mode: "basic", user: "alice", pass: alicePass},
			cred: alice,
			want: Result{Method: MethodBasic},
			reqs: []string{"GET /v2/ -", "GET /v2/ Basic"},
		},
		{
			name:    "basic wrong password",
			fake:    &fake{mode: "basic", user: "alice", pass: alicePass},
			cred:    auth.Credential{Username: "alice", Secret: wrongPass},
			wantErr: ErrInvalidCredentials,
			errText: "invalid credentials: GET http://HOST/v2/: 401 Unauthorized: unauthorized: authentication required",
		},
		{
			name:    "basic with identity token",
			fake:    &fake{mode: "basic", user: "alice", pass: alicePass},
			cred:    auth.Credential{Username: auth.TokenUsername, Secret: identityTok},
			wantErr: ErrUnsupported,
			reqs:    []string{"GET /v2/ -"},
		},
		{
			name: "bearer GET with refresh token",
			fake: &fake{mode: "bearer", user: "alice", pass: alicePass, refresh: refreshTok},
			cred: alice,
			want: Result{Method: MethodBearer, Realm: "URL/token", Service: "fake-service", IdentityToken: refreshTok},
			reqs: []string{"GET /v2/ -", "GET /token Basic", "GET /v2/ Bearer"},
			check: func(t *testing.T, reqs []request) {
				q := reqs[1].Query
				want := map[string][]string{"account": {"alice"}, "client_id": {"regkey"},
					"offline_token": {"true"}, "service": {"fake-service"}}
				if diff := cmp.Diff(want, map[string][]string(q)); diff != "" {
					t.Errorf("token query (-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "bearer GET without refresh token, custom client id",
			fake: &fake{mode: "bearer", user: "alice", pass: alicePass},
			cred: alice,
			opts: Options{ClientID: "ci-bot"},
			want: Result{Method: MethodBearer, Realm: "URL/token", Service: "fake-service"},
			reqs: []string{"GET /v2/ -", "GET /token Basic", "GET /v2/ Bearer"},
			check: func(t *testing.T, reqs []request) {
				if got := reqs[1].Query.Get("client_id"); got != "ci-bot" {
					t.Errorf("client_id = %q, want ci-bot", got)
				}
			},
		},
		{
			name:    "bearer GET wrong password",
			fake:    &fake{mode: "bearer", user: "alice", pass: alicePass},
			cred:    auth.Credential{Username: "alice", Secret: wrongPass},
			wantErr: ErrInvalidCredentials,
			errText: "GET http://HOST/token: 401 Unauthorized: unauthorized: invalid username or password",
			reqs:    []string{"GET /v2/ -", "GET /token Basic"},
		},
		{
			name: "bearer identity token uses refresh_token grant",
			fake: &fake{mode: "bearer", post: true, refresh: identityTok},
			cred: auth.Credential{Username: auth.TokenUsername, Secret: identityTok},
			want: Result{Method: MethodBearer, Realm: "URL/token", Service: "fake-service"},
			reqs: []string{"GET /v2/ -", "POST /token -", "GET /v2/ Bearer"},
			check: func(t *testing.T, reqs []request) {
				want := map[string][]string{"grant_type": {"refresh_token"}, "refresh_token": {identityTok},
					"service": {"fake-service"}, "client_id": {"regkey"}}
				if diff := cmp.Diff(want, map[string][]string(reqs[1].Form)); diff != "" {
					t.Errorf("token form (-want +got):\n%s", diff)
				}
			},
		},
		{
			name:    "bearer identity token rejected",
			fake:    &fake{mode: "bearer", post: true, refresh: "another"},
			cred:    auth.Credential{Username: auth.TokenUsername, Secret: identityTok},
			wantErr: ErrInvalidCredentials,
			errText: "400 Bad Request: invalid_grant: bad credentials",
		},
		{
			name: "password grant POST",
			fake: &fake{mode: "bearer", user: "alice", pass: alicePass, post: true, refresh: refreshTok},
			cred: alice,
			opts: Options{PasswordGrant: true},
			want: Result{Method: MethodBearer, Realm: "URL/token", Service: "fake-service", IdentityToken: refreshTok},
			reqs: []string{"GET /v2/ -", "POST /token -", "GET /v2/ Bearer"},
			check: func(t *testing.T, reqs []request) {
				want := map[string][]string{"grant_type": {"password"}, "username": {"alice"}, "password": {alicePass},
					"access_type": {"offline"}, "service": {"fake-service"}, "client_id": {"regkey"}}
				if diff := cmp.Diff(want, map[string][]string(reqs[1].Form)); diff != "" {
					t.Errorf("token form (-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "password grant 404 falls back to GET",
			fake: &fake{mode: "bearer", user: "alice", pass: alicePass},
			cred: alice,
			opts: Options{PasswordGrant: true},
			want: Result{Method: MethodBearer, Realm: "URL/token", Service: "fake-service"},
			reqs: []string{"GET /v2/ -", "POST /token -", "GET /token Basic", "GET /v2/ Bearer"},
		},
		{
			name: "open registry",
			fake: &fake{mode: "open"},
			cred: alice,
			want: Result{Method: MethodNone, Anonymous: true},
			reqs: []string{"GET /v2/ -"},
		},
		{
			name: "multiple challenges prefer bearer",
			fake: &fake{mode: "bearer", user: "alice", pass: alicePass, challenge: []string{
				`Negotiate`, `Basic realm="b", Bearer realm="URL/token",service="svc2"`}},
			cred: alice,
			want: Result{Method: MethodBearer, Realm: "URL/token", Service: "svc2"},
			reqs: []string{"GET /v2/ -", "GET /token Basic", "GET /v2/ Bearer"},
		},
		{
			name: "unknown challenge before basic",
			fake: &fake{mode: "basic", user: "alice", pass: alicePass, challenge: []string{`Negotiate abc==, Basic realm=x`}},
			cred: alice,
			want: Result{Method: MethodBasic},
		},
		{
			name:    "only unsupported challenge",
			fake:    &fake{mode: "basic", challenge: []string{`Negotiate`}},
			cred:    alice,
			wantErr: ErrUnsupported,
			errText: "asks for negotiate",
		},
		{
			name:    "token server error body",
			fake:    &fake{mode: "bearer", tokenStatus: 503, tokenBody: `{"errors":[{"code":"UNAVAILABLE","message":"down for maintenance"}]}`},
			cred:    alice,
			errText: "GET http://HOST/token: 503 Service Unavailable: unavailable: down for maintenance",
		},
		{
			name:    "token server echoing the password is masked",
			fake:    &fake{mode: "bearer", tokenStatus: 401, tokenBody: `{"errors":[{"code":"UNAUTHORIZED","message":"bad password ` + alicePass + `"}]}`},
			cred:    alice,
			wantErr: ErrInvalidCredentials,
			errText: "unauthorized: bad password ***",
		},
		{
			name:    "token response without token",
			fake:    &fake{mode: "bearer", tokenStatus: 200, tokenBody: `{"expires_in":60}`},
			cred:    alice,
			errText: "has no token",
		},
		{
			name:    "not a registry",
			fake:    &fake{mode: "missing"},
			cred:    alice,
			errText: "GET http://HOST/v2/: 404 Not Found",
		},
		{
			name:    "realm that is not a URL",
			fake:    &fake{mode: "bearer", challenge: []string{`Bearer realm="/token"`}},
			cred:    alice,
			wantErr: ErrUnsupported,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := tt.fake
			f.start(t, false)
			var logs logSink
			opts := tt.opts
			opts.Log = logs.logf
			for i, c := range f.challenge {
				f.challenge[i] = strings.ReplaceAll(c, "URL", f.srv.URL)
			}
			got, err := Verify(context.Background(), f.host(), tt.cred, opts)
			assertNoSecrets(t, "log", logs.String())
			if err != nil {
				assertNoSecrets(t, "error", err.Error())
			}
			if tt.wantErr != nil || tt.errText != "" {
				if err == nil {
					t.Fatalf("Verify() = %v, want an error", got)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("Verify() error = %v, want errors.Is %v", err, tt.wantErr)
				}
				if tt.wantErr == nil && errors.Is(err, ErrInvalidCredentials) {
					t.Errorf("Verify() error = %v, must not be ErrInvalidCredentials", err)
				}
				if want := strings.ReplaceAll(tt.errText, "HOST", f.host()); !strings.Contains(err.Error(), want) {
					t.Errorf("Verify() error = %q, want it to contain %q", err, want)
				}
			} else {
				if err != nil {
					t.Fatalf("Verify() error = %v", err)
				}
				want := tt.want
				want.Host, want.Endpoint = f.host(), "http://"+f.host()+"/v2/"
				want.Realm = strings.ReplaceAll(want.Realm, "URL", f.srv.URL)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("Verify() result (-want +got):\n%s", diff)
				}
			}
			reqs := f.requests()
			if tt.reqs != nil {
				var seen []string
				for _, r := range reqs {
					scheme, _, _ := strings.Cut(r.Auth, " ")
					if scheme == "" {
						scheme = "-"
					}
					seen = append(seen, r.Method+" "+r.Path+" "+scheme)
				}
				if diff := cmp.Diff(tt.reqs, seen); diff != "" {
					t.Errorf("requests (-want +got):\n%s", diff)
				}
			}
			if tt.check != nil {
				tt.check(t, reqs)
			}
		})
	}
}

func TestVerifyResultHidesIdentityToken(t *testing.T) {
	t.Parallel()
	r := Result{Endpoint: "https://h/v2/", Method: MethodBearer, IdentityToken: refreshTok}
	for _, s := range []string{r.String(), fmt.Sprintf("%v", r), fmt.Sprintf("%+v", r), fmt.Sprintf("%#v", r)} {
		assertNoSecrets(t, "formatted Result", s)
	}
	if !r.Verified() || (Result{Anonymous: true, Method: MethodNone}).Verified() {
		t.Error("Verified() wrong")
	}
}

func TestVerifyRejectsBadInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		host string
		cred auth.Credential
	}{
		{"", auth.Credential{Username: "u", Secret: "p"}},
		{"https://index.docker.io/v1/access-token", auth.Credential{Username: "u", Secret: "p"}},
		{"ftp://example.com", auth.Credential{Username: "u", Secret: "p"}},
		{"127.0.0.1:1", auth.Credential{Username: "u"}},
		{"127.0.0.1:1", auth.Credential{Secret: "p"}},
	} {
		if _, err := Verify(ctx, tc.host, tc.cred, Options{}); err == nil {
			t.Errorf("Verify(%q, %q) = nil error", tc.host, tc.cred.Username)
		}
	}
}

// TestVerifyHangingServerIsBounded: a server that never answers (until the
// test ends) cannot hold Verify, which has no deadline of its own here:
// the per-request timeout ends each try (https, then http).
func TestVerifyHangingServerIsBounded(t *testing.T) {
	t.Parallel()
	f := (&fake{hang: make(chan struct{})}).start(t, false)
	err := testenv.Returns(t, "Verify against a hanging server", func() error {
		_, err := Verify(context.Background(), f.host(), auth.Credential{Username: "u", Secret: "p"},
			Options{Timeout: 300 * time.Millisecond})
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "Timeout exceeded") {
		t.Fatalf("Verify() against a hanging server = %v, want the request timeout", err)
	}
}

// TestVerifyHonoursContext: with a per-request timeout of an hour, only the
// caller's 200ms deadline can end Verify against a server that never
// answers.
func TestVerifyHonoursContext(t *testing.T) {
	t.Parallel()
	f := (&fake{hang: make(chan struct{})}).start(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := testenv.Returns(t, "Verify against a hanging server with a 200ms deadline", func() error {
		_, err := Verify(ctx, f.host(), auth.Credential{Username: "u", Secret: "p"}, Options{Timeout: time.Hour})
		return err
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Verify() error = %v, want context.DeadlineExceeded", err)
	}
}
