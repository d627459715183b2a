package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regkey/regkey/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// notFound is the protocol's exact not-found answer.
const notFound = "credentials not found in native keychain"

// backend is a keystore regkey can be pointed at.
type backend struct {
	name  string
	setup func(t *testing.T, c *testenv.Client)
}

// backends are every keystore the scenarios run against.
var backends = []backend{
	{"file", func(t *testing.T, c *testenv.Client) { c.UseFileKeystore(t) }},
	{"os", useOSKeystore},
	{"pass", usePassKeystore},
}

// eachBackend runs f as a parallel subtest per keystore backend, each with a
// fresh client environment whose helper calls are traced.
func eachBackend(t *testing.T, f func(t *testing.T, c *testenv.Client)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f(t, newClient(t, b))
		})
	}
}

// newClient returns a traced client environment using backend b.
func newClient(t *testing.T, b backend) *testenv.Client {
	t.Helper()
	c := testenv.NewClient(t, testenv.BuildRegkey(t))
	b.setup(t, c)
	c.TraceHelper(t)
	return c
}

// cred is the helper protocol's credential JSON.
type cred struct {
	ServerURL string
	Username  string
	Secret    string
}

// helperStore stores a credential through docker-credential-regkey and
// forgets the traced call.
func helperStore(t *testing.T, c *testenv.Client, serverURL, user, secret string) {
	t.Helper()
	in, err := json.Marshal(cred{serverURL, user, secret})
	if err != nil {
		t.Fatal(err)
	}
	c.MustRun(t, append(in, '\n'), testenv.HelperName, "store")
	c.ResetHelperCalls(t)
}

// helperGet asks docker-credential-regkey for key. ok is false on the exact
// not-found answer; any other failure fails the test.
func helperGet(t *testing.T, c *testenv.Client, key string) (cr cred, ok bool) {
	t.Helper()
	res := c.Run(t, []byte(key), testenv.HelperName, "get")
	c.ResetHelperCalls(t)
	if res.ExitCode == 1 && strings.TrimSpace(res.Stdout) == notFound {
		return cred{}, false
	}
	if res.ExitCode != 0 {
		t.Fatalf("get %s: exit %d, stdout %q, stderr %q", key, res.ExitCode, res.Stdout, res.Stderr)
	}
	if err := json.Unmarshal([]byte(res.Stdout), &cr); err != nil {
		t.Fatalf("get %s: %v in %q", key, err, res.Stdout)
	}
	return cr, true
}

// helperList returns docker-credential-regkey's list.
func helperList(t *testing.T, c *testenv.Client) map[string]string {
	t.Helper()
	res := c.MustRun(t, []byte("unused"), testenv.HelperName, "list")
	c.ResetHelperCalls(t)
	var m map[string]string
	if err := json.Unmarshal([]byte(res.Stdout), &m); err != nil {
		t.Fatalf("list: %v in %q", err, res.Stdout)
	}
	return m
}

// assertNoPlaintext fails if secret appears in any file under the client's
// directories (docker config, auth file, regkey's data): a secret must live
// only in the keystore, encrypted.
func assertNoPlaintext(t *testing.T, c *testenv.Client, secret string) {
	t.Helper()
	err := filepath.WalkDir(c.Dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return nil // sockets, vanished temp files
		}
		b, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(b), secret) {
			t.Errorf("secret found in plaintext in %s", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
