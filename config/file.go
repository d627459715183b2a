package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"go.yaml.in/yaml/v3"
)

// File is regkey's settings file. The zero value is the default: automatic
// keystore choice and built-in provider detection only.
type File struct {
	// Keystore selects the static keystore backend: "auto" (or empty), "os",
	// "pass" or "file". REGKEY_KEYSTORE overrides it.
	Keystore string `yaml:"keystore,omitempty"`
	// Registries are user rules that route hosts to providers. They override
	// built-in detection; the most specific match wins.
	Registries []Rule `yaml:"registries,omitempty"`
}

// Rule routes the hosts it matches to a provider with per-registry options.
type Rule struct {
	// Match is a host[:port] or a glob whose "*" stands for one or more
	// whole DNS labels ("*.pkg.example.com").
	Match string `yaml:"match"`
	// Provider is a provider name: "keystore", "ecr", "ecr-public", "acr",
	// "gcr", "ghcr", "gitlab" or "env".
	Provider string `yaml:"provider"`
	// Options are the provider's settings (aws_profile, azure_tenant_id,
	// impersonate_service_account, token_source, ...). Each provider
	// validates its own.
	Options map[string]string `yaml:",inline"`
}

// MaxFileSize caps the settings file; anything larger is not a settings file.
const MaxFileSize = 1 << 20

// Load reads the settings file at path. A missing file is the zero File. A
// file that does not parse, or that names unknown keys at the top level, is
// an error naming the file and the problem.
func Load(path string) (File, error) {
	var f File
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, fmt.Errorf("reading settings %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return f, fmt.Errorf("reading settings %s: not a regular file", path)
	}
	if fi.Size() > MaxFileSize {
		return f, fmt.Errorf("reading settings %s: larger than %d bytes", path, MaxFileSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return f, fmt.Errorf("reading settings %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse decodes settings from data; name is used in error messages.
func Parse(name string, data []byte) (File, error) {
	var f File
	if len(bytes.TrimSpace(data)) == 0 {
		return f, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return File{}, fmt.Errorf("parsing settings %s: %w", name, err)
	}
	for i, r := range f.Registries {
		if r.Match == "" || r.Provider == "" {
			return File{}, fmt.Errorf("parsing settings %s: registries[%d]: both match and provider are required", name, i)
		}
	}
	switch f.Keystore {
	case "", "auto", "os", "pass", "file":
	default:
		return File{}, fmt.Errorf("parsing settings %s: keystore %q: want auto, os, pass or file", name, f.Keystore)
	}
	return f, nil
}
