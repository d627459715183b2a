package testenv

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNewImageLayout(t *testing.T) {
	t.Parallel()
	img := NewImage(t, "v1")
	var index struct {
		Manifests []descriptor `json:"manifests"`
	}
	b, err := os.ReadFile(filepath.Join(img.Dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &index); err != nil {
		t.Fatal(err)
	}
	if len(index.Manifests) != 1 || index.Manifests[0].Digest != img.Digest ||
		index.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != "v1" {
		t.Fatalf("index.json = %s", b)
	}
	blobs, err := os.ReadDir(filepath.Join(img.Dir, "blobs", "sha256"))
	if err != nil {
		t.Fatal(err)
	}
	if len(blobs) != 3 {
		t.Errorf("%d blobs, want 3 (layer, config, manifest)", len(blobs))
	}
	for _, e := range blobs {
		data, err := os.ReadFile(filepath.Join(img.Dir, "blobs", "sha256", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != e.Name() {
			t.Errorf("blob %s does not match its digest", e.Name())
		}
	}
	if other := NewImage(t, "v1"); other.Digest == img.Digest {
		t.Error("two images have the same digest; content should be unique")
	}
}

func TestPushReachesRegistry(t *testing.T) {
	t.Parallel()
	for _, opts := range []RegistryOptions{{}, {Token: true}, {TLS: true}} {
		r := NewRegistry(t, opts)
		img := NewImage(t, "v1")
		ref := r.Push(t, img, "test/hello:v1")
		if ref != r.Host+"/test/hello:v1" {
			t.Errorf("Push returned %q", ref)
		}
		if opts.Token {
			continue // reading back needs a token; the e2e tests cover it
		}
		req, _ := http.NewRequest(http.MethodHead, r.URL+"/v2/test/hello/manifests/v1", nil)
		req.SetBasicAuth(r.User, r.Password)
		req.Header.Set("Accept", mediaTypeManifest)
		resp, err := r.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Docker-Content-Digest"); got != img.Digest {
			t.Errorf("%+v: registry has digest %q, want %q", opts, got, img.Digest)
		}
	}
}

func TestClientEnvironmentIsIsolated(t *testing.T) {
	t.Parallel()
	c := NewClient(t, nil)
	res := c.MustRun(t, nil, "env")
	env := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(res.Stdout), "\n") {
		k, v, _ := strings.Cut(line, "=")
		env[k] = v
	}
	for _, k := range []string{"AWS_CA_BUNDLE", "SSL_CERT_FILE", "GOFLAGS"} {
		if _, ok := env[k]; ok {
			t.Errorf("%s leaked into the client environment", k)
		}
	}
	for k, want := range map[string]string{
		"HOME":               c.Home,
		"DOCKER_CONFIG":      c.DockerConfig,
		"REGISTRY_AUTH_FILE": c.AuthFile,
		"XDG_RUNTIME_DIR":    c.RuntimeDir,
		"HTTPS_PROXY":        DeadProxy,
		"NO_PROXY":           "127.0.0.1,localhost",
	} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
	}
	if !strings.HasPrefix(env["PATH"], c.BinDir+":") {
		t.Errorf("PATH %q does not start with %s", env["PATH"], c.BinDir)
	}
	if fi, err := os.Stat(c.RuntimeDir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("runtime dir: %v %v", fi.Mode(), err)
	}
}

// fakeHelper is a stand-in for the regkey binary: it saves its stdin and
// answers get with the not-found text.
const fakeHelper = `#!/bin/sh
cat > "$(dirname "$0")/stdin-$1"
case "$1" in get) echo "credentials not found in native keychain"; exit 1 ;; esac
`

func TestTraceHelperLogsWithoutSecrets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	helper := filepath.Join(dir, HelperName)
	WriteExecutable(t, helper, []byte(fakeHelper))
	c := NewClient(t, &Binary{Dir: dir, Regkey: helper, Helper: helper})
	c.TraceHelper(t)

	store := []byte(`{"ServerURL":"127.0.0.1:5000","Username":"u","Secret":"s3cret"}` + "\n")
	c.MustRun(t, store, HelperName, "store")
	if res := c.Run(t, []byte("127.0.0.1:5000/test/x"), HelperName, "get"); res.ExitCode != 1 {
		t.Errorf("get: exit %d, want 1", res.ExitCode)
	}
	c.MustRun(t, []byte("unused"), HelperName, "list")

	got := c.HelperCalls(t)
	want := []HelperCall{{"store", "127.0.0.1:5000", 0}, {"get", "127.0.0.1:5000/test/x", 1}, {"list", "", 0}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if n := CountCalls(got, "get", ""); n != 1 {
		t.Errorf("CountCalls(get) = %d", n)
	}
	passed, err := os.ReadFile(filepath.Join(dir, "stdin-store"))
	if err != nil {
		t.Fatal(err)
	}
	if string(passed) != string(store) {
		t.Errorf("stdin passed through as %q, want %q", passed, store)
	}
	log, _ := os.ReadFile(filepath.Join(c.Dir, "helper-calls.log"))
	if strings.Contains(string(log), "s3cret") {
		t.Error("the call log holds the secret")
	}
	c.ResetHelperCalls(t)
	if calls := c.HelperCalls(t); len(calls) != 0 {
		t.Errorf("after reset: %v", calls)
	}
}
