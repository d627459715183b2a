package keystore_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/keystore"
	"github.com/regkey/regkey/keystore/keystoretest"
)

// rawKey is a valid REGKEY_FILE_KEY (32 bytes, base64).
var rawKey = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))

// fileOptions returns options for a file store in private directories.
func fileOptions(t *testing.T, env map[string]string) keystore.Options {
	dir := t.TempDir()
	return keystore.Options{
		Backend:   keystore.BackendFile,
		DataDir:   filepath.Join(dir, "data", "regkey"),
		ConfigDir: filepath.Join(dir, "config", "regkey"),
		Env:       env,
	}
}

func openStore(t *testing.T, o keystore.Options) keystore.Store {
	t.Helper()
	s, _, err := keystore.Open(context.Background(), o)
	if err != nil {
		t.Fatalf("Open(%+v): %v", o.Backend, err)
	}
	return s
}

func TestFileConformance(t *testing.T) {
	t.Parallel()
	for name, env := range map[string]map[string]string{
		"KeyFile":    nil,
		"RawEnvKey":  {keystore.FileKeyEnv: rawKey},
		"Passphrase": {keystore.FileKeyEnv: "correct horse battery staple"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			keystoretest.Run(t, func(t *testing.T) keystore.Store { return openStore(t, fileOptions(t, env)) })
		})
	}
}

func TestFileLayout(t *testing.T) {
	t.Parallel()
	o := fileOptions(t, nil)
	s := openStore(t, o)
	ctx := context.Background()
	secret := "very-secret-value-1234"
	if err := s.Set(ctx, "registry.example.com", auth.Credential{Username: "alice", Secret: secret}); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{
		o.DataDir:   0o700 | os.ModeDir,
		o.ConfigDir: 0o700 | os.ModeDir,
		filepath.Join(o.DataDir, "credentials.enc"): 0o600,
		filepath.Join(o.ConfigDir, "file.key"):      0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s has mode %v, want %v", path, fi.Mode(), want)
		}
	}
	b, err := os.ReadFile(filepath.Join(o.DataDir, "credentials.enc"))
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range []string{secret, "alice", "registry.example.com"} {
		if bytes.Contains(b, []byte(plain)) {
			t.Errorf("store file contains %q in plaintext", plain)
		}
	}
	entries, _ := os.ReadDir(o.DataDir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestFileInfo(t *testing.T) {
	t.Parallel()
	o := fileOptions(t, map[string]string{keystore.FileKeyEnv: rawKey})
	_, info, err := keystore.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if info.Backend != "file" || !strings.Contains(info.Location, "credentials.enc") || !strings.Contains(info.Location, "REGKEY_FILE_KEY") {
		t.Errorf("Info = %+v", info)
	}
	if strings.Contains(info.Location, rawKey) || strings.Contains(info.Reason, rawKey) {
		t.Errorf("Info reveals the key: %+v", info)
	}
}

func TestFileBadEnvKey(t *testing.T) {
	t.Parallel()
	o := fileOptions(t, map[string]string{keystore.FileKeyEnv: "short"})
	_, _, err := keystore.Open(context.Background(), o)
	if !errors.Is(err, auth.ErrUnavailable) || !strings.Contains(err.Error(), "REGKEY_FILE_KEY") {
		t.Fatalf("Open with a short key = %v, want ErrUnavailable naming REGKEY_FILE_KEY", err)
	}
	if strings.Contains(err.Error(), "short") {
		t.Errorf("error quotes the key: %v", err)
	}
}
