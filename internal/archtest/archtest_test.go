// Package archtest guards the import graph described in the design: the
// shared leaf stays a leaf, providers stay apart from each other, SDKs stay
// inside their providers, and only the CLI knows cobra.
package archtest

import (
	"encoding/json"
	"os/exec"
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
			case ours && (drel == "auth/authtest" || drel == "internal/testenv" || drel == "keystore/keystoretest") && !strings.HasPrefix(rel, "internal/testenv") && rel != "e2e":
				t.Errorf("%s imports the test-only package %s outside its tests", rel, drel)
			case rel == "auth" && !isStd(d):
				t.Errorf("auth must import only the standard library; it imports %s", d)
			case rel == "helper" && !isStd(d) && d != module+"/auth":
				t.Errorf("helper must import only the standard library and auth; it imports %s", d)
			case strings.HasPrefix(d, "github.com/spf13/cobra") && !strings.HasPrefix(rel, "internal/cli") && rel != "cmd/regkey":
				t.Errorf("only internal/cli may import cobra; %s imports %s", rel, d)
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
