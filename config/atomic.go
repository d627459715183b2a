package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrFileChanged means a file changed on disk between the moment regkey read
// it and the moment it was about to replace it (docker or another tool wrote
// it meanwhile). Nothing was written; run the command again.
var ErrFileChanged = errors.New("the file changed while regkey was editing it; nothing was written, run the command again")

// ResolveSymlinks returns the file a path finally names, following symlinks
// (relative ones relative to their own directory), so that edits replace the
// target and keep the user's link. A missing final target is fine.
func ResolveSymlinks(path string) (string, error) {
	p := path
	for i := 0; i < 40; i++ {
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return p, nil
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return p, nil
		}
		target, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(p), target)
		}
		p = target
	}
	return "", fmt.Errorf("resolving %s: too many symbolic links", path)
}

// WriteFileAtomic replaces path's content with data: it writes a temporary
// file in the same directory, syncs it, gives it the mode (and, where the
// OS allows, the owner) of the file it replaces (perm for a new file) and
// renames it over the target. A symlink at path is followed and kept.
// Missing parent directories are created 0700. On any error the original
// file is untouched and the temporary file removed.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) error {
	return writeAtomic(path, data, perm, nil)
}

// WriteFileIfUnchanged is WriteFileAtomic that first checks, just before the
// rename, that the file still holds old (or, when existed is false, still
// does not exist). Otherwise it writes nothing and returns ErrFileChanged.
func WriteFileIfUnchanged(path string, old []byte, existed bool, data []byte, perm fs.FileMode) error {
	return writeAtomic(path, data, perm, func(target string) error {
		cur, err := os.ReadFile(target)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if existed {
				return ErrFileChanged
			}
			return nil
		case err != nil:
			return err
		case !existed || !bytes.Equal(cur, old):
			return ErrFileChanged
		}
		return nil
	})
}

func writeAtomic(path string, data []byte, perm fs.FileMode, check func(target string) error) error {
	target, err := ResolveSymlinks(path)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	dir := filepath.Dir(target)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	mode := perm
	var orig fs.FileInfo
	if fi, err := os.Stat(target); err == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("writing %s: %s is not a regular file", path, target)
		}
		mode, orig = fi.Mode().Perm(), fi
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(target)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if orig != nil {
		copyOwner(tmp, orig)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if check != nil {
		if err := check(target); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	done = true
	syncDir(dir)
	return nil
}

// syncDir makes a rename in dir durable; errors are ignored because some
// file systems cannot sync directories and the rename already happened.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
