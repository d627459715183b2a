package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// ToolsDirEnv names the environment variable that points at the directory
// holding Go tools the tests need (crane). `make tools` and .ci/run install
// them into <module root>/.cache/tools/bin, which is also searched when the
// variable is unset.
const ToolsDirEnv = "REGKEY_TEST_TOOLS"

// InCI reports whether the tests run in CI (CI set to a non-empty value other
// than "false"). In CI a missing program fails the test instead of skipping it.
func InCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

// RequireProgram returns the absolute path of the named program found on
// PATH. When it is missing the test fails in CI and is skipped elsewhere.
func RequireProgram(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		missing(t, name, "not on PATH (apt-get install it; .ci/run does)")
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatalf("resolving %s: %v", p, err)
	}
	return abs
}

// RequireTool returns the absolute path of a Go tool (such as "crane") from
// $REGKEY_TEST_TOOLS, then <module root>/.cache/tools/bin, then PATH. When
// it is missing the test fails in CI and is skipped elsewhere.
func RequireTool(t testing.TB, name string) string {
	t.Helper()
	for _, dir := range toolDirs() {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
	}
	missing(t, name, "not found in $"+ToolsDirEnv+", .cache/tools/bin or PATH (run `make tools`)")
	return ""
}

// toolDirs lists the directories RequireTool searches before PATH.
func toolDirs() []string {
	var dirs []string
	if d := os.Getenv(ToolsDirEnv); d != "" {
		dirs = append(dirs, d)
	}
	if root, err := ModuleRoot(); err == nil {
		dirs = append(dirs, filepath.Join(root, ".cache", "tools", "bin"))
	}
	return dirs
}

// RequireFile is for a test that needs a file a Debian package installs
// (bash-completion's loader, say). When it is missing the test fails in CI
// and is skipped elsewhere.
func RequireFile(t testing.TB, path, pkg string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		missing(t, path, "missing (apt-get install "+pkg+"; .ci/run does)")
	}
}

// RequireRoot is for tests that act as the system administrator: run a
// program as another user, or mount over a system directory in a private
// mount namespace. When the tests do not run as root it fails the test in
// CI and skips it elsewhere.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		missing(t, "root", "this test acts as the administrator (run the tests as root; CI does)")
	}
}

func missing(t testing.TB, name, why string) {
	t.Helper()
	if InCI() {
		t.Fatalf("required program %s: %s", name, why)
	}
	t.Skipf("required program %s: %s", name, why)
}

var moduleRoot = sync.OnceValues(func() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
})

// ModuleRoot returns the directory of the go.mod that encloses the test's
// working directory (go test runs each package in its own directory).
func ModuleRoot() (string, error) { return moduleRoot() }

// systemDirs are where Debian keeps the programs that package managers,
// gpg and podman run by name (ldconfig and start-stop-daemon are in /sbin
// and /usr/sbin).
var systemDirs = []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

// SystemPath returns the test process's PATH with the system directories
// it lacks appended. Programs the tests start get it, so that they find what
// they run in turn whatever PATH the developer or CI runner has: dpkg warns
// "'ldconfig' not found in PATH" (and fails) on a PATH without the sbin
// directories.
func SystemPath() string {
	path := os.Getenv("PATH")
	have := map[string]bool{}
	for _, d := range filepath.SplitList(path) {
		have[filepath.Clean(d)] = true
	}
	for _, d := range systemDirs {
		if !have[d] {
			if path != "" {
				path += string(os.PathListSeparator)
			}
			path += d
		}
	}
	return path
}
