//go:build unix

package fix

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// describeOwner says whose path is and its mode (" is owned by root (uid
// 0), mode 0600"), or "" when it cannot be read.
func describeOwner(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return ""
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Sprintf(" has mode %04o", fi.Mode().Perm())
	}
	uid := strconv.FormatUint(uint64(st.Uid), 10)
	name := "uid " + uid
	if u, err := user.LookupId(uid); err == nil && u.Username != "" {
		name = u.Username + " (uid " + uid + ")"
	}
	return fmt.Sprintf(" is owned by %s, mode %04o", name, fi.Mode().Perm())
}
