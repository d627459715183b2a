// Package archtest guards the import graph described in the design: the
// shared leaf stays a leaf, providers stay apart from each other, SDKs stay
// inside their providers, and only the CLI knows cobra.
package archtest

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/regkey/regkey"

type pkg struct {
	ImportPath string
	Deps       []string
	Standard   bool
}

// listPackages returns every package of the module with its transitive deps.
func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps=false", "-json=ImportPath,Deps", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func TestImportGraph(t *testing.T) {
	t.Parallel()
	sdks := []string{"github.com/aws/", "github.com/Azure/", "github.com/AzureAD/", "golang.org/x/oauth2", "cloud.google.com/"}
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		for _, d := range p.Deps {
			drel, ours := strings.CutPrefix(d, module+"/")
			switch {
			case ours && (drel == "auth/authtest" || drel == "internal/testenv" || drel == "keystore/keystoretest" || drel == "internal/inventory/inventorytest") && !strings.HasPrefix(rel, "internal/testenv") && rel != "e2e":
				t.Errorf("%s imports the test-only package %s outside its tests", rel, drel)
			case rel == "auth" && !isStd(d):
				t.Errorf("auth must import only the standard library; it imports %s", d)
			case rel == "internal/childenv" && !isStd(d):
				t.Errorf("internal/childenv must import only the standard library (keystore and providers share it); it imports %s", d)
			case ours && strings.HasPrefix(drel, "internal/cli") && !strings.HasPrefix(rel, "internal/cli") && rel != "cmd/regkey":
				t.Errorf("%s imports the command layer %s: engines take their inputs as values and never import internal/cli", rel, drel)
			case rel == "internal/cmderr" && !isStd(d) && d != module+"/auth" && d != module+"/helper":
				t.Errorf("internal/cmderr must import only the standard library, auth and helper; it imports %s", d)
			case rel == "internal/fix" && ours && drel != "auth" && drel != "config":
				t.Errorf("internal/fix must import only config (and what config does) of regkey's packages; it imports %s", drel)
			case rel == "helper" && !isStd(d) && d != module+"/auth":
				t.Errorf("helper must import only the standard library and auth; it imports %s", d)
			case rel == "internal/registryapi" && !isStd(d) && d != module+"/auth" && d != module+"/internal/regauth":
				t.Errorf("internal/registryapi must import only the standard library, auth and internal/regauth; it imports %s", d)
			case strings.HasPrefix(d, "github.com/spf13/") && !strings.HasPrefix(rel, "internal/cli") && rel != "cmd/regkey":
				t.Errorf("only the command layer (internal/cli and its subpackages) may import cobra and pflag; %s imports %s", rel, d)
			case ours && (rel == "keystore" || strings.HasPrefix(rel, "keystore/")) &&
				(strings.HasPrefix(drel, "providers") || drel == "config" || drel == "helper" || strings.HasPrefix(drel, "internal/cli")):
				t.Errorf("keystore must not import %s", drel)
			case ours && rel == "config" && (strings.HasPrefix(drel, "providers") || strings.HasPrefix(drel, "keystore") || drel == "helper"):
				t.Errorf("config must not import %s", drel)
			case ours && strings.HasPrefix(rel, "providers/") && rel != "providers/builtin" &&
				(strings.HasPrefix(drel, "keystore") || drel == "helper" || strings.HasPrefix(drel, "internal/cli") ||
					(strings.HasPrefix(drel, "providers/") && drel != "providers/tokencache" && !strings.HasPrefix(drel, "providers/internal") && !strings.HasPrefix(rel, drel))):
				t.Errorf("provider package %s must not import %s", rel, drel)
			}
			for _, sdk := range sdks {
				if strings.HasPrefix(d, sdk) && !strings.HasPrefix(rel, "providers/") && !strings.HasPrefix(rel, "internal/cli") &&
					rel != "cmd/regkey" && !strings.HasPrefix(rel, "internal/resolve") && !strings.HasPrefix(rel, "e2e") {
					t.Errorf("cloud SDK %s reached from %s: SDKs belong to provider packages", d, rel)
				}
			}
		}
	}
}

// TestEngineTestsStandAlone: an engine's tests, like the engine, never
// reach into the command layer: they build their inputs as values, so the
// engine can be tested without the command around it.
func TestEngineTestsStandAlone(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-json=ImportPath,TestImports,XTestImports", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			ImportPath                string
			TestImports, XTestImports []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		if strings.HasPrefix(rel, "internal/cli") || rel == "cmd/regkey" || rel == "e2e" || rel == "bench" {
			continue
		}
		for _, d := range append(p.TestImports, p.XTestImports...) {
			if strings.HasPrefix(d, module+"/internal/cli") {
				t.Errorf("the tests of %s import the command layer %s", rel, strings.TrimPrefix(d, module+"/"))
			}
		}
	}
}

// processGlobals are what only the command layer may read: the arguments,
// the environment and the standard streams of the process.
var processGlobals = map[string]bool{
	"Args": true, "Environ": true, "Getenv": true, "LookupEnv": true,
	"Stdin": true, "Stdout": true, "Stderr": true,
}

// TestEnginesTakeValues: the engines under internal/ (everything but the
// command layer, the test environment and this package) never read the
// process's arguments, environment or standard streams: they take a
// config.Env snapshot and writers, so they can be run and tested without
// the command around them.
func TestEnginesTakeValues(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{.Dir}} {{join .GoFiles \",\"}}", module+"/internal/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		rel := strings.TrimPrefix(f[0], module+"/")
		if strings.HasPrefix(rel, "internal/cli") || strings.HasPrefix(rel, "internal/testenv") || rel == "internal/archtest" {
			continue
		}
		for _, name := range strings.Split(f[2], ",") {
			path := filepath.Join(f[1], name)
			file, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			osName := ""
			for _, imp := range file.Imports {
				if imp.Path.Value == `"os"` {
					osName = "os"
					if imp.Name != nil {
						osName = imp.Name.Name
					}
				}
			}
			if osName == "" {
				continue
			}
			ast.Inspect(file, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == osName && processGlobals[sel.Sel.Name] {
					t.Errorf("%s/%s reads os.%s: only the command layer reads the process's arguments, environment and streams", rel, name, sel.Sel.Name)
				}
				return true
			})
		}
	}
}
