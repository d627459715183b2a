// Package inventorytest builds inventory.Deps over a private home for the
// tests of status, doctor and the commands over them, with a fake
// provider. Only tests import it.
package inventorytest

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/inventory"
	"github.com/regkey/regkey/keystore"
	"github.com/regkey/regkey/providers"
	"github.com/regkey/regkey/providers/tokencache"
)

// Provider serves every host with a fixed answer.
type Provider struct {
	// ID is the provider's name.
	ID string
	// Token and Err are what Get returns.
	Token providers.Token
	Err   error
}

// Name returns p.ID.
func (p *Provider) Name() string { return p.ID }

// CacheKey caches one token per host.
func (p *Provider) CacheKey(k auth.Key) string { return p.ID + "|" + k.Host }

// Get returns p.Token and p.Err.
func (p *Provider) Get(context.Context, auth.Key) (providers.Token, error) { return p.Token, p.Err }

// Now is the clock of the Deps returned by Deps.
var Now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// Router returns a router sending every host under .fake.example to prov.
func Router(prov providers.Provider) func() (*providers.Router, error) {
	return func() (*providers.Router, error) {
		return providers.NewRouter(nil,
			[]providers.Detector{{Name: prov.Name(), Matches: func(k auth.Key) bool { return strings.HasSuffix(k.Host, ".fake.example") }}},
			map[string]providers.Constructor{prov.Name(): func(map[string]string) (providers.Provider, error) { return prov, nil }})
	}
}

// Deps returns an inventory over a private home (returned too) with store
// as the keystore (backend "memory"), empty settings, Router(prov), a token
// cache in the home, the programs named installed (and no other) on PATH,
// and Now as the clock.
func Deps(t testing.TB, store keystore.Store, prov providers.Provider, installed ...string) (inventory.Deps, string) {
	t.Helper()
	home := t.TempDir()
	env := config.Env{"HOME": home, "XDG_RUNTIME_DIR": filepath.Join(home, "run"), "PATH": "/nonexistent"}
	now := func() time.Time { return Now }
	d := inventory.Deps{
		Env: env, Paths: config.PathsFor(env), GOOS: "linux", UID: 1000,
		Keystore: func(context.Context) (keystore.Store, keystore.Info, error) {
			return store, keystore.Info{Backend: "memory"}, nil
		},
		Settings: func() (config.File, error) { return config.File{}, nil },
		Router:   Router(prov),
		Cache:    &tokencache.Cache{Dir: filepath.Join(home, "cache"), Now: now},
		LookPath: func(name string) (string, error) {
			if slices.Contains(installed, name) {
				return "/usr/bin/" + name, nil
			}
			return "", fs.ErrNotExist
		},
		Now: now,
	}
	return d, home
}

// WriteFile writes content to path (mode 0600), making its directories:
// the docker, podman and regkey files an inventory reads.
func WriteFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Mixed is Deps over one registry of each kind `regkey status` tells
// apart: 127.0.0.1:5000 (alice/s3cret) and Docker Hub (an identity token,
// "rt") in the keystore; r.fake.example served by the fake provider, its
// token ("tok") cached for an hour; gcr.io on another helper; plain.example
// in plaintext in docker's config.json; podman wired for 127.0.0.1:5000.
func Mixed(t testing.TB) inventory.Deps {
	t.Helper()
	ctx := context.Background()
	store := keystore.NewMemory()
	_ = store.Set(ctx, "127.0.0.1:5000", auth.Credential{Username: "alice", Secret: "s3cret"})
	_ = store.Set(ctx, "https://index.docker.io/v1/", auth.Credential{Username: auth.TokenUsername, Secret: "rt"})
	prov := &Provider{ID: "fake", Token: providers.Token{Credential: auth.Credential{Username: "AWS", Secret: "tok"}}}
	deps, home := Deps(t, store, prov)
	prov.Token.Expires = deps.Now().Add(time.Hour)
	if _, _, err := deps.Cache.Get(ctx, prov, auth.Key{Host: "r.fake.example"}); err != nil {
		t.Fatal(err)
	}
	WriteFile(t, deps.Paths.DockerConfig, `{"credsStore":"regkey","credHelpers":{"gcr.io":"gcloud","r.fake.example":"regkey"},"auths":{"plain.example":{"auth":"dTpw"}}}`)
	WriteFile(t, filepath.Join(home, ".config", "containers", "auth.json"), `{"credHelpers":{"127.0.0.1:5000":"regkey"}}`)
	return deps
}
