package config

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
)

// DockerFile is docker's config.json held as a generic JSON object, so that
// keys regkey does not own survive an edit unchanged (docker itself drops
// unknown keys when it rewrites the file).
type DockerFile struct {
	// Path is where the file was read from.
	Path string
	// Exists reports whether the file existed when read.
	Exists bool
	// Original is the file's bytes as read.
	Original []byte
	top      map[string]json.RawMessage
}

// MaxDockerFileSize caps what regkey will read as a docker config.
const MaxDockerFileSize = 16 << 20

// PlainAuth is a secret docker keeps in config.json's auths.
type PlainAuth struct {
	Key           string
	Username      string
	Password      string
	IdentityToken string
}

// ReadDockerFile reads and parses docker's config.json at path. A missing,
// empty or whitespace-only file is an empty config. A file that does not
// parse is an error naming the file and the problem; regkey never rewrites
// such a file.
func ReadDockerFile(path string) (*DockerFile, error) {
	d := &DockerFile{Path: path, top: map[string]json.RawMessage{}}
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return d, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("reading %s: not a regular file", path)
	}
	if fi.Size() > MaxDockerFileSize {
		return nil, fmt.Errorf("reading %s: larger than %d bytes", path, MaxDockerFileSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	d.Exists, d.Original = true, data
	if len(bytes.TrimSpace(data)) == 0 {
		return d, nil
	}
	if err := json.Unmarshal(data, &d.top); err != nil {
		return nil, fmt.Errorf("parsing %s: %w (fix or move the file; regkey does not rewrite a file it cannot read)", path, err)
	}
	if d.top == nil {
		return nil, fmt.Errorf("parsing %s: top level is null, want a JSON object", path)
	}
	return d, nil
}

// CredsStore returns the credsStore value, or "".
func (d *DockerFile) CredsStore() string {
	var s string
	_ = json.Unmarshal(d.top["credsStore"], &s)
	return s
}

// SetCredsStore sets credsStore.
func (d *DockerFile) SetCredsStore(name string) {
	b, _ := json.Marshal(name)
	d.top["credsStore"] = b
}

// CredHelpers returns the credHelpers map (nil when absent or malformed).
func (d *DockerFile) CredHelpers() map[string]string {
	var m map[string]string
	_ = json.Unmarshal(d.top["credHelpers"], &m)
	return m
}

// Auths returns each auths entry as raw JSON, keyed as in the file.
func (d *DockerFile) auths() (map[string]map[string]json.RawMessage, error) {
	raw, ok := d.top["auths"]
	if !ok || string(raw) == "null" {
		return nil, nil
	}
	var m map[string]map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("parsing %s: auths: %w", d.Path, err)
	}
	return m, nil
}

// PlainAuths returns the secrets kept in plaintext in auths, sorted by key.
// Empty placeholder entries ({}) are not secrets and are skipped.
func (d *DockerFile) PlainAuths() ([]PlainAuth, error) {
	m, err := d.auths()
	if err != nil {
		return nil, err
	}
	var out []PlainAuth
	for key, e := range m {
		var a PlainAuth
		a.Key = key
		var s string
		if json.Unmarshal(e["auth"], &s) == nil && s != "" {
			dec, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return nil, fmt.Errorf("parsing %s: auths[%q].auth is not base64", d.Path, key)
			}
			user, pass, ok := strings.Cut(string(dec), ":")
			if !ok {
				return nil, fmt.Errorf("parsing %s: auths[%q].auth has no ':'", d.Path, key)
			}
			a.Username, a.Password = user, strings.Trim(pass, "\x00")
		}
		if json.Unmarshal(e["identitytoken"], &s) == nil && s != "" {
			a.IdentityToken = s
		}
		if a.Password != "" || a.IdentityToken != "" {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// ClearSecret removes the secret fields of auths[key], leaving the {}
// placeholder docker writes for helper-stored credentials, and any other
// fields of the entry.
func (d *DockerFile) ClearSecret(key string) error {
	m, err := d.auths()
	if err != nil {
		return err
	}
	e, ok := m[key]
	if !ok {
		return nil
	}
	for _, f := range []string{"auth", "identitytoken", "username", "password"} {
		delete(e, f)
	}
	m[key] = e
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	d.top["auths"] = b
	return nil
}

// Marshal renders the file as docker does (tab indented).
func (d *DockerFile) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(d.top, "", "\t")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Save writes the file atomically, keeping its mode and symlinks; a new
// file is 0600 in a 0700 directory.
func (d *DockerFile) Save() error {
	b, err := d.Marshal()
	if err != nil {
		return fmt.Errorf("encoding %s: %w", d.Path, err)
	}
	return WriteFileAtomic(d.Path, b, 0o600)
}
