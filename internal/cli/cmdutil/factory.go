// Package cmdutil is what every regkey command shares: the Factory that
// builds the stores a command uses, the standard streams, and argument
// checks. Only the command layer (internal/cli and its subpackages)
// imports it.
package cmdutil

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/inventory"
	"github.com/regkey/regkey/internal/resolve"
	"github.com/regkey/regkey/keystore"
	"github.com/regkey/regkey/providers"
	"github.com/regkey/regkey/providers/builtin"
	"github.com/regkey/regkey/providers/tokencache"
)

// Factory carries what commands need, built lazily so that a command pays
// only for what it uses: the protocol's `get` for a keystore host never
// loads provider SDKs, and `version` opens nothing.
type Factory struct {
	IO    IOStreams
	Env   config.Env
	Paths config.Paths
	// Now is the clock; tests replace it.
	Now func() time.Time

	settingsOnce sync.Once
	settings     config.File
	settingsErr  error

	storeOnce sync.Once
	store     keystore.Store
	storeInfo keystore.Info
	storeErr  error

	routerOnce sync.Once
	router     *providers.Router
	routerErr  error
}

// NewFactory returns a Factory for the given streams and environment.
func NewFactory(ios IOStreams, env config.Env) *Factory {
	return &Factory{IO: ios, Env: env, Paths: config.PathsFor(env), Now: time.Now}
}

// Settings returns regkey's settings file, read once.
func (f *Factory) Settings() (config.File, error) {
	f.settingsOnce.Do(func() {
		f.settings, f.settingsErr = config.Load(f.Paths.ConfigFile)
	})
	return f.settings, f.settingsErr
}

// KeystoreBackend is the configured backend name: REGKEY_KEYSTORE, else the
// settings file's keystore key, else "auto".
func (f *Factory) KeystoreBackend() (string, error) {
	if b := f.Env.Get("REGKEY_KEYSTORE"); b != "" {
		switch b {
		case "auto", "os", "pass", "file":
			return b, nil
		}
		return "", cmderr.Usagef("REGKEY_KEYSTORE=%q: want auto, os, pass or file", b)
	}
	s, err := f.Settings()
	if err != nil {
		return "", err
	}
	if s.Keystore == "" {
		return "auto", nil
	}
	return s.Keystore, nil
}

// Keystore opens the static keystore once.
func (f *Factory) Keystore(ctx context.Context) (keystore.Store, keystore.Info, error) {
	f.storeOnce.Do(func() {
		backend, err := f.KeystoreBackend()
		if err != nil {
			f.storeErr = err
			return
		}
		// keystore.Open's errors already name the backend ("opening the
		// file keystore: ...", "opening the OS keyring: ..."); wrapping them
		// again would say it twice.
		f.store, f.storeInfo, f.storeErr = keystore.Open(ctx, keystore.Options{
			Backend:   backend,
			DataDir:   f.Paths.DataDir,
			ConfigDir: f.Paths.ConfigDir,
			Env:       f.Env,
		})
	})
	return f.store, f.storeInfo, f.storeErr
}

// Router returns the provider router, built once: the settings file's rules,
// then built-in detection. Building it constructs no provider and loads no
// SDK configuration. The error is an unreadable settings file or a malformed
// rule.
func (f *Factory) Router() (*providers.Router, error) {
	f.routerOnce.Do(func() {
		s, err := f.Settings()
		if err != nil {
			f.routerErr = err
			return
		}
		f.router, f.routerErr = builtin.NewRouter(f.Env, s.Registries)
	})
	return f.router, f.routerErr
}

// TokenCache returns the provider token cache ($XDG_CACHE_HOME/regkey;
// REGKEY_NO_CACHE=1 disables it), with its warnings going to warn (nil
// discards them).
func (f *Factory) TokenCache(warn io.Writer) *tokencache.Cache {
	return &tokencache.Cache{
		Dir:      f.Paths.CacheDir,
		Now:      f.Now,
		Disabled: f.Env.Get("REGKEY_NO_CACHE") == "1",
		Warn:     warn,
	}
}

// ProviderParts returns the router (built-in detection and the settings
// file's rules) and the token cache, as protocol mode builds them. The
// error is an unreadable settings file or a malformed rule.
func (f *Factory) ProviderParts() (*providers.Router, *tokencache.Cache, error) {
	router, err := f.Router()
	if err != nil {
		return nil, nil, err
	}
	return router, f.TokenCache(f.IO.ErrOut), nil
}

// DiscoverHosts lists the registry hosts regkey knows of (see
// inventory.Discover) from f's settings, docker's config.json, podman's
// auth files and cache (nil: not the cache). An unreadable settings file
// contributes no rules; unreadable files are reported on warn.
func (f *Factory) DiscoverHosts(cache *tokencache.Cache, warn func(string, ...any)) []inventory.Known {
	src := inventory.Sources{
		Cache:        cache,
		DockerConfig: f.Paths.DockerConfig,
		PodmanFiles:  config.PodmanAuthFor(f.Env, runtime.GOOS, os.Getuid()).OwnFiles(),
	}
	if s, err := f.Settings(); err == nil {
		src.Rules = s.Registries
	}
	return inventory.Discover(src, warn)
}

// CredentialLookup returns a new lookup of what `docker-credential-regkey
// get` would answer (see resolve.Lookup) over f's keystore, opened on first
// use, and its providers. When the settings file is unreadable it warns and
// answers from the keystore alone, as protocol mode does.
func (f *Factory) CredentialLookup() *resolve.Lookup {
	router, cache, err := f.ProviderParts()
	if err != nil {
		fmt.Fprintf(f.IO.ErrOut, "regkey: warning: registry providers are off: %v\n", cmderr.OneLine(err))
	}
	return &resolve.Lookup{Store: LazyKeystore(f), Router: router, Cache: cache, Stderr: f.IO.ErrOut}
}
