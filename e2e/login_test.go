package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regkey/regkey/internal/testenv"
)

// TestRegkeyLoginTLS: `regkey login` verifies against an HTTPS registry whose
// CA is in ~/.docker/certs.d/HOST, stores the credential, and crane and
// skopeo then read through regkey over TLS. Without the CA, login fails and
// stores nothing.
func TestRegkeyLoginTLS(t *testing.T) {
	t.Parallel()
	testenv.RequireTool(t, "crane")
	testenv.RequireProgram(t, "skopeo")
	eachBackend(t, func(t *testing.T, c *testenv.Client) {
		r := testenv.TLSRegistry(t)
		img := testenv.NewImage(t, "v1")
		ref := r.Push(t, img, "test/tls:v1")
		c.WriteDockerConfig(t, map[string]any{"credsStore": "regkey"})
		useCredHelper(t, c, r.Host)

		// The registry's CA is not trusted yet.
		res := c.Run(t, []byte(r.Password+"\n"), "regkey", "login", "-u", r.User, "--password-stdin", r.Host)
		if res.ExitCode == 0 {
			t.Fatalf("regkey login trusted an unknown CA:\n%s%s", res.Stdout, res.Stderr)
		}
		if !strings.Contains(strings.ToLower(res.Stderr+res.Stdout), "certificate") {
			t.Errorf("login error does not mention the certificate:\n%s%s", res.Stdout, res.Stderr)
		}
		if list := helperList(t, c); len(list) != 0 {
			t.Fatalf("failed login stored %v", list)
		}

		certs := filepath.Join(c.DockerConfig, "certs.d", r.Host)
		if err := os.MkdirAll(certs, 0o700); err != nil {
			t.Fatal(err)
		}
		ca, err := os.ReadFile(r.CA.CertFile)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(certs, "ca.crt"), ca, 0o600); err != nil {
			t.Fatal(err)
		}
		if res := c.Run(t, []byte("wrong\n"), "regkey", "login", "-u", r.User, "--password-stdin", r.Host); res.ExitCode == 0 {
			t.Fatal("regkey login accepted a wrong password")
		}
		c.MustRun(t, []byte(r.Password+"\n"), "regkey", "login", "-u", r.User, "--password-stdin", r.Host)
		if got, ok := helperGet(t, c, r.Host); !ok || got.Username != r.User || got.Secret != r.Password {
			t.Fatalf("get %s after regkey login: %+v, %v", r.Host, got, ok)
		}
		assertNoPlaintext(t, c, r.Password)

		c.Setenv("SSL_CERT_FILE", r.CA.CertFile) // crane (Go) trusts the CA
		res = c.MustRun(t, nil, "crane", "digest", ref)
		if got := strings.TrimSpace(res.Stdout); got != img.Digest {
			t.Errorf("crane digest = %q, want %s", got, img.Digest)
		}
		res = c.MustRun(t, nil, "skopeo", "inspect", "--cert-dir", r.CA.CertDir, "--format", "{{.Digest}}", "docker://"+ref)
		if got := strings.TrimSpace(res.Stdout); got != img.Digest {
			t.Errorf("skopeo inspect digest = %q, want %s", got, img.Digest)
		}

		c.MustRun(t, nil, "regkey", "logout", r.Host)
		if res := c.Run(t, nil, "crane", "digest", ref); res.ExitCode == 0 {
			t.Error("crane still reads after regkey logout")
		}
	})
}

// loginVerbose runs `regkey login -v` for user with secret on stdin.
func loginVerbose(t *testing.T, c *testenv.Client, host, user, secret string, flags ...string) testenv.Result {
	t.Helper()
	args := append([]string{"login", "-v", "-u", user, "--password-stdin"}, flags...)
	return c.Run(t, []byte(secret+"\n"), "regkey", append(args, host)...)
}

// assertLoginRefused checks that a login failed naming want, left no
// secret in its output, and stored nothing.
func assertLoginRefused(t *testing.T, c *testenv.Client, res testenv.Result, secret string, want ...string) {
	t.Helper()
	if res.ExitCode != 1 {
		t.Errorf("regkey login: exit %d, want 1\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	for _, w := range want {
		if !strings.Contains(res.Stderr, w) {
			t.Errorf("regkey login's stderr lacks %q:\n%s", w, res.Stderr)
		}
	}
	if strings.Contains(res.Stdout+res.Stderr, secret) {
		t.Errorf("regkey login printed the secret:\n%s%s", res.Stdout, res.Stderr)
	}
	if list := helperList(t, c); len(list) != 0 {
		t.Errorf("a refused login stored %v", list)
	}
}

// TestRegkeyLoginNeverFollowsACredentialElsewhere: a registry (or its token
// server) that redirects any request of `regkey login` to another host, port
// or scheme gets the login refused: the other server receives nothing, the
// error names both, -v shows the redirect, and nothing is stored. A
// redirect within the registry is followed and shown.
func TestRegkeyLoginNeverFollowsACredentialElsewhere(t *testing.T) {
	t.Parallel()
	const refreshToken = "e2e-refresh-token-0c4d"
	for _, tc := range []struct {
		name       string
		bearer     bool
		redirectAt string
		status     int
		user       string // "" is the test registry's user; "<token>" sends an identity token
		localhost  bool   // redirect to localhost:PORT rather than 127.0.0.1:PORT
		tls        bool   // the registry serves HTTPS (its CA in ~/.docker/certs.d), the redirect plain HTTP
	}{
		{name: "ping answered by another port", redirectAt: "ping", status: 307},
		{name: "basic retry to another port", redirectAt: "basic", status: 307},
		{name: "basic retry to another host answering 200", redirectAt: "basic", status: 308, localhost: true},
		{name: "token GET with basic to another port", bearer: true, redirectAt: "token", status: 307},
		{name: "token POST refresh token to another host", bearer: true, redirectAt: "token", status: 308,
			user: "<token>", localhost: true},
		{name: "bearer retry to another port", bearer: true, redirectAt: "bearer", status: 307},
		{name: "https to http", redirectAt: "basic", status: 307, tls: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t, backends[0])
			other := testenv.NewRecorder(t, nil)
			target := other.URL
			if tc.localhost {
				target = testenv.LocalhostURL(other.URL)
			}
			h := (&testenv.Hostile{Bearer: tc.bearer, RedirectAt: tc.redirectAt, Status: tc.status,
				Location: func() string { return target + "/v2/" }}).Start(t, tc.tls)
			if tc.tls {
				h.WriteCertsD(t, filepath.Join(c.DockerConfig, "certs.d"), h.Host)
			}
			user, secret := "alice", "e2e-pa55-"+tc.redirectAt
			if tc.user == "<token>" {
				user, secret = tc.user, refreshToken
			}
			res := loginVerbose(t, c, h.Host, user, secret)
			assertLoginRefused(t, c, res, secret,
				"refusing redirect from "+h.URL+" to "+target, " -> "+target+"/v2/", "hint: regkey sends credentials only to the host they are for")
			if n := len(other.Requests()); n != 0 {
				t.Errorf("the other server received %d request(s):\n%v", n, other.Requests())
			}
			other.AssertNoSecret(t, secret)
		})
	}

	t.Run("within the registry", func(t *testing.T) {
		t.Parallel()
		c := newClient(t, backends[0])
		h := &testenv.Hostile{RedirectAt: "basic", Status: 307, Once: true}
		h.Location = func() string { return h.URL + "/v2/moved/" }
		h.Start(t, false)
		res := loginVerbose(t, c, h.Host, "alice", "e2e-pa55-moved")
		if res.ExitCode != 0 || !strings.Contains(res.Stdout, "Login Succeeded") {
			t.Fatalf("regkey login through a redirect within the registry: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
		}
		if want := "GET " + h.URL + "/v2/: 307 Temporary Redirect -> " + h.URL + "/v2/moved/"; !strings.Contains(res.Stderr, want) {
			t.Errorf("-v does not show the redirect %q:\n%s", want, res.Stderr)
		}
		if got, ok := helperGet(t, c, h.Host); !ok || got.Secret != "e2e-pa55-moved" {
			t.Errorf("get %s after the login: %+v, %v", h.Host, got, ok)
		}
	})
}

// TestRegkeyLoginInsecureCoversOnlyTheRegistry: --insecure allows plain
// HTTP and an unverified certificate for the registry named, never for a
// token server on another host: the password does not go there, in clear
// or to a server whose certificate nobody checked.
func TestRegkeyLoginInsecureCoversOnlyTheRegistry(t *testing.T) {
	t.Parallel()

	// Registries on made-up names, reached through a recording proxy: the
	// token server is on another host than the registry, over plain HTTP.
	for _, tc := range []struct {
		name, realm string
		ok          bool
	}{
		{name: "plain-HTTP token server on another host", realm: "http://auth.example.test/token"},
		{name: "plain-HTTP token server on the registry itself", realm: "http://registry.example.test/token", ok: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t, backends[0])
			proxy := testenv.NewRecorder(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.Method == http.MethodConnect: // no HTTPS here
					w.WriteHeader(http.StatusBadGateway)
				case r.URL.Path == "/token":
					w.Header().Set("Content-Type", "application/json")
					_, _ = w.Write([]byte(`{"token":"` + testenv.HostileToken + `"}`))
				case r.Header.Get("Authorization") == "Bearer "+testenv.HostileToken:
					w.WriteHeader(http.StatusOK)
				default:
					w.Header().Set("WWW-Authenticate", `Bearer realm="`+tc.realm+`",service="s"`)
					w.WriteHeader(http.StatusUnauthorized)
				}
			}))
			for _, k := range []string{"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"} {
				c.Setenv(k, proxy.URL)
			}
			const password = "e2e-pa55-insecure"
			res := loginVerbose(t, c, "registry.example.test", "alice", password, "--insecure")
			if tc.ok {
				if res.ExitCode != 0 || !strings.Contains(res.Stdout, "Login Succeeded") {
					t.Fatalf("regkey login --insecure with its token server on the registry: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
				}
				return
			}
			assertLoginRefused(t, c, res, password, "refusing to send credentials to plain-HTTP token server "+tc.realm,
				"registry.example.test", "hint: the token server would get the password in clear")
			for _, r := range proxy.Requests() {
				if r.Host == "auth.example.test" {
					t.Errorf("the token server on another host received a request:\n%s", r)
				}
			}
			proxy.AssertNoSecret(t, password)
		})
	}

	// docker-registry with token auth on localhost, its token server on
	// another loopback port over plain HTTP: nothing leaves the machine.
	t.Run("plain-HTTP token server beside a loopback registry", func(t *testing.T) {
		t.Parallel()
		c := newClient(t, backends[0])
		r := testenv.TokenRegistry(t)
		res := loginVerbose(t, c, r.Host, r.User, r.Password)
		if res.ExitCode != 0 || !strings.Contains(res.Stdout, "Login Succeeded") || !strings.Contains(res.Stderr, "GET "+r.Token.Realm+": 200 OK") {
			t.Fatalf("regkey login to a token registry on loopback: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
		}
	})

	t.Run("TLS token server on another host stays verified", func(t *testing.T) {
		t.Parallel()
		c := newClient(t, backends[0])
		token := testenv.NewTLSRecorder(t, nil) // a certificate nobody trusts
		h := (&testenv.Hostile{Bearer: true, Realm: testenv.LocalhostURL(token.URL) + "/token"}).Start(t, true)
		const password = "e2e-pa55-tls"
		res := loginVerbose(t, c, h.Host, "alice", password, "--insecure")
		assertLoginRefused(t, c, res, password, "certificate")
		if n := len(token.Requests()); n != 0 {
			t.Errorf("the token server with an unverified certificate received %d request(s):\n%v", n, token.Requests())
		}
		token.AssertNoSecret(t, password)
		// The registry's own certificate was not verified (--insecure): the
		// ping went through and named the token server.
		if !strings.Contains(res.Stderr, "GET "+h.URL+"/v2/: 401 Unauthorized") {
			t.Errorf("--insecure did not reach the registry:\n%s", res.Stderr)
		}
	})
}
