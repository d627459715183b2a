package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regkey/regkey/internal/testenv"
)

// routeToGHCR writes a regkey config with a rule sending host to the ghcr
// provider (built-in detection only knows ghcr.io, which tests cannot
// reach) and points REGKEY_CONFIG at it.
func routeToGHCR(t *testing.T, c *testenv.Client, host, extra string) {
	t.Helper()
	path := filepath.Join(c.Dir, "regkey-config.yaml")
	yaml := "registries:\n  - match: \"" + host + "\"\n    provider: ghcr\n" + extra
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c.Setenv("REGKEY_CONFIG", path)
}

// TestGHCR: the ghcr provider answers from GITHUB_TOKEN (username
// GITHUB_ACTOR), and from the real gh CLI's login (token and user from a
// hosts.yml the test writes, with the network unreachable).
func TestGHCR(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "skopeo")
	r := testenv.BasicRegistry(t)
	img := testenv.NewImage(t, "v1")
	ref := r.Push(t, img, "owner/app:v1")

	t.Run("GITHUB_TOKEN", func(t *testing.T) {
		t.Parallel()
		c := newProviderClient(t)
		useCredHelper(t, c, r.Host)
		routeToGHCR(t, c, r.Host, "")
		c.Setenv("GITHUB_TOKEN", r.Password)
		c.Setenv("GITHUB_ACTOR", r.User)
		if d, res := skopeoInspect(t, c, ref); d != img.Digest {
			t.Fatalf("skopeo inspect: digest %q, want %s\nstderr: %s", d, img.Digest, res.Stderr)
		}
		assertNoPlaintext(t, c, r.Password)
	})

	t.Run("gh CLI", func(t *testing.T) {
		t.Parallel()
		testenv.RequireProgram(t, "gh")
		c := newProviderClient(t)
		useCredHelper(t, c, r.Host)
		routeToGHCR(t, c, r.Host, "    token_source: gh\n")
		ghDir := filepath.Join(c.Dir, "gh")
		if err := os.MkdirAll(ghDir, 0o700); err != nil {
			t.Fatal(err)
		}
		hosts := "github.com:\n    oauth_token: " + r.Password + "\n    user: " + r.User + "\n    git_protocol: https\n"
		if err := os.WriteFile(filepath.Join(ghDir, "hosts.yml"), []byte(hosts), 0o600); err != nil {
			t.Fatal(err)
		}
		c.Setenv("GH_CONFIG_DIR", ghDir)
		c.Setenv("GITHUB_TOKEN", "wrong-token-must-not-be-used")
		if d, res := skopeoInspect(t, c, ref); d != img.Digest {
			t.Fatalf("skopeo inspect: digest %q, want %s\nstderr: %s", d, img.Digest, res.Stderr)
		}
		if got, ok := helperGet(t, c, r.Host); !ok || got.Username != r.User || got.Secret != r.Password {
			t.Errorf("get %s = %+v, %v; want gh's user and token", r.Host, got, ok)
		}
	})

	t.Run("stored token", func(t *testing.T) {
		t.Parallel()
		// No GH_TOKEN, GITHUB_TOKEN or gh login: a token stored with
		// docker login or regkey login answers.
		c := newProviderClient(t)
		useCredHelper(t, c, r.Host)
		routeToGHCR(t, c, r.Host, "")
		helperStore(t, c, r.Host, r.User, r.Password)
		if d, res := skopeoInspect(t, c, ref); d != img.Digest {
			t.Fatalf("skopeo inspect: digest %q, want %s\nstderr: %s", d, img.Digest, res.Stderr)
		}
	})

	t.Run("no token", func(t *testing.T) {
		t.Parallel()
		c := newProviderClient(t)
		routeToGHCR(t, c, r.Host, "    token_source: env\n")
		res := getKey(t, c, r.Host)
		assertNotFoundSaysWhy(t, res, "ghcr")
		if !strings.Contains(res.Stderr, "GITHUB_TOKEN") {
			t.Errorf("stderr %q: want a hint saying what to set", res.Stderr)
		}
	})
}
