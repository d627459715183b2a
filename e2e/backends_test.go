package e2e

import (
	"strings"
	"testing"
	"time"

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
// answers not found within seconds and says why on stderr (a locked or
// missing keyring must not break public pulls); store fails with one line
// saying what to do; once the keyring answers again the credential is back.
func TestKeyringGoesAwayMidUse(t *testing.T) {
	t.Parallel()
	c := testenv.NewClient(t, testenv.BuildRegkey(t))
	k := testenv.NewKeyring(t, testenv.KeyringOptions{})
	c.SetenvMap(k.Env())
	c.Setenv("REGKEY_KEYSTORE", "os")
	helperStore(t, c, "away.example.test", "u", "s")

	timed := func(stdin, verb string) (testenv.Result, time.Duration) {
		start := time.Now()
		res := c.Run(t, []byte(stdin), testenv.HelperName, verb)
		return res, time.Since(start)
	}
	check := func(state string, within time.Duration, mention string) {
		t.Helper()
		res, d := timed("away.example.test", "get")
		if res.ExitCode != 1 || res.Stdout != notFound+"\n" || !strings.Contains(res.Stderr, mention) {
			t.Errorf("%s: get: exit %d, stdout %q, stderr %q; want not found and why", state, res.ExitCode, res.Stdout, res.Stderr)
		}
		if d > within {
			t.Errorf("%s: get took %s, want under %s", state, d, within)
		}
		res, d = timed(`{"ServerURL":"other.example.test","Username":"u","Secret":"s"}`, "store")
		if res.ExitCode != 1 || strings.Count(res.Stdout, "\n") != 1 || !strings.Contains(res.Stdout, mention) ||
			!strings.Contains(res.Stderr, "hint: ") {
			t.Errorf("%s: store: exit %d, stdout %q, stderr %q; want one line saying why and a hint", state, res.ExitCode, res.Stdout, res.Stderr)
		}
		if d > within {
			t.Errorf("%s: store took %s, want under %s", state, d, within)
		}
	}

	if err := k.Freeze(); err != nil {
		t.Fatal(err)
	}
	check("hung keyring", keystore.DefaultKeyringTimeout+3*time.Second, "did not answer within")
	if err := k.Thaw(); err != nil {
		t.Fatal(err)
	}
	if got, ok := helperGet(t, c, "away.example.test"); !ok || got.Secret != "s" {
		t.Errorf("get after the keyring resumed = %+v, %v", got, ok)
	}

	k.Kill()
	check("keyring and bus gone", 3*time.Second, "D-Bus session bus")
}
