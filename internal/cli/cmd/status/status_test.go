package status

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/cli/cmdutil/cmdtest"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/inventory"
	"github.com/regkey/regkey/internal/inventory/inventorytest"
	"github.com/regkey/regkey/internal/regauth"
	"github.com/regkey/regkey/keystore"
	"github.com/regkey/regkey/providers"
)

func TestStatusRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	deps := inventorytest.Mixed(t)

	var out bytes.Buffer
	opts := &StatusOptions{IO: cmdutil.IOStreams{Out: &out, ErrOut: &bytes.Buffer{}}, Deps: deps, JSON: true}
	if err := statusRun(ctx, opts); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "s3cret") || strings.Contains(out.String(), `"tok"`) || strings.Contains(out.String(), `"rt"`) {
		t.Fatalf("status printed a secret:\n%s", out.String())
	}
	var got statusJSON
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	type brief struct{ Registry, Provider, Source, Username, Docker, Podman string }
	var rows []brief
	for _, r := range got.Registries {
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
	if r := got.Registries[4]; r.Expires == nil || !r.Expires.Equal(deps.Now().Add(time.Hour)) || r.Refreshed == nil {
		t.Errorf("token times: %+v", r)
	}

	out.Reset()
	opts.JSON = false
	if err := statusRun(ctx, opts); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "REGISTRY") || !strings.Contains(out.String(), "r.fake.example") {
		t.Errorf("table:\n%s", out.String())
	}
}

func TestStatusCheck(t *testing.T) {
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
	var out bytes.Buffer
	opts := &StatusOptions{IO: cmdutil.IOStreams{Out: &out, ErrOut: &bytes.Buffer{}}, Deps: deps, JSON: true, Check: true, Verify: verify, CheckTimeout: time.Second}
	err := statusRun(ctx, opts)
	var partial *cmderr.Partial
	if !errors.As(err, &partial) {
		t.Fatalf("err = %v, want a cmderr.Partial", err)
	}
	if diff := cmp.Diff([]string{"bad.example", "x.fake.example"}, partial.Failed); diff != "" {
		t.Errorf("failed (-want +got):\n%s", diff)
	}
	var got statusJSON
	_ = json.Unmarshal(out.Bytes(), &got)
	for _, r := range got.Registries {
		if r.Check == nil {
			t.Errorf("%s: not checked", r.Registry)
			continue
		}
		if r.Registry == "x.fake.example" && !strings.Contains(r.Check.Message, "no AWS profile") {
			t.Errorf("provider failure message: %q", r.Check.Message)
		}
	}
}

// countingProvider records how often it is asked for a token.
type countingProvider struct {
	inventorytest.Provider
	calls atomic.Int32
}

func (p *countingProvider) Get(ctx context.Context, k auth.Key) (providers.Token, error) {
	p.calls.Add(1)
	return p.Provider.Get(ctx, k)
}

// TestStatusUsesNoNetworkWithoutCheck: without --check status asks no
// registry and no provider (cached tokens are only looked up).
func TestStatusUsesNoNetworkWithoutCheck(t *testing.T) {
	t.Parallel()
	store := keystore.NewMemory()
	_ = store.Set(context.Background(), "127.0.0.1:5000", auth.Credential{Username: "u", Secret: "p"})
	prov := &countingProvider{Provider: inventorytest.Provider{ID: "fake"}}
	deps, _ := inventorytest.Deps(t, store, prov)
	inventorytest.WriteFile(t, deps.Paths.DockerConfig, `{"credHelpers":{"r.fake.example":"regkey"}}`)
	verify := func(context.Context, string, auth.Credential, regauth.Options) (regauth.Result, error) {
		t.Error("status verified a credential without --check")
		return regauth.Result{}, nil
	}
	opts := &StatusOptions{IO: cmdutil.IOStreams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, Deps: deps, Verify: verify, CheckTimeout: time.Second}
	if err := statusRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if n := prov.calls.Load(); n != 0 {
		t.Errorf("status asked the provider %d times without --check", n)
	}
}

// TestStatusCheckCannotCheck: when what --check needs cannot be read, the
// check fails (exit 1, or 2 for a REGKEY_KEYSTORE regkey does not know)
// with the cause, instead of warning and passing; plain status still only
// warns. The command's error is what internal/cli's exitCode maps: a usage
// error exits 2, any other (not a cmderr.Partial) 1, and an
// auth.ErrUnavailable gets the hint to run `regkey doctor` (e2e's
// TestStatusCheckFailsWhenItCannotCheck runs the binary on the same).
func TestStatusCheckCannotCheck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, d *inventory.Deps)
		usage   bool  // exit 2 rather than 1
		is      error // what the error must wrap (for exitCode's hint)
		want    string
	}{
		{
			name: "unknown keystore",
			prepare: func(_ *testing.T, d *inventory.Deps) {
				d.Keystore = func(context.Context) (keystore.Store, keystore.Info, error) {
					return nil, keystore.Info{}, cmderr.Usagef("REGKEY_KEYSTORE=%q: want auto, os, pass or file", "bogus")
				}
			},
			usage: true,
			want:  `status --check could not check every registry: REGKEY_KEYSTORE="bogus"`,
		},
		{
			name: "damaged store",
			prepare: func(_ *testing.T, d *inventory.Deps) {
				d.Keystore = func(context.Context) (keystore.Store, keystore.Info, error) {
					return damagedStore{keystore.NewMemory()}, keystore.Info{Backend: "file"}, nil
				}
			},
			is:   auth.ErrUnavailable,
			want: "status --check could not check every registry: reading the file store: the store file is damaged",
		},
		{
			name: "settings unreadable",
			prepare: func(_ *testing.T, d *inventory.Deps) {
				d.Settings = func() (config.File, error) { return config.File{}, errors.New("parsing settings: yaml: bad") }
			},
			want: "status --check could not check every registry: parsing settings: yaml: bad",
		},
		{
			name: "docker's config.json malformed",
			prepare: func(t *testing.T, d *inventory.Deps) {
				inventorytest.WriteFile(t, d.Paths.DockerConfig, `{"auths":`)
			},
			want: "status --check could not check every registry: parsing " + "%DOCKER%",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store := keystore.NewMemory()
			_ = store.Set(context.Background(), "good.example", auth.Credential{Username: "u", Secret: "right"})
			deps, _ := inventorytest.Deps(t, store, &inventorytest.Provider{ID: "fake"})
			tc.prepare(t, &deps)
			verify := func(context.Context, string, auth.Credential, regauth.Options) (regauth.Result, error) {
				return regauth.Result{Method: regauth.MethodBasic}, nil
			}
			for _, check := range []bool{true, false} {
				var stderr bytes.Buffer
				opts := &StatusOptions{IO: cmdutil.IOStreams{Out: &bytes.Buffer{}, ErrOut: &stderr}, Deps: deps, Check: check, Verify: verify, CheckTimeout: time.Second}
				err := statusRun(context.Background(), opts)
				want := strings.ReplaceAll(tc.want, "%DOCKER%", deps.Paths.DockerConfig)
				var partial *cmderr.Partial
				switch {
				case check && (err == nil || cmderr.IsUsage(err) != tc.usage || errors.As(err, &partial) ||
					!strings.HasPrefix(err.Error(), want) || tc.is != nil && !errors.Is(err, tc.is)):
					t.Errorf("status --check: error %v (usage %v), want a usage=%v error wrapping %v; stderr:\n%s\nwant %q", err, cmderr.IsUsage(err), tc.usage, tc.is, stderr.String(), want)
				case !check && (err != nil || !strings.Contains(stderr.String(), "WARNING: ")):
					t.Errorf("status: error %v, want none and a warning; stderr:\n%s", err, stderr.String())
				}
			}
		})
	}
}

// damagedStore is a keystore whose file is damaged: it opens, but cannot
// be listed or read.
type damagedStore struct{ keystore.Store }

func (damagedStore) List(context.Context) (map[string]string, error) {
	return nil, fmt.Errorf("reading the file store: %w", keystore.ErrCorrupt)
}

func Test_NewCmdStatus(t *testing.T) {
	t.Parallel()
	for args, want := range map[string]string{"": "", "--json": "json", "--check": "check", "--check --json": "json check", "x": "error"} {
		got, err := cmdtest.ParseArgs(t, newCmdStatus, args)
		switch {
		case want == "error":
			if err == nil {
				t.Errorf("status %s: no error", args)
			}
		case err != nil:
			t.Errorf("status %s: %v", args, err)
		case got.JSON != strings.Contains(want, "json") || got.Check != strings.Contains(want, "check") ||
			got.Verify == nil || got.CheckTimeout != 20*time.Second || got.Deps.Keystore == nil:
			t.Errorf("status %s: options %+v", args, got)
		}
	}
}

// newCmdStatus is NewCmdStatus with the runF shape cmdtest.ParseArgs takes.
func newCmdStatus(f *cmdutil.Factory, runF func(*StatusOptions) error) *cobra.Command {
	return NewCmdStatus(f, func(_ context.Context, o *StatusOptions) error { return runF(o) })
}
