package keystore

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// keyringIndex lists the keys regkey stored in the OS keyring, with their
// usernames (never secrets), because go-keyring cannot enumerate items. The
// file is 0600 JSON, replaced atomically; update must be called with the
// lock held.
type keyringIndex struct {
	path string
	lock string
}

// indexFile is the index's format.
type indexFile struct {
	Version int               `json:"version"`
	Keys    map[string]string `json:"keys"`
}

// read returns the indexed keys; a missing index is empty.
func (x keyringIndex) read() (map[string]string, error) {
	b, err := readFileLimited(x.path, 16<<20)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	var f indexFile
	if err := json.Unmarshal(b, &f); err != nil || f.Version != 1 {
		return nil, fmt.Errorf("%w: keyring index %s cannot be read; move it aside (regkey lists keys from it, the secrets stay in the keyring)", ErrCorrupt, x.path)
	}
	if f.Keys == nil {
		f.Keys = map[string]string{}
	}
	return f.Keys, nil
}

// update re-reads the index, applies change and writes it back if change
// reports a modification.
func (x keyringIndex) update(change func(map[string]string) bool) error {
	m, err := x.read()
	if err != nil {
		return err
	}
	if !change(m) {
		return nil
	}
	b, err := json.MarshalIndent(indexFile{Version: 1, Keys: m}, "", "  ")
	if err != nil {
		return fmt.Errorf("writing keyring index: %w", err)
	}
	return writeFileAtomic(x.path, append(b, '\n'))
}
