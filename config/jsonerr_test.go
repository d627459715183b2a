package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMalformedFileMessages: the message for a file regkey refuses says
// where the problem is and what it is in JSON's words, never Go's types,
// and names the symlink's target when the path is a link.
func TestMalformedFileMessages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, content, want string }{
		{"truncated", "{\n\t\"auths\": {\n", "line 3, column 1: unexpected end of JSON input (truncated, or a } or ] missing?)"},
		{"bad character", "{\n  \"auths\": {,}\n}", "line 2, column 13: invalid character ','"},
		{"trailing garbage", "{}\n}", "line 2, column 1: invalid character '}' after top-level value"},
		{"auths array", `{"auths":[]}`, "line 1, column 10: auths is an array, want an object"},
		{"entry string", `{"auths":{"h":"x"}}`, "line 1, column 17: auths is a string, want an object"},
		{"auth number", `{"auths":{"h":{"auth":5}}}`, "line 1, column 23: auths.auth is a number, want a string"},
		{"credsStore object", `{"credsStore":{}}`, "line 1, column 15: credsStore is an object, want a string"},
		{"credHelpers bool", `{"credHelpers":{"h":true}}`, "credHelpers is true or false, want a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			target := filepath.Join(dir, "dotfiles", "docker.json")
			if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(target, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			link := filepath.Join(dir, "config.json")
			if err := os.Symlink(filepath.Join("dotfiles", "docker.json"), link); err != nil {
				t.Fatal(err)
			}
			_, err := ReadAuthFile(link)
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || !strings.Contains(msg, link+" (-> "+target+")") {
				t.Errorf("error = %s\nwant it to name %s and say %q", msg, link, tc.want)
			}
			for _, goism := range []string{"map[", "config.auth", "*config", "[]"} {
				if strings.Contains(msg, goism) {
					t.Errorf("error speaks Go (%q): %s", goism, msg)
				}
			}
		})
	}
}

func TestLegacyPlainKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if keys, err := LegacyPlainKeys(filepath.Join(dir, "missing")); err != nil || keys != nil {
		t.Errorf("missing file: %v %v", keys, err)
	}
	path := filepath.Join(dir, ".dockercfg")
	content := `{"https://index.docker.io/v1/":{"auth":"dTpw","email":"e"},"quay.io":{"auth":"dTpw"},"empty.example":{},"null.example":null}`
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	keys, err := LegacyPlainKeys(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"https://index.docker.io/v1/", "quay.io"}, keys); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if err := os.WriteFile(path, []byte(`["x"]`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LegacyPlainKeys(path); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "is an array, want an object") {
		t.Errorf("malformed: %v", err)
	}
}
