package keystore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/regkey/regkey/keystore"
)

func TestAutoFileKeyWins(t *testing.T) {
	t.Parallel()
	o := fileOptions(t, map[string]string{keystore.FileKeyEnv: rawKey, "DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent"})
	o.Backend = keystore.BackendAuto
	_, info, err := keystore.Open(context.Background(), o)
	if err != nil || info.Backend != "file" || !strings.Contains(info.Reason, "REGKEY_FILE_KEY") {
		t.Fatalf("auto with REGKEY_FILE_KEY = %+v, %v; want the file store", info, err)
	}
}

func TestOpenUnknownBackend(t *testing.T) {
	t.Parallel()
	_, _, err := keystore.Open(context.Background(), keystore.Options{Backend: "vault", DataDir: t.TempDir(), ConfigDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), `"vault"`) {
		t.Fatalf("Open(vault) = %v", err)
	}
}
