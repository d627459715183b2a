//go:build unix

package ghcr

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// setProcessGroup starts cmd in its own process group and makes
// cancellation kill the whole group, so that a wrapper script's children
// (a hung `sleep`, a keyring prompt) die with it instead of holding the
// output pipes open.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

// lookPath finds an executable named name in the directories of path (the
// PATH of the environment regkey was given, not of this process). Empty
// and relative entries are skipped: a credential helper never runs a
// program from the current directory.
func lookPath(name, path string) (string, bool) {
	for _, dir := range filepath.SplitList(path) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, true
		}
	}
	return "", false
}
