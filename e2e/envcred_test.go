package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/providers/envcred"
)

// newProviderClient is a client with the file keystore (empty) and regkey
// on PATH: provider scenarios need no keyring, and an empty keystore makes
// sure the answer came from the provider.
func newProviderClient(t *testing.T) *testenv.Client {
	t.Helper()
	c := testenv.NewClient(t, testenv.BuildRegkey(t))
	c.UseFileKeystore(t)
	return c
}

// skopeoInspect runs skopeo inspect through regkey (credHelpers in the auth
// file) and returns the manifest digest, or "" with the result on failure.
func skopeoInspect(t *testing.T, c *testenv.Client, ref string) (string, testenv.Result) {
	t.Helper()
	res := c.Run(t, nil, "skopeo", "inspect", "--tls-verify=false", "docker://"+ref)
	if res.ExitCode != 0 {
		return "", res
	}
	var out struct{ Digest string }
	if err := json.Unmarshal([]byte(res.Stdout), &out); err != nil {
		t.Fatalf("skopeo inspect output: %v in %q", err, res.Stdout)
	}
	return out.Digest, res
}

// TestEnvCredSkopeo: REGKEY_AUTH_<HOST>=user:secret lets skopeo read a
// private image through docker-credential-regkey, with nothing stored.
func TestEnvCredSkopeo(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "skopeo")
	r := testenv.BasicRegistry(t)
	img := testenv.NewImage(t, "v1")
	ref := r.Push(t, img, "test/envcred:v1")
	c := newProviderClient(t)
	useCredHelper(t, c, r.Host)

	if d, _ := skopeoInspect(t, c, ref); d != "" {
		t.Fatalf("skopeo inspect worked with no credentials at all")
	}
	name := envcred.AuthVar(r.Host) // REGKEY_AUTH_127_0_0_1_<PORT>
	if want := "REGKEY_AUTH_127_0_0_1_" + strings.TrimPrefix(r.Host, "127.0.0.1:"); name != want {
		t.Fatalf("AuthVar(%s) = %s, want %s", r.Host, name, want)
	}
	c.Setenv(name, r.User+":"+r.Password)
	if d, res := skopeoInspect(t, c, ref); d != img.Digest {
		t.Fatalf("skopeo inspect with %s: digest %q, want %s\nstderr: %s", name, d, img.Digest, res.Stderr)
	}
	if got, ok := helperGet(t, c, r.Host); !ok || got.Username != r.User || got.Secret != r.Password {
		t.Errorf("get %s = %+v, %v; want the env credential", r.Host, got, ok)
	}
	assertNoPlaintext(t, c, r.Password)

	// The pair form works the same way.
	c.Unsetenv(name)
	c.Setenv(envcred.UsernameVar(r.Host), r.User)
	c.Setenv(envcred.PasswordVar(r.Host), r.Password)
	if d, res := skopeoInspect(t, c, ref); d != img.Digest {
		t.Errorf("skopeo inspect with the username/password pair: digest %q\nstderr: %s", d, res.Stderr)
	}
}

// TestEnvCredDocker: docker manifest inspect reads through regkey (credHelpers
// in config.json) with the credential in REGKEY_AUTH_<HOST>.
func TestEnvCredDocker(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "docker")
	r := testenv.BasicRegistry(t)
	ref := r.Push(t, testenv.NewImage(t, "v1"), "test/envcred-docker:v1")
	c := newProviderClient(t)
	c.WriteDockerConfig(t, map[string]any{"credHelpers": map[string]string{r.Host: "regkey"}})
	c.Setenv(envcred.AuthVar(r.Host), r.User+":"+r.Password)
	c.MustRun(t, nil, "docker", "manifest", "inspect", "--insecure", ref)
}

// TestEnvCredMalformed: a malformed value is a loud error naming the
// variable, never the not-found answer, and never the value.
func TestEnvCredMalformed(t *testing.T) {
	t.Parallel()
	c := newProviderClient(t)
	const host = "registry.example.test:5000"
	name := envcred.AuthVar(host)
	c.Setenv(name, "no-colon-secret-value")
	res := c.Run(t, []byte(host), testenv.HelperName, "get")
	out := res.Stdout + res.Stderr
	if res.ExitCode != 1 || strings.TrimSpace(res.Stdout) == notFound {
		t.Fatalf("get with a malformed value: exit %d, stdout %q", res.ExitCode, res.Stdout)
	}
	if !strings.Contains(out, name) {
		t.Errorf("error does not name %s: %q", name, out)
	}
	if strings.Contains(out, "no-colon-secret-value") {
		t.Errorf("error leaks the value: %q", out)
	}
	// A hyphenated look-alike host does not get the credential.
	c.Setenv(name, "u:p")
	if got, ok := helperGet(t, c, "registry-example.test:5000"); ok {
		t.Errorf("look-alike host got a credential: %+v", got)
	}
}

// TestNeverCachedProvidersLeaveTheCacheAlone: env, GitLab and GHCR
// credentials are read on every get and never cached, so a cache
// directory that cannot be made (a read-only home in a CI container) costs
// them nothing: no warning, no file.
func TestNeverCachedProvidersLeaveTheCacheAlone(t *testing.T) {
	t.Parallel()
	c := newProviderClient(t)
	notADir := filepath.Join(c.Dir, "cache-is-a-file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	c.Setenv("XDG_CACHE_HOME", notADir)
	c.Setenv(envcred.AuthVar("registry.example.test"), "ci:e2e-env-secret")
	c.Setenv("CI_REGISTRY", "registry.gitlab.example.test")
	c.Setenv("CI_JOB_TOKEN", "e2e-job-token")
	c.Setenv("GITHUB_TOKEN", "e2e-github-token")
	for key, want := range map[string]string{
		"registry.example.test": "e2e-env-secret", "registry.gitlab.example.test": "e2e-job-token", "ghcr.io": "e2e-github-token",
	} {
		res := c.Run(t, []byte(key), testenv.HelperName, "get")
		var got cred
		if res.ExitCode != 0 || json.Unmarshal([]byte(res.Stdout), &got) != nil || got.Secret != want {
			t.Errorf("get %s: exit %d, stdout %q; want %q", key, res.ExitCode, res.Stdout, want)
		}
		if res.Stderr != "" {
			t.Errorf("get %s wrote to stderr: %q", key, res.Stderr)
		}
	}
}
