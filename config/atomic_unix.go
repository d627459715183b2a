//go:build unix

package config

import (
	"io/fs"
	"os"
	"syscall"
)

// copyOwner gives f the owner of the file it replaces, as docker does when
// uid and gid are not root's: a `sudo regkey setup` run against a user's
// config must not leave a root-owned file the user cannot read. Failure is
// ignored (only root can chown to another user, and then it works).
func copyOwner(f *os.File, orig fs.FileInfo) {
	st, ok := orig.Sys().(*syscall.Stat_t)
	if !ok || st.Uid == 0 || st.Gid == 0 {
		return
	}
	_ = f.Chown(int(st.Uid), int(st.Gid))
}
