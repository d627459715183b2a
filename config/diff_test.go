package config

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestUnifiedDiffMatchesDiffU compares UnifiedDiff with GNU diff -u.
func TestUnifiedDiffMatchesDiffU(t *testing.T) {
	t.Parallel()
	diff, err := exec.LookPath("diff")
	if err != nil {
		t.Fatalf("diff (diffutils, essential on Debian) is not on PATH: %v", err)
	}
	for _, c := range [][2]string{
		{"a\nb\nc\n", "a\nB\nc\n"},
		{"", "x\n"},
		{"x\n", ""},
		{"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "1\n2\nX\n4\n5\n6\n7\n8\n9\n10\nY\n12\n13\n"},
		{"a", "b"},
		{"a\nb", "a\nb\n"},
		{"{\n\t\"a\": 1\n}\n", "{\n\t\"a\": 1,\n\t\"credsStore\": \"regkey\"\n}\n"},
	} {
		dir := t.TempDir()
		a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		if err := os.WriteFile(a, []byte(c[0]), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(b, []byte(c[1]), 0o600); err != nil {
			t.Fatal(err)
		}
		want, _ := exec.Command(diff, "-u", "--label", "A", "--label", "B", a, b).Output()
		if got := UnifiedDiff("A", "B", []byte(c[0]), []byte(c[1])); got != string(want) {
			t.Errorf("%q -> %q:\ngot\n%s\nwant\n%s", c[0], c[1], got, want)
		}
	}
	if got := UnifiedDiff("A", "B", []byte("same\n"), []byte("same\n")); got != "" {
		t.Errorf("equal inputs gave %q", got)
	}
	if got := UnifiedDiff("A", "B", nil, []byte("new\n")); got != "--- /dev/null\n+++ B\n@@ -0,0 +1 @@\n+new\n" {
		t.Errorf("created file: %q", got)
	}
}
