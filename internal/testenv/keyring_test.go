//go:build linux

package testenv

import (
	"os/exec"
	"strings"
	"testing"
)

// secretTool runs secret-tool against k.
func secretTool(t *testing.T, k *Keyring, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(Context(t), RequireProgram(t, "secret-tool"), args...)
	cmd.Env = k.env()
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestKeyringUnlocked(t *testing.T) {
	t.Parallel()
	k := NewKeyring(t, KeyringOptions{})
	if out, err := secretTool(t, k, "probe-value", "store", "--label=regkey testenv", "regkey", "probe"); err != nil {
		t.Fatalf("secret-tool store: %v: %s\n%s", err, out, k.Logs())
	}
	out, err := secretTool(t, k, "", "lookup", "regkey", "probe")
	if err != nil || out != "probe-value" {
		t.Fatalf("secret-tool lookup = %q, %v", out, err)
	}
}

func TestKeyringKill(t *testing.T) {
	t.Parallel()
	k := NewKeyring(t, KeyringOptions{})
	k.Kill()
	if owned, err := k.hasOwner(secretsName); owned || err == nil {
		t.Fatalf("after Kill the bus still answers: owned=%v err=%v", owned, err)
	}
}

func TestKeyringNoSecretService(t *testing.T) {
	t.Parallel()
	k := NewKeyring(t, KeyringOptions{NoSecretService: true})
	owned, err := k.hasOwner(secretsName)
	if err != nil || owned {
		t.Fatalf("hasOwner(%s) = %v, %v; want false, nil", secretsName, owned, err)
	}
}
