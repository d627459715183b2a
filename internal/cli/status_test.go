package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/cli/cmdutil/cmdtest"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/regauth"
	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/keystore"
	"github.com/regkey/regkey/providers"
	"github.com/regkey/regkey/providers/tokencache"
)

// fakeProvider serves every host matching suffix with a fixed answer.
type fakeProvider struct {
	name  string
	token providers.Token
	err   error
}

func (p *fakeProvider) Name() string                                           { return p.name }
func (p *fakeProvider) CacheKey(k auth.Key) string                             { return p.name + "|" + k.Host }
func (p *fakeProvider) Get(context.Context, auth.Key) (providers.Token, error) { return p.token, p.err }

// testDeps is an inventory over a private home with a memory keystore, a
// router with one fake provider for *.fake.example, and the programs named
// installed.
func testDeps(t *testing.T, store keystore.Store, prov *fakeProvider, installed ...string) (inventoryDeps, string) {
	t.Helper()
	home := t.TempDir()
	env := config.Env{"HOME": home, "XDG_RUNTIME_DIR": filepath.Join(home, "run"), "PATH": "/nonexistent"}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	d := inventoryDeps{
		Env: env, Paths: config.PathsFor(env), GOOS: "linux", UID: 1000,
		Keystore: func(context.Context) (keystore.Store, keystore.Info, error) {
			return store, keystore.Info{Backend: "memory"}, nil
		},
		Settings: func() (config.File, error) { return config.File{}, nil },
		Router: func() (*providers.Router, error) {
			return providers.NewRouter(nil,
				[]providers.Detector{{Name: prov.name, Matches: func(k auth.Key) bool { return strings.HasSuffix(k.Host, ".fake.example") }}},
				map[string]providers.Constructor{prov.name: func(map[string]string) (providers.Provider, error) { return prov, nil }})
		},
		Cache: &tokencache.Cache{Dir: filepath.Join(home, "cache"), Now: func() time.Time { return now }},
		LookPath: func(name string) (string, error) {
			for _, n := range installed {
				if n == name {
					return "/usr/bin/" + n, nil
				}
			}
			return "", fs.ErrNotExist
		},
		Now: func() time.Time { return now },
	}
	return d, home
}

func TestStatusRows(t *testing.T) {
	t.Parallel()
	store := keystore.NewMemory()
	ctx := context.Background()
	_ = store.Set(ctx, "127.0.0.1:5000", auth.Credential{Username: "alice", Secret: "s3cret"})
	_ = store.Set(ctx, "https://index.docker.io/v1/", auth.Credential{Username: auth.TokenUsername, Secret: "rt"})
	prov := &fakeProvider{name: "fake", token: providers.Token{Credential: auth.Credential{Username: "AWS", Secret: "tok"}}}
	deps, home := testDeps(t, store, prov)
	prov.token.Expires = deps.Now().Add(time.Hour)
	if _, _, err := deps.Cache.Get(ctx, prov, auth.Key{Host: "r.fake.example"}); err != nil {
		t.Fatal(err)
	}
	cmdtest.WriteFile(t, deps.Paths.DockerConfig, `{"credsStore":"regkey","credHelpers":{"gcr.io":"gcloud","r.fake.example":"regkey"},"auths":{"plain.example":{"auth":"dTpw"}}}`)
	cmdtest.WriteFile(t, filepath.Join(home, ".config", "containers", "auth.json"), `{"credHelpers":{"127.0.0.1:5000":"regkey"}}`)

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
	prov := &fakeProvider{name: "fake", err: fmt.Errorf("no AWS profile: %w", providers.ErrNoCredentials)}
	deps, _ := testDeps(t, store, prov)
	cmdtest.WriteFile(t, deps.Paths.DockerConfig, `{"credHelpers":{"x.fake.example":"regkey"}}`)
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

func TestDoctor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		installed []string
		docker    string
		podman    string
		store     func(keystore.Store)
		wantOK    bool
		want      []string // "STATUS check" prefixes that must appear
	}{
		{
			name:      "all well after setup",
			installed: []string{"docker", "skopeo", "docker-credential-regkey"},
			docker:    `{"credsStore":"regkey","credHelpers":{"127.0.0.1:5000":"regkey"},"auths":{"127.0.0.1:5000":{}}}`,
			podman:    `{"credHelpers":{"127.0.0.1:5000":"regkey"}}`,
			store:     func(s keystore.Store) { _ = s.Set(ctx, "127.0.0.1:5000", auth.Credential{Username: "u", Secret: "p"}) },
			wantOK:    true,
			want:      []string{"ok keystore", "ok helper", "ok plaintext", "ok docker", "ok podman"},
		},
		{
			name:      "plaintext, missing helpers, podman not wired",
			installed: []string{"docker", "podman"},
			docker:    `{"credsStore":"desktop","credHelpers":{"gcr.io":"gcloud"},"auths":{"127.0.0.1:5000":{"auth":"dTpw"}}}`,
			store:     func(s keystore.Store) { _ = s.Set(ctx, "quay.io", auth.Credential{Username: "u", Secret: "p"}) },
			want: []string{
				"FAIL helper", "FAIL helpers", "FAIL plaintext", "info docker",
				"FAIL podman podman, skopeo and buildah do not ask regkey for quay.io",
			},
		},
		{
			name:   "malformed config",
			docker: `{"auths":`,
			want:   []string{"FAIL files"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store := keystore.NewMemory()
			if tc.store != nil {
				tc.store(store)
			}
			deps, home := testDeps(t, store, &fakeProvider{name: "fake"}, tc.installed...)
			if tc.docker != "" {
				cmdtest.WriteFile(t, deps.Paths.DockerConfig, tc.docker)
			}
			if tc.podman != "" {
				cmdtest.WriteFile(t, filepath.Join(home, ".config", "containers", "auth.json"), tc.podman)
			}
			var out bytes.Buffer
			opts := &DoctorOptions{IO: cmdutil.IOStreams{Out: &out, ErrOut: &bytes.Buffer{}}, Deps: deps, JSON: true, Offline: true}
			err := doctorRun(ctx, opts)
			if tc.wantOK != (err == nil) {
				t.Errorf("err = %v, want ok=%v\n%s", err, tc.wantOK, out.String())
			}
			var got doctorJSON
			if err := json.Unmarshal(out.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got.OK != tc.wantOK {
				t.Errorf("ok = %v", got.OK)
			}
			var lines []string
			for _, c := range got.Checks {
				lines = append(lines, c.Status+" "+c.Check+" "+c.Message)
				if (c.Status == sevFail || c.Status == sevWarn) && c.Fix == "" {
					t.Errorf("%s %s has no fix", c.Status, c.Check)
				}
			}
			all := strings.Join(lines, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("doctor lacks %q:\n%s", w, all)
				}
			}
		})
	}
}

func TestDoctorClockSkew(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Date", time.Now().Add(-10*time.Minute).UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	store := keystore.NewMemory()
	_ = store.Set(context.Background(), host, auth.Credential{Username: "u", Secret: "p"})
	deps, _ := testDeps(t, store, &fakeProvider{name: "fake"})
	var out bytes.Buffer
	opts := &DoctorOptions{IO: cmdutil.IOStreams{Out: &out, ErrOut: &bytes.Buffer{}}, Deps: deps, HTTP: srv.Client(), ProviderTimeout: time.Second}
	_ = doctorRun(context.Background(), opts)
	if !strings.Contains(out.String(), host+": this machine's clock is 10m0s off") {
		t.Errorf("no clock skew reported:\n%s", out.String())
	}
}

// countingProvider records how often it is asked for a token.
type countingProvider struct {
	fakeProvider
	calls atomic.Int32
}

func (p *countingProvider) Get(ctx context.Context, k auth.Key) (providers.Token, error) {
	p.calls.Add(1)
	return p.fakeProvider.Get(ctx, k)
}

// TestStatusUsesNoNetworkWithoutCheck: without --check status asks no
// registry and no provider (cached tokens are only looked up).
func TestStatusUsesNoNetworkWithoutCheck(t *testing.T) {
	t.Parallel()
	store := keystore.NewMemory()
	_ = store.Set(context.Background(), "127.0.0.1:5000", auth.Credential{Username: "u", Secret: "p"})
	prov := &countingProvider{fakeProvider: fakeProvider{name: "fake"}}
	deps, _ := testDeps(t, store, &prov.fakeProvider)
	deps.Router = func() (*providers.Router, error) {
		return providers.NewRouter(nil,
			[]providers.Detector{{Name: "fake", Matches: func(k auth.Key) bool { return strings.HasSuffix(k.Host, ".fake.example") }}},
			map[string]providers.Constructor{"fake": func(map[string]string) (providers.Provider, error) { return prov, nil }})
	}
	cmdtest.WriteFile(t, deps.Paths.DockerConfig, `{"credHelpers":{"r.fake.example":"regkey"}}`)
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

// TestStatusCheckIsBoundedPerRegistry: registries that never answer are
// reported after CheckTimeout each, checked concurrently.
func TestStatusCheckIsBoundedPerRegistry(t *testing.T) {
	t.Parallel()
	store := keystore.NewMemory()
	for _, h := range []string{"a.example", "b.example", "c.example"} {
		_ = store.Set(context.Background(), h, auth.Credential{Username: "u", Secret: "p"})
	}
	deps, _ := testDeps(t, store, &fakeProvider{name: "fake"})

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
	opts := &StatusOptions{IO: cmdutil.IOStreams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, Deps: deps, Verify: together,
		CheckTimeout: time.Hour, Check: true, JSON: true}
	testenv.Returns(t, "status --check of three registries that answer together", func() error { return statusRun(context.Background(), opts) })

	// Bounded: checks that never answer end at CheckTimeout, which each
	// failure names.
	hang := func(ctx context.Context, _ string, _ auth.Credential, _ regauth.Options) (regauth.Result, error) {
		<-ctx.Done()
		return regauth.Result{}, ctx.Err()
	}
	var out bytes.Buffer
	opts = &StatusOptions{IO: cmdutil.IOStreams{Out: &out, ErrOut: &bytes.Buffer{}}, Deps: deps, Verify: hang,
		CheckTimeout: 300 * time.Millisecond, Check: true, JSON: true}
	err := testenv.Returns(t, "status --check of three registries that never answer", func() error { return statusRun(context.Background(), opts) })
	var partial *cmderr.Partial
	if !errors.As(err, &partial) || len(partial.Failed) != 3 {
		t.Fatalf("err = %v, want three failures", err)
	}
	var got statusJSON
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for _, r := range got.Registries {
		if r.Check == nil || r.Check.OK || !strings.Contains(r.Check.Message, "no answer within 300ms") {
			t.Errorf("%s: check %+v", r.Registry, r.Check)
		}
	}
}

// TestStatusCheckCannotCheck: when what --check needs cannot be read, the
// check fails (exit 1, or 2 for a REGKEY_KEYSTORE regkey does not know)
// with the cause, instead of warning and passing; plain status still only
// warns.
func TestStatusCheckCannotCheck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, d *inventoryDeps)
		code    int
		want    string
	}{
		{
			name: "unknown keystore",
			prepare: func(_ *testing.T, d *inventoryDeps) {
				d.Keystore = func(context.Context) (keystore.Store, keystore.Info, error) {
					return nil, keystore.Info{}, cmderr.Usagef("REGKEY_KEYSTORE=%q: want auto, os, pass or file", "bogus")
				}
			},
			code: ExitUsage,
			want: `regkey: status --check could not check every registry: REGKEY_KEYSTORE="bogus"`,
		},
		{
			name: "damaged store",
			prepare: func(_ *testing.T, d *inventoryDeps) {
				d.Keystore = func(context.Context) (keystore.Store, keystore.Info, error) {
					return damagedStore{keystore.NewMemory()}, keystore.Info{Backend: "file"}, nil
				}
			},
			code: ExitError,
			want: "regkey: status --check could not check every registry: reading the file store: the store file is damaged\nhint: run `regkey doctor`",
		},
		{
			name: "settings unreadable",
			prepare: func(_ *testing.T, d *inventoryDeps) {
				d.Settings = func() (config.File, error) { return config.File{}, errors.New("parsing settings: yaml: bad") }
			},
			code: ExitError,
			want: "regkey: status --check could not check every registry: parsing settings: yaml: bad",
		},
		{
			name: "docker's config.json malformed",
			prepare: func(t *testing.T, d *inventoryDeps) {
				cmdtest.WriteFile(t, d.Paths.DockerConfig, `{"auths":`)
			},
			code: ExitError,
			want: "regkey: status --check could not check every registry: parsing " + "%DOCKER%",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store := keystore.NewMemory()
			_ = store.Set(context.Background(), "good.example", auth.Credential{Username: "u", Secret: "right"})
			deps, _ := testDeps(t, store, &fakeProvider{name: "fake"})
			tc.prepare(t, &deps)
			verify := func(context.Context, string, auth.Credential, regauth.Options) (regauth.Result, error) {
				return regauth.Result{Method: regauth.MethodBasic}, nil
			}
			for _, check := range []bool{true, false} {
				var stderr bytes.Buffer
				opts := &StatusOptions{IO: cmdutil.IOStreams{Out: &bytes.Buffer{}, ErrOut: &stderr}, Deps: deps, Check: check, Verify: verify, CheckTimeout: time.Second}
				code := exitCode(statusRun(context.Background(), opts), &stderr)
				want := strings.ReplaceAll(tc.want, "%DOCKER%", deps.Paths.DockerConfig)
				switch {
				case check && (code != tc.code || !strings.Contains(stderr.String(), want)):
					t.Errorf("status --check: exit %d, want %d; stderr:\n%s\nwant %q", code, tc.code, stderr.String(), want)
				case !check && (code != ExitOK || !strings.Contains(stderr.String(), "WARNING: ")):
					t.Errorf("status: exit %d, want 0 and a warning; stderr:\n%s", code, stderr.String())
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
