package inventory_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/inventory"
	"github.com/regkey/regkey/internal/inventory/inventorytest"
	"github.com/regkey/regkey/keystore"
	"github.com/regkey/regkey/providers"
)

// TestGather: the hosts regkey knows come from the keystore, the settings'
// single-host rules and docker's and podman's files, each once; routes and
// client routes are read without network.
func TestGather(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := keystore.NewMemory()
	_ = store.Set(ctx, "127.0.0.1:5000", auth.Credential{Username: "alice", Secret: "s"})
	_ = store.Set(ctx, "quay.io/org/repo", auth.Credential{Username: "bob", Secret: "s"})
	prov := &inventorytest.Provider{ID: "fake"}
	deps, home := inventorytest.Deps(t, store, prov)
	deps.Settings = func() (config.File, error) {
		return config.File{Registries: []config.Rule{{Match: "r.fake.example", Provider: "fake"}, {Match: "*.glob.example", Provider: "fake"}}}, nil
	}
	inventorytest.WriteFile(t, deps.Paths.DockerConfig, `{"credsStore":"regkey","credHelpers":{"gcr.io":"gcloud"}}`)
	inventorytest.WriteFile(t, filepath.Join(home, ".config", "containers", "auth.json"), `{"auths":{"podman.example":{"auth":"dTpw"}}}`)

	inv := inventory.Gather(ctx, deps)
	if p := inv.Problems(); len(p) != 0 {
		t.Fatalf("problems: %v", p)
	}
	want := []string{"127.0.0.1:5000", "gcr.io", "podman.example", "quay.io", "r.fake.example"}
	if diff := cmp.Diff(want, inv.Hosts()); diff != "" {
		t.Errorf("hosts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"quay.io/org/repo"}, inv.HostKeys("quay.io")); diff != "" {
		t.Errorf("keys of quay.io (-want +got):\n%s", diff)
	}
	if r, err := inv.Route("r.fake.example"); err != nil || r.Name != "fake" {
		t.Errorf("route = %+v, %v", r, err)
	}
	if r, err := inv.Route("127.0.0.1:5000"); err != nil || !r.Static() {
		t.Errorf("route = %+v, %v", r, err)
	}
	if got := inv.DockerRoute("gcr.io").String(); got != "docker-credential-gcloud" {
		t.Errorf("docker route of gcr.io = %q", got)
	}
	if got := inv.PodmanRoute("podman.example").String(); got == "none" || got == "docker-credential-regkey" {
		t.Errorf("podman route of podman.example = %q, want its plaintext", got)
	}
	if len(inv.Files()) != 2 {
		t.Errorf("files = %d, want docker's and podman's", len(inv.Files()))
	}
}

// TestGatherProblems: what cannot be read is kept beside the part it
// concerns and listed by Problems, keystore first; the rest is still read.
func TestGatherProblems(t *testing.T) {
	t.Parallel()
	deps, _ := inventorytest.Deps(t, keystore.NewMemory(), &inventorytest.Provider{ID: "fake"})
	bad := errors.New("no keyring")
	deps.Keystore = func(context.Context) (keystore.Store, keystore.Info, error) { return nil, keystore.Info{}, bad }
	deps.Router = func() (*providers.Router, error) { return nil, errors.New("bad rule") }
	inventorytest.WriteFile(t, deps.Paths.DockerConfig, `{"auths":`)
	inv := inventory.Gather(context.Background(), deps)
	p := inv.Problems()
	if len(p) != 3 || !errors.Is(p[0], bad) || p[1] != inv.RouterErr || p[2] != inv.DockerErr || inv.DockerErr == nil {
		t.Errorf("problems = %v", p)
	}
	if _, err := inv.Route("x.example"); err == nil || err.Error() != "bad rule" {
		t.Errorf("route without a router: %v", err)
	}
}
