package e2e

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/regkey/regkey/internal/testenv"
)

// useCredHelper writes the client's auth file ($REGISTRY_AUTH_FILE) with a
// credHelpers entry sending host to regkey: podman and skopeo ignore
// credsStore.
func useCredHelper(t *testing.T, c *testenv.Client, host string) {
	t.Helper()
	c.WriteAuthFile(t, map[string]any{"credHelpers": map[string]string{host: "regkey"}})
}

// assertAuthFileHasNoAuths fails if the auth file gained an auths entry for
// host: with a helper configured, the secret belongs to the helper.
func assertAuthFileHasNoAuths(t *testing.T, c *testenv.Client, host string) {
	t.Helper()
	auths, _ := c.ReadAuthFile(t)["auths"].(map[string]any)
	if _, ok := auths[host]; ok {
		t.Errorf("auth file gained auths[%s]: %v", host, auths[host])
	}
}

// TestSkopeo: skopeo login stores through regkey (get, then store), copy
// and inspect read through it, logout erases.
func TestSkopeo(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "skopeo")
	eachBackend(t, func(t *testing.T, c *testenv.Client) {
		r := testenv.BasicRegistry(t)
		img := testenv.NewImage(t, "v1")
		useCredHelper(t, c, r.Host)

		c.MustRun(t, []byte(r.Password+"\n"), "skopeo", "login", "--tls-verify=false", "-u", r.User, "--password-stdin", r.Host)
		want := []testenv.HelperCall{{Verb: "get", Key: r.Host, ExitCode: 1}, {Verb: "store", Key: r.Host}}
		if diff := cmp.Diff(want, c.HelperCalls(t)); diff != "" {
			t.Errorf("skopeo login helper calls (-want +got):\n%s", diff)
		}
		assertAuthFileHasNoAuths(t, c, r.Host)
		assertNoPlaintext(t, c, r.Password)
		c.ResetHelperCalls(t)

		ref := "docker://" + r.Host + "/test/skopeo:v1"
		c.MustRun(t, nil, "skopeo", "copy", "--quiet", "--dest-tls-verify=false", "oci:"+img.Dir+":"+img.Tag, ref)
		res := c.MustRun(t, nil, "skopeo", "inspect", "--tls-verify=false", ref)
		var inspected struct{ Digest string }
		if err := json.Unmarshal([]byte(res.Stdout), &inspected); err != nil || inspected.Digest != img.Digest {
			t.Errorf("skopeo inspect digest %q (%v), want %s", inspected.Digest, err, img.Digest)
		}
		calls := c.HelperCalls(t)
		if n := testenv.CountCalls(calls, "get", r.Host); n == 0 || n != len(calls) {
			t.Errorf("copy+inspect helper calls = %v, want only get %s", calls, r.Host)
		}
		c.ResetHelperCalls(t)

		c.MustRun(t, nil, "skopeo", "logout", r.Host)
		if diff := cmp.Diff([]testenv.HelperCall{{Verb: "erase", Key: r.Host}}, c.HelperCalls(t)); diff != "" {
			t.Errorf("skopeo logout helper calls (-want +got):\n%s", diff)
		}
		if res := c.Run(t, nil, "skopeo", "inspect", "--tls-verify=false", ref); res.ExitCode == 0 {
			t.Error("skopeo inspect still works after logout")
		}
	})
}

// TestPodman: with private --root/--runroot, podman imports a layer, logs in
// through regkey, pushes and logs out.
func TestPodman(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "podman")
	eachBackend(t, func(t *testing.T, c *testenv.Client) {
		r := testenv.BasicRegistry(t)
		img := testenv.NewImage(t, "v1")
		useCredHelper(t, c, r.Host)
		podman := func(args ...string) testenv.Result {
			return c.Run(t, nil, "podman", c.PodmanArgs(args...)...)
		}
		mustPodman := func(stdin []byte, args ...string) {
			t.Helper()
			c.MustRun(t, stdin, "podman", c.PodmanArgs(args...)...)
		}

		mustPodman(nil, "import", "--quiet", img.LayerTar, "localhost/e2e/pod:v1")
		mustPodman([]byte(r.Password+"\n"), "login", "--tls-verify=false", "-u", r.User, "--password-stdin", r.Host)
		calls := c.HelperCalls(t)
		if testenv.CountCalls(calls, "store", r.Host) != 1 {
			t.Errorf("podman login helper calls = %v, want one store %s", calls, r.Host)
		}
		assertAuthFileHasNoAuths(t, c, r.Host)
		assertNoPlaintext(t, c, r.Password)
		c.ResetHelperCalls(t)

		mustPodman(nil, "push", "--quiet", "--tls-verify=false", "localhost/e2e/pod:v1", r.Host+"/test/pod:v1")
		if calls := c.HelperCalls(t); testenv.CountCalls(calls, "get", r.Host) == 0 {
			t.Errorf("podman push helper calls = %v, want get %s", calls, r.Host)
		}
		if code := manifestStatus(t, r, "test/pod", "v1"); code != http.StatusOK {
			t.Errorf("pushed manifest: HTTP %d", code)
		}
		c.ResetHelperCalls(t)

		mustPodman(nil, "logout", r.Host)
		if diff := cmp.Diff([]testenv.HelperCall{{Verb: "erase", Key: r.Host}}, c.HelperCalls(t)); diff != "" {
			t.Errorf("podman logout helper calls (-want +got):\n%s", diff)
		}
		if res := podman("push", "--quiet", "--tls-verify=false", "localhost/e2e/pod:v1", r.Host+"/test/pod:v2"); res.ExitCode == 0 {
			t.Error("podman push still works after logout")
		}
	})
}

// manifestStatus asks the registry (with its own credentials) for a
// manifest and returns the HTTP status.
func manifestStatus(t *testing.T, r *testenv.Registry, repo, tag string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodHead, r.URL+"/v2/"+repo+"/manifests/"+tag, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(r.User, r.Password)
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json")
	resp, err := r.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
