package cli

import (
	"strings"
	"testing"

	"github.com/docker/docker-credential-helpers/client"
	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/regkey/regkey/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestDockerClientLibrary builds the real binary and drives it through
// docker-credential-helpers' client package, the code docker/cli's native
// store runs, so that the wire format is checked by docker's own parser.
func TestDockerClientLibrary(t *testing.T) {
	t.Parallel()
	bin := testenv.BuildRegkey(t)
	c := testenv.NewClient(t, bin)
	c.UseFileKeystore(t)
	env := map[string]string{}
	for _, kv := range c.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	prog := client.NewShellProgramFuncWithEnv(bin.Helper, &env)

	store := func(url, user, secret string) {
		t.Helper()
		if err := client.Store(prog, &credentials.Credentials{ServerURL: url, Username: user, Secret: secret}); err != nil {
			t.Fatalf("Store(%s): %v", url, err)
		}
	}
	wantGet := func(url, user, secret string) {
		t.Helper()
		got, err := client.Get(prog, url)
		if err != nil {
			t.Errorf("Get(%s): %v", url, err)
			return
		}
		// The reference library echoes the trimmed key, and so do we.
		if got.ServerURL != strings.TrimSpace(url) || got.Username != user || got.Secret != secret {
			t.Errorf("Get(%s) = %+v, want %s/%s", url, *got, user, secret)
		}
	}
	wantNotFound := func(url string) {
		t.Helper()
		if got, err := client.Get(prog, url); !credentials.IsErrCredentialsNotFound(err) {
			t.Errorf("Get(%s) = %+v, %v; want the not-found error", url, got, err)
		}
	}

	// docker login with a password, then with an identity token.
	store("127.0.0.1:5101", "testuser", "testpass")
	store("localhost:5055", "<token>", "rt-123")
	wantGet("127.0.0.1:5101", "testuser", "testpass")
	wantGet("localhost:5055", "<token>", "rt-123")
	wantGet(" localhost:5055\n", "<token>", "rt-123")
	// crane asks for HOST/REPO first.
	wantGet("127.0.0.1:5101/test/hello", "testuser", "testpass")
	wantNotFound("127.0.0.1:5102")

	// Docker Hub, stored by docker, read under every client's spelling.
	store("https://index.docker.io/v1/", "bob", "pat&<>")
	for _, k := range []string{"https://index.docker.io/v1/", "docker.io", "index.docker.io",
		"registry-1.docker.io", "registry.hub.docker.com", "index.docker.io/library/alpine"} {
		wantGet(k, "bob", "pat&<>")
	}
	wantNotFound("https://index.docker.io/v1/refresh-token")
	store("https://index.docker.io/v1/refresh-token", "<token>", "r..c")
	wantGet("https://index.docker.io/v1/refresh-token", "<token>", "r..c")

	list, err := client.List(prog)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	want := map[string]string{"127.0.0.1:5101": "testuser", "localhost:5055": "<token>",
		"https://index.docker.io/v1/": "bob", "https://index.docker.io/v1/refresh-token": "<token>"}
	if len(list) != len(want) {
		t.Errorf("List = %v, want %v", list, want)
	}
	for k, v := range want {
		if list[k] != v {
			t.Errorf("List[%s] = %q, want %q", k, list[k], v)
		}
	}

	// docker logout HOST: four erases, every one succeeds.
	for _, k := range []string{"127.0.0.1:5101", "127.0.0.1:5101", "http://127.0.0.1:5101", "https://127.0.0.1:5101"} {
		if err := client.Erase(prog, k); err != nil {
			t.Errorf("Erase(%s): %v", k, err)
		}
	}
	wantNotFound("127.0.0.1:5101")
	wantNotFound("127.0.0.1:5101/test/hello")

	// The reference library's validation errors come back as docker expects.
	if err := client.Store(prog, &credentials.Credentials{ServerURL: "ghcr.io", Secret: "s"}); err == nil ||
		!strings.Contains(err.Error(), "no credentials username") {
		t.Errorf("Store without username = %v", err)
	}
	if _, err := client.Get(prog, ""); err == nil || !strings.Contains(err.Error(), "no credentials server URL") {
		t.Errorf("Get of an empty key = %v", err)
	}
	if err := client.Store(prog, &credentials.Credentials{ServerURL: "bad key", Username: "u", Secret: "s"}); err == nil ||
		!strings.Contains(err.Error(), `server key "bad key" contains white space`) {
		t.Errorf("Store of a bad key = %v", err)
	}

	res := c.MustRun(t, nil, testenv.HelperName, "version")
	if !strings.HasPrefix(res.Stdout, "docker-credential-regkey (github.com/regkey/regkey) ") {
		t.Errorf("version = %q", res.Stdout)
	}
}

// TestBinaryWrongFileKey checks, through the real binary, that a keystore
// that cannot be read answers not found on stdout and explains on stderr.
func TestBinaryWrongFileKey(t *testing.T) {
	t.Parallel()
	bin := testenv.BuildRegkey(t)
	c := testenv.NewClient(t, bin)
	c.UseFileKeystore(t)
	c.MustRun(t, []byte(`{"ServerURL":"ghcr.io","Username":"u","Secret":"s"}`), testenv.HelperName, "store")
	c.UseFileKeystore(t) // a new random key
	res := c.Run(t, []byte("ghcr.io"), testenv.HelperName, "get")
	if res.ExitCode != 1 || res.Stdout != "credentials not found in native keychain\n" {
		t.Errorf("get: exit %d, stdout %q", res.ExitCode, res.Stdout)
	}
	if !strings.Contains(res.Stderr, "cannot read the keystore for ghcr.io") || !strings.Contains(res.Stderr, "hint: ") {
		t.Errorf("stderr %q", res.Stderr)
	}
	res = c.Run(t, []byte(`{"ServerURL":"quay.io","Username":"u","Secret":"s"}`), testenv.HelperName, "store")
	if res.ExitCode != 1 || !strings.HasPrefix(res.Stdout, "docker-credential-regkey: storing credentials for quay.io: ") {
		t.Errorf("store: exit %d, stdout %q", res.ExitCode, res.Stdout)
	}
}
