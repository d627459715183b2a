package keystore_test

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/keystore"
)

// processes is how many processes store at once, as when a CI job logs in
// to many registries in parallel.
const processes = 30

// storeFromProcesses starts `processes` children at once, each storing its
// own key, then checks through verify (a store on the same backend) that all
// of them are listed and readable.
func storeFromProcesses(t *testing.T, spec childSpec, verify keystore.Store) {
	t.Helper()
	var wg sync.WaitGroup
	results := make([]childResult, processes)
	children := make([]*child, processes)
	for i := range children {
		children[i] = startChild(t, spec)
	}
	for i, c := range children {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = c.do("set proc-%d.example.com:5000/repo user-%d secret-%d", i, i, i)
		}()
	}
	wg.Wait()
	closeAll(children)
	want := map[string]string{}
	for i, r := range results {
		if r.Err != "" {
			t.Errorf("process %d: Set: %s", i, r.Err)
		}
		want[fmt.Sprintf("proc-%d.example.com:5000/repo", i)] = fmt.Sprintf("user-%d", i)
	}
	ctx := testenv.Context(t)
	got, err := verify.List(ctx)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("List after %d concurrent processes (-want +got):\n%s", processes, diff)
	}
	for i := range processes {
		c, err := verify.Get(ctx, fmt.Sprintf("proc-%d.example.com:5000/repo", i))
		if err != nil || c != (auth.Credential{Username: fmt.Sprintf("user-%d", i), Secret: fmt.Sprintf("secret-%d", i)}) {
			t.Errorf("Get of process %d's key = %+v, %v", i, c, err)
		}
	}
}

func TestFileThirtyProcesses(t *testing.T) {
	t.Parallel()
	for name, env := range map[string]map[string]string{
		"KeyFile":    {},
		"Passphrase": {keystore.FileKeyEnv: "thirty processes share this passphrase"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			spec := childSpec{backend: "file", dataDir: filepath.Join(dir, "data"), configDir: filepath.Join(dir, "config"), env: env}
			// The key file does not exist yet: the children race to create it.
			verify := openStore(t, keystore.Options{Backend: "file", DataDir: spec.dataDir, ConfigDir: spec.configDir, Env: env})
			storeFromProcesses(t, spec, verify)
		})
	}
}

func TestPassThirtyProcesses(t *testing.T) {
	t.Parallel()
	o := passOptions(t)
	name := uniqueName("regkey-procs")
	verify, err := keystore.OpenNamed(o, name)
	if err != nil {
		t.Fatal(err)
	}
	storeFromProcesses(t, childSpec{backend: "pass", name: name, dataDir: o.DataDir, env: o.Env}, verify)
}
