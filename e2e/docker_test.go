package e2e

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/regkey/regkey/internal/testenv"
)

// dockerLogin runs `docker login -u USER --password-stdin HOST`.
func dockerLogin(t *testing.T, c *testenv.Client, host, user, password string) testenv.Result {
	t.Helper()
	return c.Run(t, []byte(password+"\n"), "docker", "login", "-u", user, "--password-stdin", host)
}

// TestDockerCredsStore: with credsStore=regkey, docker login stores through
// regkey (config.json keeps only a placeholder), manifest inspect reads
// through it, and logout erases.
func TestDockerCredsStore(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "docker")
	eachBackend(t, func(t *testing.T, c *testenv.Client) {
		r := testenv.BasicRegistry(t)
		ref := r.Push(t, testenv.NewImage(t, "v1"), "test/hello:v1")
		c.WriteDockerConfig(t, map[string]any{"credsStore": "regkey"})
		dockerLoginInspectLogout(t, c, r, ref, 4)
	})
}

// TestDockerCredHelpers is TestDockerCredsStore with a per-registry
// credHelpers entry instead of credsStore.
func TestDockerCredHelpers(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "docker")
	eachBackend(t, func(t *testing.T, c *testenv.Client) {
		r := testenv.BasicRegistry(t)
		ref := r.Push(t, testenv.NewImage(t, "v1"), "test/hello:v1")
		c.WriteDockerConfig(t, map[string]any{"credHelpers": map[string]string{r.Host: "regkey"}})
		dockerLoginInspectLogout(t, c, r, ref, 2)
	})
}

// dockerLoginInspectLogout is the docker round trip shared by the credsStore
// and credHelpers tests; docker logout erases wantErases times.
func dockerLoginInspectLogout(t *testing.T, c *testenv.Client, r *testenv.Registry, ref string, wantErases int) {
	t.Helper()
	// A wrong password fails at the registry and never reaches the helper.
	if res := dockerLogin(t, c, r.Host, r.User, "wrong-"+r.Password); res.ExitCode == 0 {
		t.Fatalf("docker login with a wrong password succeeded:\n%s", res.Stdout)
	}
	if calls := c.HelperCalls(t); testenv.CountCalls(calls, "store", "") != 0 {
		t.Errorf("failed login called store: %v", calls)
	}
	c.ResetHelperCalls(t)

	res := dockerLogin(t, c, r.Host, r.User, r.Password)
	if res.ExitCode != 0 {
		t.Fatalf("docker login: exit %d\nstdout: %s\nstderr: %s", res.ExitCode, res.Stdout, res.Stderr)
	}
	if strings.Contains(res.Stdout+res.Stderr, "unencrypted") {
		t.Errorf("docker warned about unencrypted storage:\n%s", res.Stderr)
	}
	calls := c.HelperCalls(t)
	if diff := cmp.Diff([]testenv.HelperCall{{Verb: "store", Key: r.Host}}, calls); diff != "" {
		t.Errorf("docker login helper calls (-want +got):\n%s", diff)
	}
	auths, _ := c.ReadDockerConfig(t)["auths"].(map[string]any)
	if entry, ok := auths[r.Host].(map[string]any); !ok || len(entry) != 0 {
		t.Errorf("config.json auths[%s] = %v, want the empty placeholder", r.Host, auths[r.Host])
	}
	assertNoPlaintext(t, c, r.Password)
	assertNoPlaintext(t, c, base64.StdEncoding.EncodeToString([]byte(r.User+":"+r.Password)))
	if got, ok := helperGet(t, c, r.Host); !ok || got.Username != r.User || got.Secret != r.Password {
		t.Errorf("get %s after login = %+v, %v", r.Host, got, ok)
	}
	c.ResetHelperCalls(t)

	res = c.Run(t, nil, "docker", "manifest", "inspect", "--insecure", ref)
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, `"schemaVersion"`) {
		t.Fatalf("docker manifest inspect: exit %d\nstdout: %s\nstderr: %s", res.ExitCode, res.Stdout, res.Stderr)
	}
	calls = c.HelperCalls(t)
	if n := testenv.CountCalls(calls, "get", r.Host); n == 0 || n != len(calls) {
		t.Errorf("manifest inspect helper calls = %v, want only get %s", calls, r.Host)
	}
	c.ResetHelperCalls(t)

	c.MustRun(t, nil, "docker", "logout", r.Host)
	calls = c.HelperCalls(t)
	if n := testenv.CountCalls(calls, "erase", ""); n != wantErases || n != len(calls) {
		t.Errorf("docker logout helper calls = %v, want %d erase", calls, wantErases)
	}
	for _, call := range calls {
		if call.ExitCode != 0 {
			t.Errorf("erase %q exited %d; erasing is idempotent", call.Key, call.ExitCode)
		}
	}
	if _, ok := helperGet(t, c, r.Host); ok {
		t.Error("credential still there after docker logout")
	}
	if list := helperList(t, c); len(list) != 0 {
		t.Errorf("list after logout = %v, want empty", list)
	}
	if res := c.Run(t, nil, "docker", "manifest", "inspect", "--insecure", ref); res.ExitCode == 0 {
		t.Error("docker manifest inspect still works after logout")
	}
}

// TestDockerIdentityToken: against a token-auth registry docker stores an
// identity token ("<token>") through regkey and later uses it in the OAuth2
// refresh_token flow.
func TestDockerIdentityToken(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "docker")
	eachBackend(t, func(t *testing.T, c *testenv.Client) {
		r := testenv.TokenRegistry(t)
		ref := r.Push(t, testenv.NewImage(t, "v1"), "test/token:v1")
		c.WriteDockerConfig(t, map[string]any{"credsStore": "regkey"})

		res := dockerLogin(t, c, r.Host, r.User, r.Password)
		if res.ExitCode != 0 {
			t.Fatalf("docker login: exit %d\nstdout: %s\nstderr: %s", res.ExitCode, res.Stdout, res.Stderr)
		}
		if calls := c.HelperCalls(t); testenv.CountCalls(calls, "store", r.Host) != 1 {
			t.Errorf("docker login helper calls = %v, want one store %s", calls, r.Host)
		}
		got, ok := helperGet(t, c, r.Host)
		if !ok || got.Username != "<token>" || got.Secret == "" || got.Secret == r.Password {
			t.Fatalf("stored credential: ok=%v username=%q (want <token> and an identity token)", ok, got.Username)
		}
		assertNoPlaintext(t, c, got.Secret)
		c.ResetHelperCalls(t)

		before := r.Token.RefreshGrants()
		res = c.Run(t, nil, "docker", "manifest", "inspect", "--insecure", ref)
		if res.ExitCode != 0 {
			t.Fatalf("docker manifest inspect: exit %d\nstdout: %s\nstderr: %s\ntoken requests: %+v",
				res.ExitCode, res.Stdout, res.Stderr, r.Token.Requests())
		}
		if r.Token.RefreshGrants() == before {
			t.Errorf("docker did not use the identity token (no POST refresh_token): %+v", r.Token.Requests())
		}
		if calls := c.HelperCalls(t); testenv.CountCalls(calls, "get", r.Host) == 0 {
			t.Errorf("manifest inspect helper calls = %v", calls)
		}
	})
}
