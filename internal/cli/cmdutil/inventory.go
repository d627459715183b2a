package cmdutil

import (
	"os"
	"runtime"

	"github.com/regkey/regkey/internal/childenv"
	"github.com/regkey/regkey/internal/fix"
	"github.com/regkey/regkey/internal/inventory"
)

// InventoryDeps are what inventory.Gather reads (for status, doctor and
// host completion), from f: its keystore, settings, router and token cache
// (warnings discarded), this process's user and the running binary.
func (f *Factory) InventoryDeps() inventory.Deps {
	return inventory.Deps{
		Env: f.Env, Paths: f.Paths, GOOS: runtime.GOOS, UID: os.Getuid(),
		Keystore: f.Keystore, Settings: f.Settings, Router: f.Router,
		Cache:    f.TokenCache(nil),
		LookPath: func(n string) (string, error) { return childenv.LookPath(f.Env, n) },
		Now:      f.Now,
		Self:     fix.SelfPath(),
	}
}

// KeystoreJSON is the keystore in use as `regkey list --json` and `regkey
// status --json` print it.
type KeystoreJSON struct {
	Backend  string `json:"backend"`
	Location string `json:"location,omitempty"`
	// Reason says why this backend is in use ("requested explicitly",
	// "auto: the OS keyring answered", ...).
	Reason string `json:"reason,omitempty"`
}
