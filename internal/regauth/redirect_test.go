package regauth

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/testenv"
)

func newRecorder(t *testing.T, tls bool, h http.Handler) *testenv.Recorder {
	t.Helper()
	if tls {
		return testenv.NewTLSRecorder(t, h)
	}
	return testenv.NewRecorder(t, h)
}

// TestVerifyRefusesCrossOriginRedirects: whichever request of a
// verification is redirected to another origin, nothing reaches the other
// server, the error names both, nothing counts as verified, and -v's log
// shows the redirect.
func TestVerifyRefusesCrossOriginRedirects(t *testing.T) {
	t.Parallel()
	identity := auth.Credential{Username: auth.TokenUsername, Secret: identityTok}
	for _, tc := range []struct {
		name       string
		bearer     bool
		redirectAt string
		status     int
		cred       auth.Credential
		opts       Options
		tls        bool   // the hostile registry serves HTTPS (trusted via certs.d)
		target     string // "port": 127.0.0.1 on another port; "localhost"; "downgrade": http:// on the same port
	}{
		{name: "ping to another port answering 200", redirectAt: "ping", status: 307, cred: alice, target: "port"},
		{name: "ping to another host", redirectAt: "ping", status: 302, cred: alice, target: "localhost"},
		{name: "basic retry to another port keeps Authorization", redirectAt: "basic", status: 307, cred: alice, target: "port"},
		{name: "basic retry to another host answering 200", redirectAt: "basic", status: 308, cred: alice, target: "localhost"},
		{name: "token GET with basic", bearer: true, redirectAt: "token", status: 307, cred: alice, target: "port"},
		{name: "token POST refresh token body", bearer: true, redirectAt: "token", status: 307, cred: identity, target: "localhost"},
		{name: "token POST password grant body", bearer: true, redirectAt: "token", status: 308, cred: alice,
			opts: Options{PasswordGrant: true}, target: "localhost"},
		{name: "token POST turned into GET by 302", bearer: true, redirectAt: "token", status: 302, cred: identity, target: "port"},
		{name: "bearer retry access token", bearer: true, redirectAt: "bearer", status: 307, cred: alice, target: "port"},
		{name: "https to http on another port", redirectAt: "basic", status: 307, cred: alice, tls: true, target: "port"},
		{name: "https to http on the same port", redirectAt: "basic", status: 307, cred: alice, tls: true, target: "downgrade"},
		{name: "https to http with insecure", redirectAt: "token", bearer: true, status: 307, cred: alice, tls: true, target: "downgrade",
			opts: Options{Insecure: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			other := testenv.NewRecorder(t, nil)
			h := &testenv.Hostile{Bearer: tc.bearer, RedirectAt: tc.redirectAt, Status: tc.status}
			h.Location = func() string {
				switch tc.target {
				case "localhost":
					return testenv.LocalhostURL(other.URL) + "/v2/token"
				case "downgrade":
					return "http://" + h.Host + "/v2/token"
				}
				return other.URL + "/v2/token"
			}
			h.Start(t, tc.tls)
			opts := tc.opts
			if tc.tls {
				opts.CertDirs = []string{t.TempDir()}
				h.WriteCertsD(t, opts.CertDirs[0], h.Host)
			}
			var log logSink
			opts.Log = log.logf
			res, err := Verify(context.Background(), h.Host, tc.cred, opts)
			if !errors.Is(err, ErrRedirect) {
				t.Fatalf("Verify() = %+v, %v; want ErrRedirect", res, err)
			}
			from, to := h.URL, strings.TrimSuffix(h.Location(), "/v2/token")
			if !strings.Contains(err.Error(), "from "+from+" to "+to) {
				t.Errorf("error %q does not name both %s and %s", err, from, to)
			}
			if n := len(other.Requests()); n != 0 {
				t.Errorf("the other server received %d request(s): %v", n, other.Requests())
			}
			other.AssertNoSecret(t, alicePass, identityTok, testenv.HostileToken)
			if !strings.Contains(log.String(), " -> "+h.Location()) {
				t.Errorf("log does not show the redirect:\n%s", log.String())
			}
			assertNoSecrets(t, "error", err.Error())
			assertNoSecrets(t, "log", log.String())
		})
	}
}

// TestVerifyFollowsRedirectsWithinTheRegistry: a redirect to another path
// of the same server is followed, for every request, and shown in the log.
func TestVerifyFollowsRedirectsWithinTheRegistry(t *testing.T) {
	t.Parallel()
	for _, at := range []string{"ping", "basic", "token", "bearer"} {
		t.Run(at, func(t *testing.T) {
			t.Parallel()
			h := &testenv.Hostile{Bearer: at == "token" || at == "bearer", RedirectAt: at, Status: http.StatusTemporaryRedirect, Once: true}
			path := "/v2/moved/"
			if at == "token" {
				path = "/token/moved"
			}
			h.Location = func() string { return h.URL + path + "?q=1" }
			h.Start(t, false)
			var log logSink
			res, err := Verify(context.Background(), h.Host, alice, Options{Log: log.logf})
			if err != nil || !res.Verified() || h.Redirected() != 1 {
				t.Fatalf("Verify() = %+v, %v (redirected %d times); want verified through one redirect", res, err, h.Redirected())
			}
			if !strings.Contains(log.String(), "307 Temporary Redirect -> "+h.URL+path+"\n") {
				t.Errorf("log does not show the redirect (without its query):\n%s", log.String())
			}
		})
	}
	// A server that redirects to itself for ever is given up on.
	h := &testenv.Hostile{RedirectAt: "ping", Status: http.StatusFound}
	h.Location = func() string { return h.URL + "/v2/" }
	h.Start(t, false)
	if _, err := Verify(context.Background(), h.Host, alice, Options{}); !errors.Is(err, ErrRedirect) || !strings.Contains(err.Error(), "after 10 redirects") {
		t.Errorf("Verify() with a redirect loop: %v", err)
	}
}

// dialHosts sends connections for each name (host:port) to an address.
func dialHosts(addrs map[string]string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		to, ok := addrs[addr]
		if !ok {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("no such test host " + addr)}
		}
		return (&net.Dialer{}).DialContext(ctx, network, to)
	}
}

// TestVerifyInsecureCoversOnlyTheRegistry: Insecure allows plain HTTP and
// unverified TLS for the registry named, never for a token server on
// another host: the password is not sent there.
func TestVerifyInsecureCoversOnlyTheRegistry(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		tls     bool   // registry and token server serve HTTPS with untrusted certificates
		realm   string // the token server's host:port
		wantErr error  // nil: verified
		check   func(t *testing.T, err error)
	}{
		{name: "plain-HTTP token server on another host", realm: "auth.example.net:80", wantErr: ErrPlainHTTPTokenServer},
		{name: "plain-HTTP token server on another port", realm: "registry.example.com:5001", wantErr: ErrPlainHTTPTokenServer},
		{name: "plain-HTTP token server on loopback for a remote registry", realm: "127.0.0.1:8080", wantErr: ErrPlainHTTPTokenServer},
		{name: "plain-HTTP token server on the registry", realm: "registry.example.com:5000"},
		{name: "TLS token server on another host stays verified", tls: true, realm: "auth.example.net:443",
			check: func(t *testing.T, err error) {
				if err == nil || !isCertError(err) {
					t.Errorf("Verify() error = %v, want a certificate error", err)
				}
			}},
		{name: "TLS token server on the registry", tls: true, realm: "registry.example.com:5000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const registry = "registry.example.com:5000"
			scheme := "http"
			if tc.tls {
				scheme = "https"
			}
			realmURL := scheme + "://" + tc.realm + "/token"
			reg := newRecorder(t, tc.tls, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.URL.Path == "/token":
					writeJSON(w, http.StatusOK, `{"token":"`+testenv.HostileToken+`"}`)
				case r.Header.Get("Authorization") == "Bearer "+testenv.HostileToken:
					w.WriteHeader(http.StatusOK)
				default:
					w.Header().Set("WWW-Authenticate", `Bearer realm="`+realmURL+`",service="s"`)
					w.WriteHeader(http.StatusUnauthorized)
				}
			}))
			token := newRecorder(t, tc.tls, nil)
			hosts := map[string]string{registry: reg.Host, tc.realm: token.Host}
			if tc.realm == registry {
				hosts[tc.realm] = reg.Host
			}
			var log logSink
			res, err := Verify(context.Background(), registry, alice, Options{Insecure: true, dial: dialHosts(hosts), Log: log.logf})
			switch {
			case tc.check != nil:
				tc.check(t, err)
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), realmURL) || !strings.Contains(err.Error(), registry) {
					t.Errorf("Verify() = %+v, %v; want %v naming the realm and the registry", res, err, tc.wantErr)
				}
			default:
				if err != nil || !res.Verified() {
					t.Errorf("Verify() = %+v, %v; want verified", res, err)
				}
				return
			}
			if n := len(token.Requests()); n != 0 {
				t.Errorf("the token server on another host received %d request(s): %v", n, token.Requests())
			}
			token.AssertNoSecret(t, alicePass)
			assertNoSecrets(t, "log", log.String())
		})
	}
}
