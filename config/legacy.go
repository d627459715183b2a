package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
)

// LegacyPlainKeys returns, sorted, the keys of a legacy ~/.dockercfg (a
// top-level map from registry to {"auth": ..., "email": ...}, which
// containers/image still reads after every other auth file) whose entry
// holds a secret. A missing file has none; a file that is not such a map is
// an error naming it.
func LegacyPlainKeys(path string) ([]string, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if fi.Size() > MaxAuthFileSize {
		return nil, fmt.Errorf("reading %s: larger than %d bytes", path, MaxAuthFileSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	keys, err := ParseLegacyPlainKeys(data)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	return keys, nil
}

// ParseLegacyPlainKeys is LegacyPlainKeys for the file's content.
func ParseLegacyPlainKeys(data []byte) ([]string, error) {
	var m map[string]*struct {
		Auth string `json:"auth"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, describeJSONError(data, err)
	}
	var out []string
	for k, e := range m {
		if e != nil && e.Auth != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out, nil
}
