package e2e

import (
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/testenv"
)

// goEnv returns `go env NAME` of the toolchain running the tests.
func goEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.CommandContext(testenv.Context(t), "go", "env", name).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", name, err)
	}
	return strings.TrimSpace(string(out))
}

// TestMakeInstall runs `make install` into a private PREFIX on machines in
// four states. The cases run one after another because `make install`
// builds into the work tree's bin/regkey.
//
// `make install` builds with the flags BuildRegkey uses, so once the
// binary under test is built (once, for all tests) it finds every package
// in the build cache and only links. Each make is bounded only by the test
// binary's deadline (Client.Run): how long a build takes is the machine's
// business.
func TestMakeInstall(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "make")
	testenv.RequireProgram(t, "docker")
	root, err := testenv.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	testenv.BuildRegkey(t)
	t.Run("FreshMachine", func(t *testing.T) { installOnAFreshMachine(t, root) })
	t.Run("PlaintextLogins", func(t *testing.T) { installWithPlaintextLogins(t, root) })
	t.Run("KeystoreUnavailable", func(t *testing.T) { installWithUnavailableKeystore(t, root) })
	t.Run("NotOnPath", func(t *testing.T) { installNotOnPath(t, root) })
}

// installClient is a client environment with no regkey, whose PATH starts
// with PREFIX/bin, and the make command that installs into that PREFIX.
func installClient(t *testing.T, root string) (*testenv.Client, []string) {
	t.Helper()
	c := testenv.NewClient(t, nil)
	prefix := filepath.Join(c.Dir, "prefix")
	c.Setenv("PATH", filepath.Join(prefix, "bin")+string(os.PathListSeparator)+c.Getenv("PATH"))
	for _, name := range []string{"GOCACHE", "GOMODCACHE", "GOROOT"} {
		c.Setenv(name, goEnv(t, name))
	}
	c.Setenv("GOPROXY", "off") // everything is in the module cache already
	c.Setenv("GOTOOLCHAIN", "local")
	return c, []string{"-C", root, "--no-print-directory", "install", "PREFIX=" + prefix, "VERSION=test", "COMMIT=test"}
}

// installOnAFreshMachine: on a machine with docker and podman installed but
// no config at all, make install builds, installs both names and runs
// setup, which creates docker's config.json; a second install changes
// nothing.
func installOnAFreshMachine(t *testing.T, root string) {
	c, install := installClient(t, root)
	c.UseFileKeystore(t)
	prefix := filepath.Join(c.Dir, "prefix")
	if err := os.RemoveAll(c.DockerConfig); err != nil {
		t.Fatal(err)
	}

	res := c.MustRun(t, nil, "make", install...)
	for _, name := range []string{"regkey", "docker-credential-regkey"} {
		if _, err := os.Stat(filepath.Join(prefix, "bin", name)); err != nil {
			t.Errorf("%s not installed: %v", name, err)
		}
	}
	if got := readFile(t, c.DockerConfigFile()); got != "{\n\t\"credsStore\": \"regkey\"\n}\n" {
		t.Errorf("config.json after make install = %q\n%s", got, res.Stdout)
	}
	c.MustRun(t, nil, "docker-credential-regkey", "version")
	doctor := c.Run(t, nil, "regkey", "doctor", "--offline")
	if doctor.ExitCode != 0 || !strings.Contains(doctor.Stdout, "docker-credential-regkey is on PATH") {
		t.Errorf("doctor after make install:\n%s%s", doctor.Stdout, doctor.Stderr)
	}

	res = c.MustRun(t, nil, "make", install...)
	if !strings.Contains(res.Stdout, "nothing to change") {
		t.Errorf("second make install:\n%s", res.Stdout)
	}
}

// plaintextConfig is a docker config.json holding logins in plaintext, as
// docker writes them without a credential store, plus settings of its own.
func plaintextConfig(r *testenv.Registry) map[string]any {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	return map[string]any{
		"auths": map[string]any{
			r.Host:             map[string]string{"auth": b64(r.User + ":" + r.Password)},
			auth.HubKey:        map[string]string{"auth": b64("hubuser:hub-secret-1"), "email": "hub@example.invalid"},
			"tok.example.test": map[string]string{"identitytoken": "identity-token-2"},
		},
		"psFormat": "table {{.ID}}",
	}
}

// installWithPlaintextLogins: make install on a machine whose docker
// config holds plaintext logins moves every one into the keystore (no secret
// left in any file, each readable through the helper, docker still
// authenticates) and keeps docker's other settings.
func installWithPlaintextLogins(t *testing.T, root string) {
	r := testenv.BasicRegistry(t)
	ref := r.Push(t, testenv.NewImage(t, "v1"), "test/install:v1")
	c, install := installClient(t, root)
	c.UseFileKeystore(t)
	c.WriteDockerConfig(t, plaintextConfig(r))

	res := c.MustRun(t, nil, "make", install...)
	cfg := c.ReadDockerConfig(t)
	if cfg["credsStore"] != "regkey" || cfg["psFormat"] != "table {{.ID}}" {
		t.Errorf("config.json after make install: credsStore %v, psFormat %v\n%s%s", cfg["credsStore"], cfg["psFormat"], res.Stdout, res.Stderr)
	}
	for _, secret := range []string{r.Password, "hub-secret-1", "identity-token-2",
		base64.StdEncoding.EncodeToString([]byte(r.User + ":" + r.Password))} {
		assertNoPlaintext(t, c, secret)
	}
	for key, want := range map[string]cred{
		r.Host:             {r.Host, r.User, r.Password},
		auth.HubKey:        {auth.HubKey, "hubuser", "hub-secret-1"},
		"docker.io":        {"docker.io", "hubuser", "hub-secret-1"},
		"tok.example.test": {"tok.example.test", auth.TokenUsername, "identity-token-2"},
	} {
		if got, ok := helperGet(t, c, key); !ok || got != want {
			t.Errorf("get %s after make install = %+v (found %v), want %+v", key, got, ok, want)
		}
	}
	res = c.Run(t, nil, "docker", "manifest", "inspect", "--insecure", ref)
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, `"schemaVersion"`) {
		t.Errorf("docker manifest inspect with the moved login: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
}

// installWithUnavailableKeystore: when the plaintext logins cannot move
// (the keystore asked for cannot be opened), make install fails, says so,
// and leaves docker's config.json byte for byte as it was.
func installWithUnavailableKeystore(t *testing.T, root string) {
	r := testenv.BasicRegistry(t)
	c, install := installClient(t, root)
	c.Setenv("REGKEY_KEYSTORE", "os") // and no session bus
	c.Unsetenv("DBUS_SESSION_BUS_ADDRESS")
	if fileExists(fmt.Sprintf("/run/user/%d/bus", os.Getuid())) {
		c.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(c.Dir, "no-bus"))
	}
	c.WriteDockerConfig(t, plaintextConfig(r))
	before := readFile(t, c.DockerConfigFile())

	res := c.Run(t, nil, "make", install...)
	if res.ExitCode == 0 {
		t.Errorf("make install succeeded with logins it could not move:\n%s%s", res.Stdout, res.Stderr)
	}
	if !strings.Contains(res.Stderr, "nothing was changed") {
		t.Errorf("make install does not say that nothing was changed:\n%s", res.Stderr)
	}
	if after := readFile(t, c.DockerConfigFile()); after != before {
		t.Errorf("config.json changed:\nbefore %s\nafter %s", before, after)
	}
}

// installNotOnPath: when PREFIX/bin is not on PATH, docker could not run
// the helper, so make install installs the binaries but wires nothing,
// fails and says what to do; config.json keeps its plaintext logins.
func installNotOnPath(t *testing.T, root string) {
	r := testenv.BasicRegistry(t)
	c, install := installClient(t, root)
	c.UseFileKeystore(t)
	prefix := filepath.Join(c.Dir, "prefix")
	c.Setenv("PATH", strings.TrimPrefix(c.Getenv("PATH"), filepath.Join(prefix, "bin")+string(os.PathListSeparator)))
	c.WriteDockerConfig(t, plaintextConfig(r))
	before := readFile(t, c.DockerConfigFile())

	res := c.Run(t, nil, "make", install...)
	if res.ExitCode == 0 || !strings.Contains(res.Stderr, "NOT wired") || !strings.Contains(res.Stderr, filepath.Join(prefix, "bin")+" first on PATH") {
		t.Errorf("make install with PREFIX/bin off PATH: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	if _, err := os.Stat(filepath.Join(prefix, "bin", "docker-credential-regkey")); err != nil {
		t.Errorf("helper not installed: %v", err)
	}
	if after := readFile(t, c.DockerConfigFile()); after != before {
		t.Errorf("config.json changed:\nbefore %s\nafter %s", before, after)
	}
}
