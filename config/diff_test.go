package config

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestScratchDiff(t *testing.T) {
	cases := [][2]string{{"a\nb\nc\n", "a\nB\nc\n"}, {"", "x\n"}, {"x\n", ""}, {"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "1\n2\nX\n4\n5\n6\n7\n8\n9\n10\nY\n12\n13\n"}, {"a", "b"}, {"a\nb", "a\nb\n"}}
	d := t.TempDir()
	for _, c := range cases {
		a, b := filepath.Join(d, "a"), filepath.Join(d, "b")
		os.WriteFile(a, []byte(c[0]), 0600)
		os.WriteFile(b, []byte(c[1]), 0600)
		want, _ := exec.Command("diff", "-u", "--label", "A", "--label", "B", a, b).Output()
		got := UnifiedDiff("A", "B", []byte(c[0]), []byte(c[1]))
		if got != string(want) {
			t.Errorf("case %q:\ngot\n%s\nwant\n%s", c, got, want)
		}
	}
}
