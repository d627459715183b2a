package testenv

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// DockerConfigFile is the path of the client's docker config.json.
func (c *Client) DockerConfigFile() string { return filepath.Join(c.DockerConfig, "config.json") }

// WriteDockerConfig writes v as the client's docker config.json (0600).
func (c *Client) WriteDockerConfig(t testing.TB, v any) {
	t.Helper()
	writeJSONFile(t, c.DockerConfigFile(), v)
}

// ReadDockerConfig returns the client's docker config.json decoded, or nil
// when it does not exist.
func (c *Client) ReadDockerConfig(t testing.TB) map[string]any {
	t.Helper()
	return readJSONFile(t, c.DockerConfigFile())
}

// WriteAuthFile writes v as the client's podman/skopeo auth file
// ($REGISTRY_AUTH_FILE, 0600).
func (c *Client) WriteAuthFile(t testing.TB, v any) {
	t.Helper()
	writeJSONFile(t, c.AuthFile, v)
}

// ReadAuthFile returns the client's auth file decoded, or nil when it does
// not exist.
func (c *Client) ReadAuthFile(t testing.TB) map[string]any {
	t.Helper()
	return readJSONFile(t, c.AuthFile)
}

// UseFileKeystore makes regkey use its encrypted file store (under
// DataDir/regkey) with a random key in $REGKEY_FILE_KEY.
func (c *Client) UseFileKeystore(t testing.TB) {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatalf("generating file store key: %v", err)
	}
	c.Setenv("REGKEY_KEYSTORE", "file")
	c.Setenv("REGKEY_FILE_KEY", base64.StdEncoding.EncodeToString(key))
}

func writeJSONFile(t testing.TB, path string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "\t")
	if err != nil {
		t.Fatalf("encoding %s: %v", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatalf("creating %s: %v", filepath.Dir(path), err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatalf("writing %s: %v", path, err)
	}
}

func readJSONFile(t testing.TB, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decoding %s: %v\n%s", path, err, b)
	}
	return m
}
