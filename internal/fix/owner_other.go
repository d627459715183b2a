//go:build !unix

package fix

import (
	"fmt"
	"os"
)

// describeOwner says the mode of path (" has mode 0600"), or "" when it
// cannot be read; file owners are a unix notion here.
func describeOwner(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return ""
	}
	return fmt.Sprintf(" has mode %04o", fi.Mode().Perm())
}
