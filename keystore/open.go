package keystore

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Backend names accepted in Options.Backend (and REGKEY_KEYSTORE / the
// config file's `keystore:` setting, which internal/cli passes through).
const (
	BackendAuto = "auto" // the OS keyring when it answers, otherwise the file store
	BackendOS   = "os"   // Secret Service, macOS Keychain or Windows Credential Manager
	BackendPass = "pass" // the standard unix password manager (pass + gpg)
	BackendFile = "file" // an encrypted file in Options.DataDir
)

// Default time limits for one backend call when Options.Timeout is zero.
const (
	// DefaultKeyringTimeout bounds one call into the OS keyring: a healthy
	// keyring answers in milliseconds, a hung D-Bus never does.
	DefaultKeyringTimeout = 5 * time.Second
	// DefaultPassTimeout bounds one run of pass; it is longer because gpg may
	// be waiting for the user to type a passphrase into a pinentry.
	DefaultPassTimeout = 30 * time.Second
	// probeTimeout bounds the auto backend's keyring probe.
	probeTimeout = 2 * time.Second
)

// Options selects and configures a backend. The zero value opens the auto
// backend with directories derived from the (empty) environment, so callers
// normally set at least DataDir, ConfigDir and Env.
type Options struct {
	// Backend is "", "auto", "os", "pass" or "file"; "" means "auto".
	Backend string
	// DataDir holds the file store, the keyring index and lock files
	// (created 0700). Empty means $XDG_DATA_HOME/regkey, else
	// $HOME/.local/share/regkey, from Env.
	DataDir string
	// ConfigDir holds the file store's key file, file.key, kept apart from
	// the data it protects. Empty means $XDG_CONFIG_HOME/regkey, else
	// $HOME/.config/regkey, from Env.
	ConfigDir string
	// Env is the environment the backends read: REGKEY_FILE_KEY,
	// DBUS_SESSION_BUS_ADDRESS, PASSWORD_STORE_DIR, GNUPGHOME, HOME, PATH and
	// the XDG variables. Nothing is read from the process environment, with
	// one exception forced by godbus (see the os backend in Open).
	Env map[string]string
	// Timeout bounds each call into the OS keyring and each run of pass.
	// Zero means DefaultKeyringTimeout or DefaultPassTimeout.
	Timeout time.Duration
}

// Info says which backend Open chose, where it keeps credentials and why it
// was chosen, for `regkey status` and `regkey doctor`.
type Info struct {
	// Backend is "os", "pass" or "file" (never "auto").
	Backend string
	// Location names where the credentials live: a file, a pass folder, or
	// the OS keyring and its service name.
	Location string
	// Reason explains the choice in one sentence.
	Reason string
}

// Open returns the Store o selects. Opening is cheap: it checks what can be
// checked without a round trip (the file store's key syntax, the presence
// of a D-Bus session bus, an initialised pass store) and touches no
// credential. Only the auto backend asks the OS keyring a question, bounded
// by a two-second probe.
//
// With "os" on Linux, go-keyring talks to the session bus named by the
// process environment (godbus reads os.Getenv). When Env names a bus and the
// process has none, Open copies DBUS_SESSION_BUS_ADDRESS into the process
// environment; when both name different buses it refuses, because go-keyring
// cannot be pointed at another one. regkey's CLI passes the process
// environment, so they always agree there.
func Open(ctx context.Context, o Options) (Store, Info, error) {
	o = o.withDefaults()
	switch strings.ToLower(strings.TrimSpace(o.Backend)) {
	case "", BackendAuto:
		return openAuto(ctx, o)
	case BackendOS:
		return openKeyring(o, "requested explicitly")
	case BackendPass:
		return openPass(o, "requested explicitly")
	case BackendFile:
		return openFile(o, "requested explicitly")
	}
	return nil, Info{}, fmt.Errorf("opening keystore: unknown backend %q (want auto, os, pass or file)", o.Backend)
}

// withDefaults fills in the directories it can derive from Env; one it
// cannot stays empty and fails the backend that needs it (needDirs).
func (o Options) withDefaults() Options {
	if o.DataDir == "" {
		o.DataDir = xdgDir(o.Env, "XDG_DATA_HOME", ".local/share")
	}
	if o.ConfigDir == "" {
		o.ConfigDir = xdgDir(o.Env, "XDG_CONFIG_HOME", ".config")
	}
	return o
}

// xdgDir returns $name/regkey, else $HOME/fallback/regkey, else "".
func xdgDir(env map[string]string, name, fallback string) string {
	if d := env[name]; d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "regkey")
	}
	if h := env["HOME"]; h != "" {
		return filepath.Join(h, fallback, "regkey")
	}
	return ""
}

// needDirs fails when a directory the backend needs is unknown.
func needDirs(backend string, dirs ...string) error {
	for _, d := range dirs {
		if d == "" {
			return fmt.Errorf("opening the %s keystore: no data or config directory given and $HOME is not set", backend)
		}
	}
	return nil
}

// openFile opens the encrypted file store.
func openFile(o Options, reason string) (Store, Info, error) {
	if err := needDirs(BackendFile, o.DataDir, o.ConfigDir); err != nil {
		return nil, Info{}, err
	}
	keys := keySource{env: o.Env[FileKeyEnv], keyFile: filepath.Join(o.ConfigDir, keyFileName)}
	if keys.env != "" {
		if _, err := parseEnvKey(keys.env); err != nil {
			return nil, Info{}, fmt.Errorf("opening the file keystore: %w", err)
		}
	}
	s := newFileStore(o.DataDir, keys)
	return s, Info{
		Backend:  BackendFile,
		Location: s.path + ", key from " + keys.describe(),
		Reason:   reason,
	}, nil
}

// WhereSuffix renders " (Location)" for text that names the backend, or ""
// when the location is unknown.
func (i Info) WhereSuffix() string {
	if i.Location == "" {
		return ""
	}
	return " (" + i.Location + ")"
}

// WhySuffix renders "; Reason" for text that names the backend, or "".
func (i Info) WhySuffix() string {
	if i.Reason == "" {
		return ""
	}
	return "; " + i.Reason
}
