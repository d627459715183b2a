package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regkey/regkey/internal/testenv"
)

// goEnv returns `go env NAME` of the toolchain running the tests.
func goEnv(t *testing.T, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "env", name).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", name, err)
	}
	return strings.TrimSpace(string(out))
}

// TestMakeInstallOnAFreshMachine: `make install` on a machine with docker
// and podman installed but no config at all builds, installs both names and
// runs setup, which creates docker's config.json; a second install changes
// nothing.
func TestMakeInstallOnAFreshMachine(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "make")
	testenv.RequireProgram(t, "docker")
	root, err := testenv.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	c := testenv.NewClient(t, nil)
	c.UseFileKeystore(t)
	prefix := filepath.Join(c.Dir, "prefix")
	c.Setenv("PATH", filepath.Join(prefix, "bin")+string(os.PathListSeparator)+c.Getenv("PATH"))
	for _, name := range []string{"GOCACHE", "GOMODCACHE", "GOROOT"} {
		c.Setenv(name, goEnv(t, name))
	}
	c.Setenv("GOPROXY", "off") // everything is in the module cache already
	c.Setenv("GOTOOLCHAIN", "local")
	if err := os.RemoveAll(c.DockerConfig); err != nil {
		t.Fatal(err)
	}

	res := c.MustRun(t, nil, "make", "-C", root, "--no-print-directory", "install", "PREFIX="+prefix, "VERSION=test", "COMMIT=test")
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

	res = c.MustRun(t, nil, "make", "-C", root, "--no-print-directory", "install", "PREFIX="+prefix, "VERSION=test", "COMMIT=test")
	if !strings.Contains(res.Stdout, "nothing to change") {
		t.Errorf("second make install:\n%s", res.Stdout)
	}
}
