package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cli/cmdutil/cmdtest"
	"github.com/regkey/regkey/internal/inventory/inventorytest"
)

// TestDoctorSeesSetupBackupSecrets: a secret that undo could not restore
// byte for byte from the keystore stays in the backup setup keeps, and both
// setup and doctor say so.
func TestDoctorSeesSetupBackupSecrets(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	env := config.Env{
		"HOME":            home,
		"XDG_CONFIG_HOME": filepath.Join(home, ".config"),
		"XDG_DATA_HOME":   filepath.Join(home, ".local/share"),
		"XDG_CACHE_HOME":  filepath.Join(home, ".cache"),
		"XDG_RUNTIME_DIR": filepath.Join(home, "run"),
		"DOCKER_CONFIG":   filepath.Join(home, ".docker"),
		"PATH":            "/nonexistent",
		"REGKEY_KEYSTORE": "file",
		"REGKEY_FILE_KEY": "a passphrase of sixteen characters or more",
	}
	docker := filepath.Join(home, ".docker", "config.json")
	inventorytest.WriteFile(t, docker, `{"auths":{"t.example":{"auth":"YWxpY2U6","identitytoken":"rt-123"},"odd.example":{"auth":"YTo\/"}}}`)
	run := func(args ...string) (int, string, string) {
		t.Helper()
		ios, out, errOut := cmdtest.IO("", false)
		code := Run(context.Background(), append([]string{"regkey"}, args...), ios, env)
		return code, out.String(), errOut.String()
	}

	code, out, errOut := run("setup", "--docker", "--force")
	if want := `WARNING: ` + docker + config.BackupSuffix + ` keeps the plaintext secrets of "odd.example"`; code != 0 || !strings.Contains(errOut, want) {
		t.Fatalf("setup: code %d, no warning %q:\n%s%s", code, want, out, errOut)
	}
	code, out, _ = run("doctor", "--offline")
	if code == 0 || !strings.Contains(out, "the backup `regkey setup` kept of "+docker+", holds plaintext secrets for \"odd.example\"") {
		t.Errorf("doctor (code %d):\n%s", code, out)
	}
}
