package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/regkey/regkey/internal/testenv"
)

// nobody runs programs as user nobody (uid 65534) in a client's
// environment: an ordinary user, for what root is exempt from (file
// permissions) or treated differently in (rootless podman).
type nobody struct {
	c *testenv.Client
	// Bin holds a copy of regkey and the docker-credential-regkey link that
	// nobody may run; it is first on the client's PATH.
	Bin string
}

// asNobody prepares c for user nobody: its directories become nobody's
// (and root's again when the test ends), and a copy of the regkey under
// test goes first on its PATH.
func asNobody(t *testing.T, c *testenv.Client) *nobody {
	t.Helper()
	testenv.RequireRoot(t)
	testenv.RequireProgram(t, "setpriv")
	n := &nobody{c: c, Bin: filepath.Join(c.Dir, "nobody-bin")}
	if err := os.MkdirAll(n.Bin, 0o755); err != nil {
		t.Fatal(err)
	}
	testenv.WriteExecutable(t, filepath.Join(n.Bin, "regkey"), []byte(readFile(t, testenv.BuildRegkey(t).Regkey)))
	if err := os.Symlink("regkey", filepath.Join(n.Bin, testenv.HelperName)); err != nil {
		t.Fatal(err)
	}
	c.Setenv("PATH", n.Bin+string(os.PathListSeparator)+c.Getenv("PATH"))
	// The test's temp directories are root's, mode 0700.
	for _, d := range []string{filepath.Dir(c.Dir), c.Dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	n.Own(t)
	t.Cleanup(func() { _ = exec.Command("chown", "-R", "0:0", c.Dir).Run() })
	return n
}

// Own gives nobody every file under the client's directory, those written
// since too.
func (n *nobody) Own(t *testing.T) {
	t.Helper()
	if out, err := exec.Command("chown", "-R", "65534:65534", n.c.Dir).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v\n%s", err, out)
	}
}

// Run runs name as nobody, with the client's environment.
func (n *nobody) Run(t *testing.T, stdin []byte, name string, args ...string) testenv.Result {
	t.Helper()
	return n.c.Run(t, stdin, "setpriv", append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", "--", name}, args...)...)
}
