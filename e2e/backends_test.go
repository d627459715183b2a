package e2e

import (
	"strings"
	"testing"

	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/keystore"
)

// useOSKeystore points regkey at a private, unlocked gnome-keyring on a
// private session bus.
func useOSKeystore(t *testing.T, c *testenv.Client) {
	t.Helper()
	k := testenv.NewKeyring(t, testenv.KeyringOptions{})
	c.SetenvMap(k.Env())
	c.Setenv("REGKEY_KEYSTORE", "os")
}

// usePassKeystore points regkey at a private pass store with its own GPG key.
func usePassKeystore(t *testing.T, c *testenv.Client) {
	t.Helper()
	p := testenv.NewPass(t)
	c.SetenvMap(p.Env())
	c.Setenv("REGKEY_KEYSTORE", "pass")
}

// TestKeyringGoesAwayMidUse: docker-credential-regkey on the os keystore
// while gnome-keyring hangs (SIGSTOP) and then dies with its bus. get
// answers not found and says why on stderr (a locked or missing keyring
// must not break public pulls); store fails with one line saying what to
// do; once the keyring answers again the credential is back. The hung
// keyring never answers, so the error naming the keyring timeout proves
// the bound; a dead bus must be reported as such at once, not at the
// timeout.
func TestKeyringGoesAwayMidUse(t *testing.T) {
	t.Parallel()
	c := testenv.NewClient(t, testenv.BuildRegkey(t))
	k := testenv.NewKeyring(t, testenv.KeyringOptions{})
	c.SetenvMap(k.Env())
	c.Setenv("REGKEY_KEYSTORE", "os")
	helperStore(t, c, "away.example.test", "u", "s")

	const hung = "did not answer within"
	check := func(state, mention string) {
		t.Helper()
		res := c.Run(t, []byte("away.example.test"), testenv.HelperName, "get")
		if res.ExitCode != 1 || res.Stdout != notFound+"\n" || !strings.Contains(res.Stderr, mention) {
			t.Errorf("%s: get: exit %d, stdout %q, stderr %q; want not found and why", state, res.ExitCode, res.Stdout, res.Stderr)
		}
		if !strings.Contains(mention, hung) && strings.Contains(res.Stderr, hung) {
			t.Errorf("%s: get stderr %q: reported at the timeout, not at once", state, res.Stderr)
		}
		res = c.Run(t, []byte(`{"ServerURL":"other.example.test","Username":"u","Secret":"s"}`), testenv.HelperName, "store")
		if res.ExitCode != 1 || strings.Count(res.Stdout, "\n") != 1 || !strings.Contains(res.Stdout, mention) ||
			!strings.Contains(res.Stderr, "hint: ") {
			t.Errorf("%s: store: exit %d, stdout %q, stderr %q; want one line saying why and a hint", state, res.ExitCode, res.Stdout, res.Stderr)
		}
	}

	if err := k.Freeze(); err != nil {
		t.Fatal(err)
	}
	check("hung keyring", hung+" "+keystore.DefaultKeyringTimeout.String())
	if err := k.Thaw(); err != nil {
		t.Fatal(err)
	}
	if got, ok := helperGet(t, c, "away.example.test"); !ok || got.Secret != "s" {
		t.Errorf("get after the keyring resumed = %+v, %v", got, ok)
	}

	k.Kill()
	check("keyring and bus gone", "D-Bus session bus")
}
