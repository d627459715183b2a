//go:build unix

package keystore

import (
	"fmt"
	"os"
)

// checkPrivate refuses a key file that group or other users can access,
// as ssh does for private keys.
func checkPrivate(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("checking %s: %w", path, err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%w: %s has mode %04o, which lets other users read the key; run chmod 600 %s", ErrUnsafePath, path, perm, path)
	}
	return nil
}
