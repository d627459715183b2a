package e2e

import (
	"testing"

	"github.com/regkey/regkey/internal/testenv"
)

// TestGitLabCI: inside a (simulated) GitLab CI job, the registry named by
// CI_REGISTRY and the dependency proxy named by CI_DEPENDENCY_PROXY_SERVER
// are read with the job's predefined credentials, with no login and no
// regkey configuration.
func TestGitLabCI(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "skopeo")
	r := testenv.BasicRegistry(t)
	img := testenv.NewImage(t, "v1")
	ref := r.Push(t, img, "group/project/app:v1")

	t.Run("registry", func(t *testing.T) {
		t.Parallel()
		c := newProviderClient(t)
		useCredHelper(t, c, r.Host)
		c.Setenv("GITLAB_CI", "true")
		c.Setenv("CI_REGISTRY", r.Host)
		c.Setenv("CI_REGISTRY_USER", r.User)
		c.Setenv("CI_REGISTRY_PASSWORD", r.Password)
		if d, res := skopeoInspect(t, c, ref); d != img.Digest {
			t.Fatalf("skopeo inspect: digest %q, want %s\nstderr: %s", d, img.Digest, res.Stderr)
		}
		if got, ok := helperGet(t, c, r.Host); !ok || got.Username != r.User || got.Secret != r.Password {
			t.Errorf("get %s = %+v, %v", r.Host, got, ok)
		}
		assertNoPlaintext(t, c, r.Password)
	})

	t.Run("dependency proxy", func(t *testing.T) {
		t.Parallel()
		c := newProviderClient(t)
		useCredHelper(t, c, r.Host)
		c.Setenv("CI_REGISTRY", "registry.gitlab.example.test")
		c.Setenv("CI_REGISTRY_PASSWORD", "not-this-one")
		c.Setenv("CI_DEPENDENCY_PROXY_SERVER", r.Host)
		c.Setenv("CI_DEPENDENCY_PROXY_USER", r.User)
		c.Setenv("CI_DEPENDENCY_PROXY_PASSWORD", r.Password)
		if d, res := skopeoInspect(t, c, ref); d != img.Digest {
			t.Fatalf("skopeo inspect: digest %q, want %s\nstderr: %s", d, img.Digest, res.Stderr)
		}
	})

	t.Run("outside CI", func(t *testing.T) {
		t.Parallel()
		c := newProviderClient(t)
		c.Setenv("CI_REGISTRY_PASSWORD", r.Password) // no CI_REGISTRY: nothing names the host
		if got, ok := helperGet(t, c, r.Host); ok {
			t.Errorf("get %s without CI_REGISTRY = %+v, want not found", r.Host, got)
		}
	})
}
