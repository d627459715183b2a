package status

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/inventory"
	"github.com/regkey/regkey/internal/inventory/inventorytest"
	"github.com/regkey/regkey/internal/regauth"
	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/keystore"
	"github.com/regkey/regkey/providers"
)

// TestRows: one row per registry known from the keystore, the token cache,
// docker's and podman's files, with where each client gets its credential.
func TestRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	deps := inventorytest.Mixed(t)

	got := Rows(inventory.Gather(ctx, deps), deps.Now)
	type brief struct{ Registry, Provider, Source, Username, Docker, Podman string }
	var rows []brief
	for _, r := range got {
		rows = append(rows, brief{r.Registry, r.Provider, r.Source, r.Username, r.Docker, r.Podman})
	}
	want := []brief{
		{"127.0.0.1:5000", "keystore", "keystore (memory)", "alice", "docker-credential-regkey", "docker-credential-regkey"},
		{"docker.io", "keystore", "keystore (memory)", "<token>", "docker-credential-regkey", "none"},
		{"gcr.io", "keystore", "not in regkey; docker uses docker-credential-gcloud", "", "docker-credential-gcloud", "docker-credential-gcloud"},
		{"plain.example", "keystore", "not in regkey; podman uses plaintext in " + deps.Paths.DockerConfig, "", "docker-credential-regkey", "plaintext in " + deps.Paths.DockerConfig},
		{"r.fake.example", "fake", "provider fake (token cached)", "AWS", "docker-credential-regkey", "docker-credential-regkey"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if r := got[4]; r.Expires == nil || !r.Expires.Equal(deps.Now().Add(time.Hour)) || r.Refreshed == nil {
		t.Errorf("token times: %+v", r)
	}
	for _, r := range got {
		if r.Check != nil {
			t.Errorf("%s: checked without CheckRows", r.Registry)
		}
	}
}

// TestCheckRows: each row's served credential (the keystore's, or the
// provider's token) is verified; a provider without credentials fails
// with its cause.
func TestCheckRows(t *testing.T) {
	t.Parallel()
	store := keystore.NewMemory()
	ctx := context.Background()
	_ = store.Set(ctx, "good.example", auth.Credential{Username: "u", Secret: "right"})
	_ = store.Set(ctx, "bad.example", auth.Credential{Username: "u", Secret: "wrong"})
	prov := &inventorytest.Provider{ID: "fake", Err: fmt.Errorf("no AWS profile: %w", providers.ErrNoCredentials)}
	deps, _ := inventorytest.Deps(t, store, prov)
	inventorytest.WriteFile(t, deps.Paths.DockerConfig, `{"credHelpers":{"x.fake.example":"regkey"}}`)
	verify := func(_ context.Context, host string, c auth.Credential, _ regauth.Options) (regauth.Result, error) {
		if c.Secret == "right" {
			return regauth.Result{Method: regauth.MethodBasic}, nil
		}
		return regauth.Result{}, fmt.Errorf("verifying login to %s: %w", host, regauth.ErrInvalidCredentials)
	}
	inv := inventory.Gather(ctx, deps)
	rows := Rows(inv, deps.Now)
	Checker{Verify: verify, Timeout: time.Second}.CheckRows(ctx, inv, rows)
	got := map[string]string{}
	for _, r := range rows {
		if r.Check == nil {
			t.Errorf("%s: not checked", r.Registry)
			continue
		}
		got[r.Registry] = fmt.Sprintf("%v %s", r.Check.OK, r.Check.Message)
	}
	want := map[string]string{
		"bad.example":    "false verifying login to bad.example: " + regauth.ErrInvalidCredentials.Error(),
		"good.example":   "true basic authentication succeeded",
		"x.fake.example": "false provider fake: no AWS profile: " + providers.ErrNoCredentials.Error(),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("checks (-want +got):\n%s", diff)
	}
}

// TestCheckRowsIsBoundedPerRegistry: registries that never answer are
// reported after CheckTimeout each, checked concurrently.
func TestCheckRowsIsBoundedPerRegistry(t *testing.T) {
	t.Parallel()
	store := keystore.NewMemory()
	for _, h := range []string{"a.example", "b.example", "c.example"} {
		_ = store.Set(context.Background(), h, auth.Credential{Username: "u", Secret: "p"})
	}
	deps, _ := inventorytest.Deps(t, store, &inventorytest.Provider{ID: "fake"})

	// Concurrently: each check answers only once all three are running,
	// with an hour to wait; checks made one after another would never end.
	var mu sync.Mutex
	running, allIn := 0, make(chan struct{})
	together := func(ctx context.Context, _ string, _ auth.Credential, _ regauth.Options) (regauth.Result, error) {
		mu.Lock()
		if running++; running == 3 {
			close(allIn)
		}
		mu.Unlock()
		select {
		case <-allIn:
			return regauth.Result{}, errors.New("refused")
		case <-ctx.Done():
			return regauth.Result{}, ctx.Err()
		}
	}
	inv := inventory.Gather(context.Background(), deps)
	rows := Rows(inv, deps.Now)
	testenv.Returns(t, "status --check of three registries that answer together", func() error {
		Checker{Verify: together, Timeout: time.Hour}.CheckRows(context.Background(), inv, rows)
		return nil
	})

	// Bounded: checks that never answer end at CheckTimeout, which each
	// failure names.
	hang := func(ctx context.Context, _ string, _ auth.Credential, _ regauth.Options) (regauth.Result, error) {
		<-ctx.Done()
		return regauth.Result{}, ctx.Err()
	}
	rows = Rows(inv, deps.Now)
	testenv.Returns(t, "status --check of three registries that never answer", func() error {
		Checker{Verify: hang, Timeout: 300 * time.Millisecond}.CheckRows(context.Background(), inv, rows)
		return nil
	})
	if len(rows) != 3 {
		t.Fatalf("rows = %+v, want three", rows)
	}
	for _, r := range rows {
		if r.Check == nil || r.Check.OK || !strings.Contains(r.Check.Message, "no answer within 300ms") {
			t.Errorf("%s: check %+v", r.Registry, r.Check)
		}
	}
}
