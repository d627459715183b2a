package keystore

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// encodeName encodes a key or username for a file name, refusing what would
// exceed the 255-byte name limit of common file systems.
func encodeName(what, s string) (string, error) {
	n := base64.RawURLEncoding.EncodeToString([]byte(s))
	if len(n) > 240 {
		return "", fmt.Errorf("%w: the %s is %d bytes, too long for a pass entry name (at most 180)", ErrInvalidKey, what, len(s))
	}
	return n, nil
}

// keyDir is the entry directory of key, relative to the store.
func (s *passStore) keyDir(key string) (string, error) {
	n, err := encodeName("server key", key)
	if err != nil {
		return "", err
	}
	return path.Join(s.folder, n), nil
}

// passEntry is one stored entry of a key.
type passEntry struct {
	name     string // pass name: folder/<key>/u-<user>
	username string
	mtime    time.Time
}

// entries returns the entries of a key directory, newest first.
func (s *passStore) entries(dir string) ([]passEntry, error) {
	des, err := os.ReadDir(filepath.Join(s.storeDir, filepath.FromSlash(dir)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the password store: %w", err)
	}
	var out []passEntry
	for _, de := range des {
		enc, hasPrefix := strings.CutPrefix(de.Name(), "u-")
		enc, hasSuffix := strings.CutSuffix(enc, ".gpg")
		if !hasPrefix || !hasSuffix || !de.Type().IsRegular() {
			continue // not an entry of ours
		}
		u, err := base64.RawURLEncoding.DecodeString(enc)
		if err != nil {
			continue // not ours
		}
		fi, err := de.Info()
		if err != nil {
			continue // removed meanwhile
		}
		out = append(out, passEntry{name: path.Join(dir, strings.TrimSuffix(de.Name(), ".gpg")), username: string(u), mtime: fi.ModTime()})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].mtime.Equal(out[j].mtime) {
			return out[i].mtime.After(out[j].mtime)
		}
		return out[i].name < out[j].name
	})
	return out, nil
}

// git reports whether the store is a git repository, where changes must go
// through pass so that they are committed.
func (s *passStore) git() bool { return fileExists(filepath.Join(s.storeDir, ".git")) }

// move renames entry from to entry to, replacing it.
func (s *passStore) move(ctx context.Context, from, to string) error {
	if s.git() {
		_, err := s.run(ctx, nil, "mv", "--force", from, to)
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.file(to)), 0o700); err != nil {
		return fmt.Errorf("storing in pass: %w", err)
	}
	if err := os.Rename(s.file(from), s.file(to)); err != nil {
		return fmt.Errorf("storing in pass: %w", err)
	}
	return nil
}

// remove deletes an entry, or a key directory when dir is true.
func (s *passStore) remove(ctx context.Context, name string, dir bool) error {
	if s.git() {
		args := []string{"rm", "--force", name}
		if dir {
			args = []string{"rm", "--recursive", "--force", name}
		}
		_, err := s.run(ctx, nil, args...)
		return err
	}
	p := s.file(name)
	if dir {
		p = filepath.Join(s.storeDir, filepath.FromSlash(name))
	}
	if err := os.RemoveAll(p); err != nil {
		return fmt.Errorf("removing from pass: %w", err)
	}
	return nil
}

// file is the path of a pass entry's encrypted file.
func (s *passStore) file(name string) string {
	return filepath.Join(s.storeDir, filepath.FromSlash(name)+".gpg")
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
