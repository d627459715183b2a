package childenv

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// LookPath finds an executable named name in env's PATH (not the
// process's: regkey may be run with another environment than its own).
// Relative PATH entries are skipped: never the current directory.
func LookPath(env map[string]string, name string) (string, error) {
	for _, dir := range filepath.SplitList(env["PATH"]) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", &fs.PathError{Op: "lookpath", Path: name, Err: errors.New("not found on PATH")}
}
