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
)

// seededFileStore returns options for a file store that already holds one
// credential, and the store file's path.
func seededFileStore(t *testing.T, env map[string]string) (keystore.Options, string) {
	t.Helper()
	o := fileOptions(t, env)
	s := openStore(t, o)
	if err := s.Set(context.Background(), "seed.example.com", auth.Credential{Username: "seed", Secret: "seed-secret"}); err != nil {
		t.Fatal(err)
	}
	return o, filepath.Join(o.DataDir, "credentials.enc")
}

// assertUnusable checks that every operation fails with want (which also
// matches auth.ErrUnavailable) and that the store file is unchanged.
func assertUnusable(t *testing.T, s keystore.Store, path string, want error, mention string) {
	t.Helper()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, getErr := s.Get(ctx, "seed.example.com")
	_, listErr := s.List(ctx)
	errs := map[string]error{
		"Get":    getErr,
		"List":   listErr,
		"Set":    s.Set(ctx, "new.example.com", auth.Credential{Username: "u", Secret: "p"}),
		"Delete": s.Delete(ctx, "seed.example.com"),
	}
	for op, err := range errs {
		switch {
		case !errors.Is(err, want):
			t.Errorf("%s = %v, want %v", op, err, want)
		case !errors.Is(err, auth.ErrUnavailable):
			t.Errorf("%s = %v, want it to match auth.ErrUnavailable", op, err)
		case errors.Is(err, auth.ErrNotFound):
			t.Errorf("%s = %v, must not look like not-found", op, err)
		case !strings.Contains(err.Error(), mention):
			t.Errorf("%s = %q, want it to mention %q", op, err, mention)
		case strings.Contains(err.Error(), "seed-secret"):
			t.Errorf("%s error reveals the secret: %v", op, err)
		}
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("store file changed after failed operations")
	}
}

func TestFileWrongKey(t *testing.T) {
	t.Parallel()
	other := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	tests := []struct {
		name    string
		written map[string]string
		read    map[string]string
		mention string
	}{
		{"OtherRawKey", map[string]string{keystore.FileKeyEnv: rawKey}, map[string]string{keystore.FileKeyEnv: other}, "different key"},
		{"OtherPassphrase", map[string]string{keystore.FileKeyEnv: "the first passphrase!"}, map[string]string{keystore.FileKeyEnv: "another passphrase!!"}, "different key"},
		{"PassphraseForRaw", map[string]string{keystore.FileKeyEnv: rawKey}, map[string]string{keystore.FileKeyEnv: "a passphrase, not a key"}, "is a passphrase"},
		{"KeyFileForEnv", map[string]string{keystore.FileKeyEnv: rawKey}, nil, "different key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, path := seededFileStore(t, tc.written)
			if tc.read == nil {
				// A key file exists but is not the key the store was written with.
				if err := os.MkdirAll(o.ConfigDir, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(o.ConfigDir, "file.key"), []byte(other+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			o.Env = tc.read
			assertUnusable(t, openStore(t, o), path, keystore.ErrWrongKey, tc.mention)
		})
	}
}

func TestFileKeyFileMissing(t *testing.T) {
	t.Parallel()
	o, path := seededFileStore(t, nil)
	keyFile := filepath.Join(o.ConfigDir, "file.key")
	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}
	assertUnusable(t, openStore(t, o), path, keystore.ErrWrongKey, keyFile)
	if _, err := os.Stat(keyFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a new key file was created beside an existing store: %v", err)
	}
}

func TestFileKeyFileTooOpen(t *testing.T) {
	t.Parallel()
	o, path := seededFileStore(t, nil)
	if err := os.Chmod(filepath.Join(o.ConfigDir, "file.key"), 0o644); err != nil {
		t.Fatal(err)
	}
	assertUnusable(t, openStore(t, o), path, keystore.ErrUnsafePath, "chmod 600")
}

func TestFileCorrupt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		damage  func(b []byte) []byte
		mention string
	}{
		{"Truncated", func(b []byte) []byte { return b[:len(b)/2] }, "not a regkey file store"},
		{"Garbage", func([]byte) []byte { return []byte("\x00\x01 not json") }, "not a regkey file store"},
		{"Empty", func([]byte) []byte { return nil }, "not a regkey file store"},
		{"FlippedCiphertext", flipData, "failed authentication"},
		{"OtherFormat", func([]byte) []byte { return []byte(`{"auths":{}}`) }, "not a regkey file store"},
		{"EditedHeader", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"version":1`), []byte(`"version":1,"extra":1`), 1)
		}, "failed authentication"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, path := seededFileStore(t, map[string]string{keystore.FileKeyEnv: rawKey})
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, tc.damage(b), 0o600); err != nil {
				t.Fatal(err)
			}
			assertUnusable(t, openStore(t, o), path, keystore.ErrCorrupt, tc.mention)
		})
	}
}

// flipData changes one byte of the base64 ciphertext.
func flipData(b []byte) []byte {
	i := bytes.Index(b, []byte(`"data":"`)) + len(`"data":"`) + 5
	out := bytes.Clone(b)
	if out[i] == 'A' {
		out[i] = 'B'
	} else {
		out[i] = 'A'
	}
	return out
}

func TestFileSymlinkRefused(t *testing.T) {
	t.Parallel()
	o, path := seededFileStore(t, nil)
	elsewhere := filepath.Join(t.TempDir(), "elsewhere.enc")
	if err := os.Rename(path, elsewhere); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, path); err != nil {
		t.Fatal(err)
	}
	assertUnusable(t, openStore(t, o), elsewhere, keystore.ErrUnsafePath, "symlink")
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced: %v %v", fi, err)
	}
}
