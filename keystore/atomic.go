package keystore

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// writeFileAtomic replaces path with data: it writes a 0600 temporary file in
// the same directory, syncs it and renames it over path, so a reader sees the
// old or the new content and never a torn write. A symlink at path is
// replaced, never followed (callers refuse symlinks before this). On error
// the temporary file is removed and path is unchanged.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename in dir durable where the OS allows it; it is best
// effort (Windows cannot open directories).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// readFileLimited reads a regular, non-symlink file of at most max bytes.
// A missing file gives an error matching os.ErrNotExist.
func readFileLimited(path string, max int64) ([]byte, error) {
	if err := refuseSymlink(path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: %s is larger than the %d bytes a store may hold", ErrCorrupt, path, max)
	}
	return b, nil
}
