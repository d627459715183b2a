package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeChecksums writes a checksums.txt for every archive of version.
func fakeChecksums(t *testing.T, version string, skip string) (string, map[string]string) {
	t.Helper()
	sums := map[string]string{}
	var b strings.Builder
	for _, osArch := range [][2]string{{"linux", "amd64"}, {"linux", "arm64"}, {"darwin", "amd64"}, {"darwin", "arm64"}, {"windows", "amd64"}, {"windows", "arm64"}} {
		name := Release{Version: version}.Archive(osArch[0], osArch[1])
		if name == skip {
			continue
		}
		sum := sha256.Sum256([]byte(name))
		sums[name] = hex.EncodeToString(sum[:])
		fmt.Fprintf(&b, "%s  %s\n", sums[name], name)
	}
	path := filepath.Join(t.TempDir(), "checksums.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, sums
}

func TestRender(t *testing.T) {
	t.Parallel()
	sumsPath, sums := fakeChecksums(t, "1.2.3", "")
	out := t.TempDir()
	var stderr bytes.Buffer
	if code := run([]string{"-version", "v1.2.3", "-checksums", sumsPath, "-templates", "..", "-out", out}, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	rb, err := os.ReadFile(filepath.Join(out, "regkey.rb"))
	if err != nil {
		t.Fatal(err)
	}
	for name, sum := range sums {
		if strings.HasPrefix(name, "regkey_1.2.3_windows") {
			continue
		}
		if !strings.Contains(string(rb), `sha256 "`+sum+`"`) || !strings.Contains(string(rb), "/releases/download/v1.2.3/"+name+`"`) {
			t.Errorf("formula lacks %s", name)
		}
	}
	if strings.Contains(string(rb), "{{") || !strings.Contains(string(rb), `version "1.2.3"`) {
		t.Errorf("formula:\n%s", rb)
	}

	var scoop struct {
		Version      string
		Architecture map[string]struct{ URL, Hash string }
		Bin          []string
	}
	data, err := os.ReadFile(filepath.Join(out, "regkey.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &scoop); err != nil {
		t.Fatalf("scoop manifest: %v", err)
	}
	win := scoop.Architecture["64bit"]
	if scoop.Version != "1.2.3" || win.Hash != sums["regkey_1.2.3_windows_amd64.zip"] ||
		!strings.HasSuffix(win.URL, "/v1.2.3/regkey_1.2.3_windows_amd64.zip") || len(scoop.Bin) != 2 ||
		scoop.Architecture["arm64"].Hash != sums["regkey_1.2.3_windows_arm64.zip"] {
		t.Errorf("scoop manifest: %+v", scoop)
	}
}

func TestRenderRefusesMissingChecksum(t *testing.T) {
	t.Parallel()
	sumsPath, _ := fakeChecksums(t, "1.2.3", "regkey_1.2.3_darwin_arm64.tar.gz")
	out := filepath.Join(t.TempDir(), "out")
	var stderr bytes.Buffer
	if code := run([]string{"-version", "1.2.3", "-checksums", sumsPath, "-templates", "..", "-out", out}, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "darwin_arm64") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("wrote manifests despite a missing checksum")
	}
	if code := run(nil, &stderr); code != 2 {
		t.Errorf("no -version: exit %d", code)
	}
	bad := filepath.Join(t.TempDir(), "bad.txt")
	if err := os.WriteFile(bad, []byte("nothex  file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code := run([]string{"-version", "1", "-checksums", bad, "-templates", "..", "-out", out}, &stderr); code != 1 {
		t.Errorf("bad checksums: exit %d", code)
	}
}
