package keystore

import (
	"fmt"

	"github.com/zalando/go-keyring"
)

// OpenNamed opens backend o.Backend ("os", "pass" or "file") like Open, but
// under a private name: the keyring service for "os", the store folder for
// "pass". Tests use it so that they never touch regkey's real entries and
// never see each other's.
func OpenNamed(o Options, name string) (Store, error) {
	o = o.withDefaults()
	switch o.Backend {
	case BackendOS:
		if err := prepareKeyring(o.Env); err != nil {
			return nil, err
		}
		return newKeyringStore(o, name), nil
	case BackendPass:
		return newPassStore(o, name)
	case BackendFile:
		s, _, err := openFile(o, "test")
		return s, err
	}
	return nil, fmt.Errorf("OpenNamed: unknown backend %q", o.Backend)
}

// DeleteKeyringService removes every OS keyring item of service.
func DeleteKeyringService(service string) error { return keyring.DeleteAll(service) }

// SetUserRuntimeDir replaces /run/user/$UID, where the os backend looks for a
// session bus when DBUS_SESSION_BUS_ADDRESS is unset. Call it from TestMain,
// before any test runs.
func SetUserRuntimeDir(dir string) { userRuntimeDir = func() string { return dir } }
