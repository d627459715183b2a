package fix

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regkey/regkey/config"
)

// TestHelperPathFix: the fix links the running binary (never `command -v
// regkey`, which finds nothing when regkey is not on PATH) into a
// directory PATH searches, or names the line that puts its own directory
// on PATH.
func TestHelperPathFix(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	localBin := filepath.Join(home, ".local", "bin")
	if err := os.MkdirAll(localBin, 0o700); err != nil {
		t.Fatal(err)
	}
	self := filepath.Join(home, "src", "regkey", "bin", "regkey")
	for _, tc := range []struct {
		name string
		path string
		self string
		uid  int
		want string
	}{
		{"own directory on PATH", "/usr/bin:" + filepath.Dir(self), self, 1000,
			"run: ln -s " + self + " " + filepath.Join(filepath.Dir(self), "docker-credential-regkey")},
		{"~/.local/bin on PATH", "/usr/bin:" + localBin, self, 1000,
			"run: ln -s " + self + " " + filepath.Join(localBin, "docker-credential-regkey")},
		{"root, /usr/local/bin on PATH", "/usr/local/bin:/usr/bin", self, 0,
			"run: ln -s " + self + " /usr/local/bin/docker-credential-regkey"},
		{"a user, nothing fit on PATH", "/usr/bin:/bin", self, 1000,
			"run `ln -s " + self + " " + filepath.Join(filepath.Dir(self), "docker-credential-regkey") + "`, then put " + filepath.Dir(self) +
				" on PATH: add the line `export PATH=\"$HOME/src/regkey/bin:$PATH\"` to ~/.profile and start a new login shell"},
		{"a path that needs quoting", "/usr/local/bin", "/opt/my tools/regkey", 0,
			"run: ln -s '/opt/my tools/regkey' /usr/local/bin/docker-credential-regkey"},
		{"unknown binary", "/usr/bin", "", 0, "link the regkey binary as docker-credential-regkey in a directory on PATH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := config.Env{"HOME": home, "PATH": tc.path}
			if got := HelperPath(env, tc.self, tc.uid); got != tc.want {
				t.Errorf("HelperPath =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestPermissionFix: an error from a file regkey may not read names the
// file, its owner and mode, and the chown that gives it back; a directory
// that cannot be searched is named instead of the file in it; other errors
// get no such fix.
func TestPermissionFix(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "regkey")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "credentials.enc")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := fmt.Errorf("listing the file keystore: %w", &fs.PathError{Op: "open", Path: file, Err: fs.ErrPermission})
	got := Permission(err)
	for _, want := range []string{file + " is owned by ", ", mode 0600, so regkey, running as ", "sudo chown ", " && sudo chmod 600 " + file} {
		if !strings.Contains(got, want) {
			t.Errorf("Permission lacks %q:\n%s", want, got)
		}
	}
	if got := Permission(fmt.Errorf("x: %w", fs.ErrNotExist)); got != "" {
		t.Errorf("Permission of a missing file = %q", got)
	}
	if got := Permission(fs.ErrPermission); got != "" {
		t.Errorf("Permission with no path = %q", got)
	}
	other := &fs.PathError{Op: "open", Path: filepath.Join(t.TempDir(), "config.json"), Err: fs.ErrPermission}
	if got := Permission(other); got != "" {
		t.Errorf("Permission of a file not regkey's = %q", got)
	}
}
