package e2e

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/regkey/regkey/internal/testenv"
)

// twoSpellings starts a registry, pushes an image and returns a client wired
// by `regkey setup` (docker's credsStore, podman's credential-helpers) with
// the registry's two spellings: podman's "localhost:PORT" and the
// "LOCALHOST:PORT" a person may type to docker, which keeps the case.
func twoSpellings(t *testing.T) (c *testenv.Client, r *testenv.Registry, lower, upper string) {
	t.Helper()
	testenv.RequireProgram(t, "docker")
	testenv.RequireProgram(t, "skopeo")
	r = testenv.BasicRegistry(t)
	r.Push(t, testenv.NewImage(t, "v1"), "test/hello:v1")
	port := r.Host[strings.LastIndexByte(r.Host, ':')+1:]
	lower, upper = "localhost:"+port, "LOCALHOST:"+port
	c = newClient(t, backends[0])
	c.Unsetenv("REGISTRY_AUTH_FILE")
	// docker finds ~/.docker by itself; skopeo 1.9 and podman 4, given
	// DOCKER_CONFIG, rewrite its config.json at logout as an auth.json,
	// dropping credsStore.
	c.Unsetenv("DOCKER_CONFIG")
	c.MustRun(t, nil, "regkey", "setup", "--docker", "--podman", "--registries-conf")
	return c, r, lower, upper
}

// assertLoggedOut checks that neither docker nor skopeo authenticates to
// the registry any more, under either spelling, and that the keystore holds
// nothing for it.
func assertLoggedOut(t *testing.T, c *testenv.Client, lower, upper string) {
	t.Helper()
	for _, host := range []string{lower, upper} {
		if got, ok := helperGet(t, c, host); ok {
			t.Errorf("after logout, get %s still answers %s's login", host, got.Username)
		}
		res := c.Run(t, nil, "docker", "manifest", "inspect", "--insecure", host+"/test/hello:v1")
		if res.ExitCode == 0 || !strings.Contains(res.Stderr, "unauthorized") && !strings.Contains(res.Stderr, "no basic auth credentials") {
			t.Errorf("after logout, docker manifest inspect %s: exit %d\n%s%s", host, res.ExitCode, res.Stdout, res.Stderr)
		}
		res = c.Run(t, nil, "skopeo", "inspect", "--tls-verify=false", "docker://"+host+"/test/hello:v1")
		if res.ExitCode == 0 || !strings.Contains(res.Stderr, "unauthorized") {
			t.Errorf("after logout, skopeo inspect %s: exit %d\n%s%s", host, res.ExitCode, res.Stdout, res.Stderr)
		}
	}
	if list := helperList(t, c); len(list) != 0 {
		t.Errorf("after logout the keystore holds %v", list)
	}
}

// TestDockerLogoutEndsPodmansLogin: skopeo (as podman would) stored its
// login as "localhost:PORT", docker its own as "LOCALHOST:PORT"; docker
// erases only its spellings, and afterwards neither docker nor skopeo
// authenticates.
func TestDockerLogoutEndsPodmansLogin(t *testing.T) {
	t.Parallel()
	c, r, lower, upper := twoSpellings(t)
	c.MustRun(t, []byte(r.Password+"\n"), "skopeo", "login", "--tls-verify=false", "-u", r.User, "--password-stdin", lower)
	if res := dockerLogin(t, c, upper, r.User, r.Password); res.ExitCode != 0 {
		t.Fatalf("docker login: exit %d\n%s", res.ExitCode, res.Stderr)
	}
	if diff := cmp.Diff(map[string]string{lower: r.User, upper: r.User}, helperList(t, c)); diff != "" {
		t.Fatalf("the two logins (-want +got):\n%s", diff)
	}
	c.MustRun(t, nil, "docker", "manifest", "inspect", "--insecure", upper+"/test/hello:v1")
	c.ResetHelperCalls(t)

	res := c.MustRun(t, nil, "docker", "logout", upper)
	if !strings.Contains(res.Stdout, "Removing login credentials for "+upper) {
		t.Errorf("docker logout said:\n%s%s", res.Stdout, res.Stderr)
	}
	var want []testenv.HelperCall
	for _, key := range []string{upper, upper, "http://" + upper, "https://" + upper} {
		want = append(want, testenv.HelperCall{Verb: "erase", Key: key})
	}
	if diff := cmp.Diff(want, c.HelperCalls(t)); diff != "" {
		t.Errorf("docker logout helper calls (-want +got):\n%s", diff)
	}
	assertLoggedOut(t, c, lower, upper)
}

// TestSkopeoLogoutEndsDockersLogin: docker stored "LOCALHOST:PORT"; skopeo
// authenticates to "localhost:PORT" through it (one login for every
// client), and `skopeo logout localhost:PORT` ends it for docker too.
func TestSkopeoLogoutEndsDockersLogin(t *testing.T) {
	t.Parallel()
	c, r, lower, upper := twoSpellings(t)
	if res := dockerLogin(t, c, upper, r.User, r.Password); res.ExitCode != 0 {
		t.Fatalf("docker login: exit %d\n%s", res.ExitCode, res.Stderr)
	}
	c.MustRun(t, nil, "skopeo", "inspect", "--tls-verify=false", "docker://"+lower+"/test/hello:v1")
	c.ResetHelperCalls(t)

	c.MustRun(t, nil, "skopeo", "logout", lower)
	if diff := cmp.Diff([]testenv.HelperCall{{Verb: "erase", Key: lower}}, c.HelperCalls(t)); diff != "" {
		t.Errorf("skopeo logout helper calls (-want +got):\n%s", diff)
	}
	assertLoggedOut(t, c, lower, upper)
}

// TestPodLogout (a short name: podman limits the runroot
// path): as TestSkopeoLogoutEndsDockersLogin, with podman's own login and
// logout, both spellings stored.
func TestPodLogout(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "podman")
	c, r, lower, upper := twoSpellings(t)
	if res := dockerLogin(t, c, upper, r.User, r.Password); res.ExitCode != 0 {
		t.Fatalf("docker login: exit %d\n%s", res.ExitCode, res.Stderr)
	}
	podman := func(stdin []byte, args ...string) testenv.Result {
		t.Helper()
		return c.MustRun(t, stdin, "podman", c.PodmanArgs(args...)...)
	}
	podman([]byte(r.Password+"\n"), "login", "--tls-verify=false", "-u", r.User, "--password-stdin", lower)
	if diff := cmp.Diff(map[string]string{lower: r.User, upper: r.User}, helperList(t, c)); diff != "" {
		t.Fatalf("the two logins (-want +got):\n%s", diff)
	}
	assertNoPlaintext(t, c, r.Password)
	c.ResetHelperCalls(t)

	podman(nil, "logout", lower)
	if diff := cmp.Diff([]testenv.HelperCall{{Verb: "erase", Key: lower}}, c.HelperCalls(t)); diff != "" {
		t.Errorf("podman logout helper calls (-want +got):\n%s", diff)
	}
	assertLoggedOut(t, c, lower, upper)
}

// TestLogoutDockerHub: Docker Hub's spellings, through the real docker and
// skopeo logouts (neither goes to the network): docker's
// https://index.docker.io/v1/ and podman's docker.io are one login, and
// docker's opaque refresh-token entry is left to docker, which erases it by
// name. A login for a repository path below a host is another login.
func TestLogoutDockerHub(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "docker")
	testenv.RequireProgram(t, "skopeo")
	const hubKey, refresh = "https://index.docker.io/v1/", "https://index.docker.io/v1/refresh-token"
	c := newClient(t, backends[0])
	c.Unsetenv("REGISTRY_AUTH_FILE")
	c.Unsetenv("DOCKER_CONFIG") // see twoSpellings
	c.MustRun(t, nil, "regkey", "setup", "--docker", "--podman", "--registries-conf")
	// docker logout erases only what config.json says it logged in to.
	c.WriteDockerConfig(t, map[string]any{"credsStore": "regkey", "auths": map[string]any{hubKey: map[string]any{}}})

	helperStore(t, c, "docker.io", "bob", "podman-pat")
	helperStore(t, c, hubKey, "bob", "docker-pat")
	helperStore(t, c, refresh, "bob", "not-a-refresh-token")
	helperStore(t, c, "registry.example.test/team-a", "team", "team-pw")
	helperStore(t, c, "registry.example.test", "me", "host-pw")
	c.MustRun(t, nil, "docker", "logout")
	for _, key := range []string{hubKey, "docker.io", "index.docker.io", "registry-1.docker.io"} {
		if got, ok := helperGet(t, c, key); ok {
			t.Errorf("after docker logout, get %s answers %s", key, got.Secret)
		}
	}
	if _, ok := helperGet(t, c, refresh); !ok {
		t.Errorf("docker logout left its refresh-token entry to regkey, which erased it")
	}

	helperStore(t, c, hubKey, "bob", "docker-pat")
	c.MustRun(t, nil, "skopeo", "logout", "docker.io")
	if got, ok := helperGet(t, c, hubKey); ok {
		t.Errorf("after skopeo logout docker.io, docker's login answers %s", got.Secret)
	}

	// A host's login and a repository path's are two logins.
	c.MustRun(t, []byte("registry.example.test"), testenv.HelperName, "erase")
	if got, ok := helperGet(t, c, "registry.example.test/team-a/app"); !ok || got.Secret != "team-pw" {
		t.Errorf("erase of the host took the login for a repository below it: %+v %v", got, ok)
	}
	if _, ok := helperGet(t, c, "registry.example.test/team-b/app"); ok {
		t.Errorf("the host's login still answers after its erase")
	}
}
