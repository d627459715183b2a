//go:build !unix

package ghcr

import (
	"os"
	"os/exec"
	"path/filepath"
)

// setProcessGroup is a no-op here: cancellation kills the process itself.
func setProcessGroup(*exec.Cmd) {}

// lookPath finds name + ".exe" in the directories of path, the PATH of the
// environment regkey was given. Empty and relative entries are skipped: a
// credential helper never runs a program from the current directory.
func lookPath(name, path string) (string, bool) {
	for _, dir := range filepath.SplitList(path) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue
		}
		p := filepath.Join(dir, name+".exe")
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, true
		}
	}
	return "", false
}
