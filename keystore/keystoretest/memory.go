package keystoretest

import (
	"context"
	"testing"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/keystore"
)

// Memory returns a memory store holding creds, and an opener over it (as
// a command's Factory opens the keystore) that reports the file backend.
func Memory(t testing.TB, creds map[string]auth.Credential) (*keystore.Memory, func(context.Context) (keystore.Store, keystore.Info, error)) {
	t.Helper()
	m := keystore.NewMemory()
	for k, c := range creds {
		if err := m.Set(context.Background(), k, c); err != nil {
			t.Fatal(err)
		}
	}
	info := keystore.Info{Backend: "file", Location: "/data/regkey/store"}
	return m, func(context.Context) (keystore.Store, keystore.Info, error) { return m, info, nil }
}
