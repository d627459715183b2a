package e2e

import (
	"testing"

	"github.com/regkey/regkey/internal/testenv"
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
