package doctor

import (
	"context"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/inventory"
	"github.com/regkey/regkey/internal/inventory/inventorytest"
	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/keystore"
	"github.com/regkey/regkey/providers"
)

// unreadableStore lists its entries (from an index, as the OS keyring and
// pass backends do) but cannot read one: a locked keyring, a missing gpg
// key. With hang, Get blocks until its context ends.
type unreadableStore struct {
	keystore.Store
	hang bool
}

func (s unreadableStore) Get(ctx context.Context, _ string) (auth.Credential, error) {
	if s.hang {
		<-ctx.Done()
		return auth.Credential{}, ctx.Err()
	}
	return auth.Credential{}, fmt.Errorf("the Secret Service keyring is locked and could not be unlocked: %w", auth.ErrUnavailable)
}

// TestDoctorFindsBrokenSetups: each broken piece the issue lists is found,
// fails doctor (exit 1, "ok": false) and comes with a fix.
func TestDoctorFindsBrokenSetups(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	stored := func() keystore.Store {
		m := keystore.NewMemory()
		_ = m.Set(ctx, "127.0.0.1:5000", auth.Credential{Username: "u", Secret: "p"})
		return m
	}
	wired := `{"credsStore":"regkey","credHelpers":{"127.0.0.1:5000":"regkey","r.fake.example":"regkey"}}`
	closed := testenv.ClosedPort(t)
	for _, tc := range []struct {
		name    string
		store   keystore.Store
		prov    *inventorytest.Provider
		prepare func(t *testing.T, d *inventory.Deps, home string)
		offline bool
		timeout time.Duration
		http    *http.Client
		want    string   // "STATUS check message" prefix that must appear
		wantFix string   // a fix that must be given
		not     []string // lines or fixes that must not appear
	}{
		{
			name:  "keyring locked",
			store: unreadableStore{Store: stored()},
			want:  "FAIL keystore the memory keystore lists 1 credential but cannot read them: the Secret Service keyring is locked",
		},
		{
			name:    "keyring hangs",
			store:   unreadableStore{Store: stored(), hang: true},
			timeout: 200 * time.Millisecond,
			want:    "FAIL keystore the memory keystore lists 1 credential but cannot read them: no answer within",
		},
		{
			name: "keyring unreachable",
			prepare: func(_ *testing.T, d *inventory.Deps, _ string) {
				d.Keystore = func(context.Context) (keystore.Store, keystore.Info, error) {
					return nil, keystore.Info{}, fmt.Errorf("opening the OS keyring: no D-Bus session bus: %w", auth.ErrUnavailable)
				}
			},
			want: "FAIL keystore the keystore cannot be used: opening the OS keyring: no D-Bus session bus",
		},
		{
			name: "credsStore names a missing helper",
			prepare: func(t *testing.T, d *inventory.Deps, _ string) {
				inventorytest.WriteFile(t, d.Paths.DockerConfig, `{"credsStore":"desktop"}`)
			},
			want: "FAIL helpers " + "%DOCKER%: credsStore (docker then fails every login) names docker-credential-desktop, which is not on PATH",
		},
		{
			name: "regkey not on PATH",
			prepare: func(_ *testing.T, d *inventory.Deps, _ string) {
				d.LookPath = func(name string) (string, error) {
					if name == config.HelperPrefix+config.HelperName {
						return "", fmt.Errorf("%s: not found on PATH", name)
					}
					return "/usr/bin/" + name, nil
				}
			},
			want: "FAIL helper docker-credential-regkey is not on PATH",
		},
		{
			name: "wiring names regkey, which PATH does not find",
			prepare: func(_ *testing.T, d *inventory.Deps, home string) {
				d.Self = filepath.Join(home, "opt", "regkey")
				d.LookPath = func(name string) (string, error) {
					if name == config.HelperPrefix+config.HelperName {
						return "", fmt.Errorf("%s: not found on PATH", name)
					}
					return "/usr/bin/" + name, nil
				}
			},
			want:    "FAIL helpers %DOCKER%: credsStore (docker then fails every login) names docker-credential-regkey, which is not on PATH",
			wantFix: "`ln -s %HOME%/opt/regkey %HOME%/opt/docker-credential-regkey`, then put %HOME%/opt on PATH",
		},
		{
			name: "docker's config.json malformed",
			prepare: func(t *testing.T, d *inventory.Deps, _ string) {
				inventorytest.WriteFile(t, d.Paths.DockerConfig, `{"credsStore": "regkey",`)
			},
			want:    "FAIL docker docker does not ask regkey for anything: it cannot parse %DOCKER% either",
			wantFix: "fix the file by hand",
			// One verdict: neither "asks regkey" nor a bare "run regkey
			// setup", which refuses the file.
			not: []string{"docker asks regkey", "fix: run `regkey setup`", "ok plaintext"},
		},
		{
			name: "keystore file not readable",
			prepare: func(t *testing.T, d *inventory.Deps, home string) {
				path := filepath.Join(home, "data", "regkey", "credentials.enc")
				inventorytest.WriteFile(t, path, "x")
				d.Keystore = func(context.Context) (keystore.Store, keystore.Info, error) {
					return nil, keystore.Info{}, fmt.Errorf("listing the file keystore: %w", &fs.PathError{Op: "open", Path: path, Err: fs.ErrPermission})
				}
			},
			want:    "FAIL keystore the keystore cannot be used: listing the file keystore: open %HOME%/data/regkey/credentials.enc: permission denied",
			wantFix: "%HOME%/data/regkey/credentials.enc is owned by ",
			not:     []string{"unlock the keyring", "ok docker", "ok podman"},
		},
		{
			name: "registry unreachable for the clock check",
			http: loopbackOnly(),
			prepare: func(_ *testing.T, d *inventory.Deps, _ string) {
				d.Keystore = func(context.Context) (keystore.Store, keystore.Info, error) {
					m := keystore.NewMemory()
					_ = m.Set(context.Background(), closed, auth.Credential{Username: "u", Secret: "p"})
					return m, keystore.Info{Backend: "memory"}, nil
				}
			},
			want:    "warn clock " + "%CLOSED%: clock not compared: ",
			wantFix: "check that the registry is up and reachable",
		},
		{
			name: "plaintext left in docker's legacy file",
			prepare: func(t *testing.T, _ *inventory.Deps, home string) {
				inventorytest.WriteFile(t, filepath.Join(home, ".dockercfg"), `{"quay.io":{"auth":"dTpw","email":"e"}}`)
			},
			want: "FAIL plaintext %HOME%/.dockercfg (docker's legacy file, still read by podman, skopeo and buildah) holds plaintext secrets for \"quay.io\"",
		},
		{
			name: "podman not wired",
			prepare: func(t *testing.T, d *inventory.Deps, home string) {
				inventorytest.WriteFile(t, d.Paths.DockerConfig, `{"credsStore":"regkey"}`)
				inventorytest.WriteFile(t, filepath.Join(home, ".config", "containers", "auth.json"), `{}`)
			},
			want: "FAIL podman podman, skopeo and buildah do not ask regkey for 127.0.0.1:5000",
		},
		{
			name: "provider without credentials",
			prov: &inventorytest.Provider{ID: "fake", Err: fmt.Errorf("no AWS profile: %w", providers.ErrNoCredentials)},
			want: "FAIL providers r.fake.example: the fake provider has no credentials: no AWS profile",
		},
		{
			name: "settings file malformed",
			prepare: func(_ *testing.T, d *inventory.Deps, _ string) {
				d.Settings = func() (config.File, error) {
					return config.File{}, fmt.Errorf("parsing settings %s: yaml: line 2: did not find expected key", d.Paths.ConfigFile)
				}
			},
			want: "FAIL files parsing settings %HOME%/.config/regkey/config.yaml: yaml: line 2",
		},
		{
			name: "podman's auth file malformed",
			prepare: func(t *testing.T, _ *inventory.Deps, home string) {
				inventorytest.WriteFile(t, filepath.Join(home, ".config", "containers", "auth.json"), `{"credHelpers":[]}`)
			},
			want: "FAIL files parsing %HOME%/.config/containers/auth.json: line 1, column 16: credHelpers is an array, want an object",
		},
		{
			name:    "token expiring soon",
			offline: true,
			prepare: func(t *testing.T, d *inventory.Deps, _ string) {
				p := &inventorytest.Provider{ID: "fake", Token: providers.Token{
					Credential: auth.Credential{Username: "AWS", Secret: "tok"}, Expires: d.Now().Add(2 * time.Minute)}}
				if _, _, err := d.Cache.Get(context.Background(), p, auth.Key{Host: "r.fake.example"}); err != nil {
					t.Fatal(err)
				}
			},
			want: "warn tokens r.fake.example: the cached fake token expires in 2m0s",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store := tc.store
			if store == nil {
				store = stored()
			}
			prov := tc.prov
			if prov == nil {
				prov = &inventorytest.Provider{ID: "fake", Token: providers.Token{Credential: auth.Credential{Username: "AWS", Secret: "tok"}}}
			}
			deps, home := inventorytest.Deps(t, store, prov, "docker", "podman", config.HelperPrefix+config.HelperName)
			inventorytest.WriteFile(t, deps.Paths.DockerConfig, wired)
			inventorytest.WriteFile(t, filepath.Join(home, ".config", "containers", "auth.json"), `{"credHelpers":{"127.0.0.1:5000":"regkey","r.fake.example":"regkey"}}`)
			if tc.prepare != nil {
				tc.prepare(t, &deps, home)
			}
			ctx := context.Background()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}
			// A hung keystore answers only when ctx ends: doctor returning
			// at all, with "no answer within", proves it is bounded.
			checks := testenv.Returns(t, "doctor", func() []Check {
				return Run(ctx, deps, Options{Offline: tc.offline, ProviderTimeout: time.Second, HTTP: tc.http})
			})
			if OK(checks) {
				t.Errorf("doctor found all well: %+v", checks)
			}
			var lines []string
			for _, c := range checks {
				lines = append(lines, c.Status+" "+c.Check+" "+c.Message)
				if c.Fix != "" {
					lines = append(lines, "fix: "+c.Fix)
				}
				if (c.Status == SevFail || c.Status == SevWarn) && c.Fix == "" {
					t.Errorf("%s %s has no fix", c.Status, c.Check)
				}
			}
			all := strings.Join(lines, "\n")
			subst := strings.NewReplacer("%HOME%", home, "%DOCKER%", deps.Paths.DockerConfig, "%CLOSED%", closed)
			if want := subst.Replace(tc.want); !strings.Contains(all, want) {
				t.Errorf("doctor lacks %q:\n%s", want, all)
			}
			if want := subst.Replace(tc.wantFix); want != "" && !strings.Contains(all, want) {
				t.Errorf("doctor gives no fix with %q:\n%s", want, all)
			}
			for _, not := range tc.not {
				if strings.Contains(all, not) {
					t.Errorf("doctor says %q:\n%s", not, all)
				}
			}
		})
	}
}

// loopbackOnly is an HTTP client that reaches loopback addresses only, so
// that a test never leaves the machine.
func loopbackOnly() *http.Client {
	var d net.Dialer
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
				return nil, fmt.Errorf("dial %s: tests reach loopback addresses only", addr)
			}
			return d.DialContext(ctx, network, addr)
		},
	}}
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
			deps, home := inventorytest.Deps(t, store, &inventorytest.Provider{ID: "fake"}, tc.installed...)
			if tc.docker != "" {
				inventorytest.WriteFile(t, deps.Paths.DockerConfig, tc.docker)
			}
			if tc.podman != "" {
				inventorytest.WriteFile(t, filepath.Join(home, ".config", "containers", "auth.json"), tc.podman)
			}
			checks := Run(ctx, deps, Options{Offline: true})
			if ok := OK(checks); ok != tc.wantOK {
				t.Errorf("ok = %v, want %v: %+v", ok, tc.wantOK, checks)
			}
			var lines []string
			for _, c := range checks {
				lines = append(lines, c.Status+" "+c.Check+" "+c.Message)
				if (c.Status == SevFail || c.Status == SevWarn) && c.Fix == "" {
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
	deps, _ := inventorytest.Deps(t, store, &inventorytest.Provider{ID: "fake"})
	checks := Run(context.Background(), deps, Options{HTTP: srv.Client(), ProviderTimeout: time.Second})
	var msgs []string
	for _, c := range checks {
		msgs = append(msgs, c.Message)
	}
	if all := strings.Join(msgs, "\n"); !strings.Contains(all, host+": this machine's clock is 10m0s off") {
		t.Errorf("no clock skew reported:\n%s", all)
	}
}
