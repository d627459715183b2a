package e2e

import (
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
