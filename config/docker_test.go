package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

func TestReadDockerFileKeepsUnknownKeys(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "config.json")
	writeFile(t, path, `{"auths":{"a.example":{"auth":"dTpw"},"b.example":{}},"unknownTopLevel":{"keep":"me"},"proxies":{"default":{"httpProxy":"http://p:3128"}},"credHelpers":{"gcr.io":"gcloud"}}`, 0o644)
	d, err := ReadDockerFile(path)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := d.PlainAuths()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]PlainAuth{{Key: "a.example", Username: "u", Password: "p"}}, plain); diff != "" {
		t.Errorf("PlainAuths (-want +got):\n%s", diff)
	}
	if err := d.ClearSecret("a.example"); err != nil {
		t.Fatal(err)
	}
	d.SetCredsStore("regkey")
	if err := d.Save(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	var m map[string]any
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"auths":           map[string]any{"a.example": map[string]any{}, "b.example": map[string]any{}},
		"unknownTopLevel": map[string]any{"keep": "me"},
		"proxies":         map[string]any{"default": map[string]any{"httpProxy": "http://p:3128"}},
		"credHelpers":     map[string]any{"gcr.io": "gcloud"},
		"credsStore":      "regkey",
	}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("saved file (-want +got):\n%s", diff)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, want the original 0644 kept", fi.Mode().Perm())
	}
}

func TestReadDockerFileEdgeCases(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, content, wantErr string
		plain                  int
	}{
		{name: "empty", content: ""},
		{name: "whitespace", content: " \n\t"},
		{name: "identity token", content: `{"auths":{"t.example":{"identitytoken":"rt"}}}`, plain: 1},
		{name: "malformed", content: `{"auths":`, wantErr: "parsing"},
		{name: "array", content: `[1,2]`, wantErr: "parsing"},
		{name: "null", content: `null`, wantErr: "null"},
		{name: "bad base64", content: `{"auths":{"x":{"auth":"%%%"}}}`, wantErr: "not base64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "config.json")
			writeFile(t, path, tc.content, 0o600)
			d, err := ReadDockerFile(path)
			if err == nil {
				var plain []PlainAuth
				plain, err = d.PlainAuths()
				if err == nil && len(plain) != tc.plain {
					t.Errorf("got %d plaintext logins, want %d", len(plain), tc.plain)
				}
			}
			if tc.wantErr == "" && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
			}
			if tc.wantErr != "" && err != nil && !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestSaveFollowsSymlink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles", "docker.json")
	writeFile(t, real, `{"psFormat":"x"}`, 0o600)
	link := filepath.Join(dir, ".docker", "config.json")
	if err := os.MkdirAll(filepath.Dir(link), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../dotfiles/docker.json", link); err != nil {
		t.Fatal(err)
	}
	d, err := ReadDockerFile(link)
	if err != nil {
		t.Fatal(err)
	}
	d.SetCredsStore("regkey")
	if err := d.Save(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("symlink not kept: %v %v", fi, err)
	}
	got, _ := os.ReadFile(real)
	if !strings.Contains(string(got), `"credsStore": "regkey"`) || !strings.Contains(string(got), `"psFormat": "x"`) {
		t.Errorf("target not rewritten as expected:\n%s", got)
	}
	entries, _ := os.ReadDir(filepath.Dir(link))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestWriteFileAtomicNewFileMode(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "new", "config.json")
	if err := WriteFileAtomic(path, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	di, _ := os.Stat(filepath.Dir(path))
	if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
		t.Errorf("modes file %v dir %v, want 0600 and 0700", fi.Mode().Perm(), di.Mode().Perm())
	}
}
