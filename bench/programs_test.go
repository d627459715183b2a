//go:build bench

package bench

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regkey/regkey/internal/testenv"
)

// refECRModule is the reference ECR helper, installed with go install.
const (
	refECRModule  = "github.com/awslabs/amazon-ecr-credential-helper/ecr-login/cli/docker-credential-ecr-login"
	refECRVersion = "v0.12.0"
)

// floorSource is the floor: the least a Go credential helper can do. It
// reads stdin and prints a fixed answer.
const floorSource = `package main

import (
	"io"
	"os"
)

func main() {
	_, _ = io.Copy(io.Discard, os.Stdin)
	_, _ = os.Stdout.WriteString("{\"ServerURL\":\"floor.example\",\"Username\":\"AWS\",\"Secret\":\"floor\"}\n")
}
`

// goCmd runs the go tool in dir with extra environment.
func goCmd(t *testing.T, dir string, env []string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %v: %v\n%s", args, err, out)
	}
}

// buildFloor builds the floor helper (static, stripped) into dir.
func buildFloor(t *testing.T, dir string) string {
	t.Helper()
	src := filepath.Join(dir, "floor-src")
	if err := os.MkdirAll(src, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"go.mod": "module floor\n\ngo 1.22\n", "main.go": floorSource} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "floor")
	goCmd(t, src, []string{"CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-buildvcs=false"},
		"build", "-trimpath", "-ldflags=-s -w", "-o", bin, ".")
	return bin
}

// regkeyBinary returns the regkey under test: $REGKEY_BENCH_BINARY (make
// bench passes the release build, bin/regkey), else a build made the way
// the Makefile makes it.
func regkeyBinary(t *testing.T, dir string) *testenv.Binary {
	t.Helper()
	b := &testenv.Binary{Dir: filepath.Join(dir, "regkey-bin")}
	if err := os.MkdirAll(b.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	b.Regkey = filepath.Join(b.Dir, "regkey")
	b.Helper = filepath.Join(b.Dir, testenv.HelperName)
	if p := os.Getenv("REGKEY_BENCH_BINARY"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(abs, b.Regkey); err != nil {
			t.Fatal(err)
		}
	} else {
		root, err := testenv.ModuleRoot()
		if err != nil {
			t.Fatal(err)
		}
		cgo := os.Getenv("CGO_ENABLED")
		if cgo == "" {
			cgo = "0" // as the Makefile builds it
		}
		goCmd(t, root, []string{"CGO_ENABLED=" + cgo}, "build", "-trimpath", "-ldflags=-s -w", "-o", b.Regkey, "./cmd/regkey")
	}
	if err := os.Symlink("regkey", b.Helper); err != nil {
		t.Fatal(err)
	}
	return b
}

// buildFront builds bench/front, the measurement device for the "front"
// proposal (a hit path that links no cloud SDK), into dir.
func buildFront(t *testing.T, dir string) string {
	t.Helper()
	root, err := testenv.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "front", testenv.HelperName)
	goCmd(t, root, []string{"CGO_ENABLED=0"}, "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./bench/front")
	return bin
}

// extra is another build of regkey to time at start-up, from
// REGKEY_BENCH_EXTRA ("label=path,label=path"): a build without some
// providers, say, for a measured comparison.
type extra struct{ label, path string }

func extras() []extra { return extraList("REGKEY_BENCH_EXTRA") }

// compared are other builds of regkey (an earlier commit, say) timed next
// to it in every ECR scenario, from REGKEY_BENCH_COMPARE in the same form;
// they must serve ECR hosts.
func compared() []extra { return extraList("REGKEY_BENCH_COMPARE") }

func extraList(name string) []extra {
	var out []extra
	for _, item := range strings.Split(os.Getenv(name), ",") {
		if label, path, ok := strings.Cut(item, "="); ok && label != "" && path != "" {
			out = append(out, extra{label, path})
		}
	}
	return out
}

// installRefECR installs the reference ECR helper into dir with go install
// (the module proxy serves it); "" when that fails, so the report says the
// reference is missing instead of failing.
func installRefECR(t *testing.T, dir string) string {
	t.Helper()
	gobin := filepath.Join(dir, "ref-bin")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "install", refECRModule+"@"+refECRVersion)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOWORK=off", "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Logf("reference ECR helper unavailable: go install %s@%s: %v\n%s", refECRModule, refECRVersion, err, out)
		return ""
	}
	return filepath.Join(gobin, "docker-credential-ecr-login")
}

// lookReference returns the path of a Debian reference helper, or "".
func lookReference(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Logf("reference %s not installed (Debian golang-docker-credential-helpers): left out", name)
		return ""
	}
	return p
}
