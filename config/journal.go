package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// BackupSuffix is appended to a file's name for the copy setup keeps of it.
const BackupSuffix = ".regkey-backup"

// Journal records every file `regkey setup` changed, so that `setup --undo`
// can put each back exactly as it was before the first setup: the backup's
// bytes for a file that existed, no file (and no directory setup created)
// for one that did not. It lives in regkey's data directory; the backups
// live beside the files.
type Journal struct {
	path  string
	Files []JournalFile `json:"files"`
	// NoRegistriesConf records `setup --no-registries-conf`: later setups
	// leave podman's registries.conf alone until --registries-conf (or
	// undo) says otherwise.
	NoRegistriesConf bool `json:"noRegistriesConf,omitempty"`
	// Credentials, when set, gives the credentials the keystore holds: a
	// backup then leaves out each secret that moved there and that undo can
	// put back from the keystore byte for byte (the original's plaintext
	// should not outlive the migration beside it; PlaintextInBackup names
	// what stayed).
	Credentials Credentials `json:"-"`
}

// FileKind is what a file setup changed is. It decides how the file may be
// shown: by what it is, not by its name (REGISTRY_AUTH_FILE may be called
// anything).
type FileKind string

const (
	// KindAuthFile is docker's config.json or a containers auth file: it
	// may hold secrets, so it is shown only redacted.
	KindAuthFile FileKind = "auth-file"
	// KindRegistriesConf is regkey's registries.conf drop-in, which holds
	// no secret.
	KindRegistriesConf FileKind = "registries-conf"
)

// JournalFile is one file setup changed.
type JournalFile struct {
	// Path is the path setup was given (it may be a symlink).
	Path string `json:"path"`
	// Kind is what the file is; empty in a journal an older regkey wrote.
	Kind FileKind `json:"kind,omitempty"`
	// Target is the file that was replaced, symlinks resolved.
	Target string `json:"target"`
	// Existed is false when setup created the file.
	Existed bool `json:"existed"`
	// Mode is the original file's permission bits.
	Mode fs.FileMode `json:"mode"`
	// Backup holds the original bytes when Existed.
	Backup string `json:"backup,omitempty"`
	// CreatedDirs are the directories setup created for the file, deepest
	// first; undo removes those that are empty.
	CreatedDirs []string `json:"createdDirs,omitempty"`
	// Written is the SHA-256 of what setup last wrote, to notice later edits.
	Written string `json:"written,omitempty"`
	// Redacted is set when the backup leaves out secrets that undo takes
	// from the keystore; Original is then the SHA-256 of the original.
	Redacted bool   `json:"redacted,omitempty"`
	Original string `json:"original,omitempty"`
}

// LoadJournal reads the journal at path; a missing file is an empty journal.
func LoadJournal(path string) (*Journal, error) {
	j := &Journal{path: path}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return j, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if err := json.Unmarshal(data, j); err != nil {
		return nil, fmt.Errorf("parsing %s: %w (move it aside to start a new setup history)", path, err)
	}
	return j, nil
}

// Path is where the journal is kept.
func (j *Journal) Path() string { return j.path }

// Find returns the entry for a target file, or nil.
func (j *Journal) Find(target string) *JournalFile {
	for i := range j.Files {
		if j.Files[i].Target == target {
			return &j.Files[i]
		}
	}
	return nil
}

// SetNoRegistriesConf records the choice of --no-registries-conf (or its
// reversal) and saves the journal if it changed.
func (j *Journal) SetNoRegistriesConf(no bool) error {
	if j.NoRegistriesConf == no {
		return nil
	}
	j.NoRegistriesConf = no
	return j.save()
}

func (j *Journal) save() error {
	if len(j.Files) == 0 && !j.NoRegistriesConf {
		if err := os.Remove(j.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing %s: %w", j.path, err)
		}
		return nil
	}
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", j.path, err)
	}
	return WriteFileAtomic(j.path, append(b, '\n'), 0o600)
}

func (j *Journal) drop(target string) {
	for i := range j.Files {
		if j.Files[i].Target == target {
			j.Files = append(j.Files[:i], j.Files[i+1:]...)
			return
		}
	}
}

// MayHoldSecrets reports whether the file is to be shown only with its
// secrets redacted: every file but regkey's own registries.conf drop-in,
// and every file a journal recorded without saying what it is.
func (f JournalFile) MayHoldSecrets() bool { return f.Kind != KindRegistriesConf }

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Write replaces the file at path, a file of the given kind which held old
// (or did not exist), with data: the first time setup changes a file it
// keeps a backup beside it and records it here, before writing. The write is
// atomic, keeps the file's mode and symlinks, and is refused
// (ErrFileChanged) if the file changed since it was read.
func (j *Journal) Write(path string, kind FileKind, old []byte, existed bool, mode fs.FileMode, data []byte) error {
	target, err := ResolveSymlinks(path)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	e := j.Find(target)
	fresh := e == nil
	if fresh {
		nf := JournalFile{Path: path, Kind: kind, Target: target, Existed: existed, Mode: mode}
		if existed {
			content := old
			if red, ok := redactBackup(old, j.Credentials); ok {
				content, nf.Redacted, nf.Original = red, true, digest(old)
			}
			if nf.Backup, err = writeBackup(target, content, mode); err != nil {
				return err
			}
		} else {
			nf.CreatedDirs = missingDirs(filepath.Dir(target))
		}
		j.Files = append(j.Files, nf)
		e = &j.Files[len(j.Files)-1]
		if err := j.save(); err != nil {
			return err
		}
	}
	if err := WriteFileIfUnchanged(path, old, existed, data, 0o600); err != nil {
		if fresh {
			if e.Backup != "" {
				os.Remove(e.Backup)
			}
			j.drop(target)
			_ = j.save()
		}
		return err
	}
	e = j.Find(target)
	e.Written = digest(data)
	if e.Kind == "" {
		e.Kind = kind
	}
	return j.save()
}

// writeBackup copies the original beside target, never over an existing
// file (a backup from an earlier history is someone's only copy): it picks
// NAME.regkey-backup, then NAME.regkey-backup.1 and so on.
func writeBackup(target string, old []byte, mode fs.FileMode) (string, error) {
	for i := 0; i < 100; i++ {
		name := target + BackupSuffix
		if i > 0 {
			name += "." + strconv.Itoa(i)
		}
		if cur, err := os.ReadFile(name); err == nil {
			if bytes.Equal(cur, old) {
				return name, nil
			}
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("backing up %s: %w", target, err)
		}
		if err := WriteFileIfUnchanged(name, nil, false, old, mode.Perm()&0o600|0o400); err != nil {
			return "", fmt.Errorf("backing up %s: %w", target, err)
		}
		return name, nil
	}
	return "", fmt.Errorf("backing up %s: too many old backups beside it", target)
}

// missingDirs lists dir and its parents that do not exist, deepest first.
func missingDirs(dir string) []string {
	var out []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil || filepath.Dir(d) == d {
			return out
		}
		out = append(out, d)
	}
}

// BackupsOf lists the backups setup keeps beside target
// (NAME.regkey-backup, NAME.regkey-backup.1, ...), sorted.
func BackupsOf(target string) ([]string, error) {
	dir, base := filepath.Dir(target), filepath.Base(target)+BackupSuffix
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if n == base || (strings.HasPrefix(n, base+".") && isDigits(n[len(base)+1:])) {
			out = append(out, filepath.Join(dir, n))
		}
	}
	return out, nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
