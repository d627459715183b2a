package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// Environment variables that change how the regkey binary under test is made.
const (
	// BinaryEnv names a prebuilt regkey binary to test instead of building
	// one (for example a release build).
	BinaryEnv = "REGKEY_TEST_BINARY"
	// RaceEnv, set to 1, builds the binary with -race.
	RaceEnv = "REGKEY_TEST_RACE"
)

// HelperName is the name clients run regkey under.
const HelperName = "docker-credential-regkey"

// Binary is the regkey binary under test, in a directory of its own that
// also holds the docker-credential-regkey symlink.
type Binary struct {
	// Dir holds both names.
	Dir string
	// Regkey is the path of the binary (CLI face).
	Regkey string
	// Helper is the path of the docker-credential-regkey symlink (protocol
	// face); the binary dispatches on argv[0].
	Helper string
}

var (
	buildOnce   sync.Once
	builtBinary *Binary
	buildErr    error
	buildDir    string
)

// BuildRegkey builds ./cmd/regkey once per test process (or uses
// $REGKEY_TEST_BINARY) and returns it. A build failure fails every test that
// asks, with the compiler's output. Call Main from TestMain to remove the
// build directory at the end.
//
// It builds as `make build` and `make package` do (CGO_ENABLED=0,
// -trimpath; the linker flags differ, and they do not reach the compiler),
// so that the tests of those targets find every package compiled in the
// build cache and only link. A cold build of regkey takes minutes on a busy
// two-core machine; it is bounded only by the test binary's deadline.
func BuildRegkey(t testing.TB) *Binary {
	t.Helper()
	buildOnce.Do(func() {
		ctx, cancel := withTestDeadline(t)
		defer cancel()
		builtBinary, buildErr = build(ctx)
	})
	if buildErr != nil {
		t.Fatalf("building regkey: %v", buildErr)
	}
	return builtBinary
}

func build(ctx context.Context) (*Binary, error) {
	dir, err := os.MkdirTemp("", "regkey-testbin-")
	if err != nil {
		return nil, fmt.Errorf("creating build dir: %w", err)
	}
	buildDir = dir
	b := &Binary{Dir: dir, Regkey: filepath.Join(dir, "regkey"), Helper: filepath.Join(dir, HelperName)}
	if prebuilt := os.Getenv(BinaryEnv); prebuilt != "" {
		abs, err := filepath.Abs(prebuilt)
		if err != nil {
			return nil, fmt.Errorf("resolving $%s: %w", BinaryEnv, err)
		}
		if err := os.Symlink(abs, b.Regkey); err != nil {
			return nil, fmt.Errorf("linking $%s: %w", BinaryEnv, err)
		}
	} else {
		root, err := ModuleRoot()
		if err != nil {
			return nil, fmt.Errorf("finding the module root: %w", err)
		}
		args := []string{"build", "-o", b.Regkey}
		cgo := "CGO_ENABLED=0"
		if os.Getenv(RaceEnv) == "1" {
			args, cgo = append(args, "-race"), "CGO_ENABLED=1" // -race needs cgo
		} else {
			args = append(args, "-trimpath")
		}
		cmd := exec.CommandContext(ctx, goTool(), append(args, "./cmd/regkey")...)
		cmd.Env = append(os.Environ(), cgo)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build ./cmd/regkey: %w\n%s", err, out)
		}
	}
	if err := os.Symlink("regkey", b.Helper); err != nil {
		return nil, fmt.Errorf("linking %s: %w", HelperName, err)
	}
	return b, nil
}

// goTool returns the go command of the toolchain running the tests.
func goTool() string {
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", "go"); fileExists(p) {
			return p
		}
	}
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "/usr/local/go/bin/go"
}

// Main runs the tests of a package that uses BuildRegkey and removes the
// build directory afterwards. Use it as the package's TestMain:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
