package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/childenv"
	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/fix"
	"github.com/regkey/regkey/keystore"
	"github.com/regkey/regkey/providers"
	"github.com/regkey/regkey/providers/tokencache"
)

// inventoryDeps are what status and doctor read; the cmdutil.Factory provides them
// and tests replace them.
type inventoryDeps struct {
	Env   config.Env
	Paths config.Paths
	GOOS  string
	UID   int
	// Keystore opens the static keystore.
	Keystore func(context.Context) (keystore.Store, keystore.Info, error)
	// Settings reads regkey's settings file.
	Settings func() (config.File, error)
	// Router returns the provider router for the settings.
	Router func() (*providers.Router, error)
	// Cache is the token cache (read with Lookup: no network).
	Cache *tokencache.Cache
	// LookPath finds a program on the user's PATH.
	LookPath func(string) (string, error)
	// Now is the clock.
	Now func() time.Time
	// Self is the running regkey binary, for fixes that link it ("" when
	// unknown).
	Self string
}

func depsFromFactory(f *cmdutil.Factory) inventoryDeps {
	return inventoryDeps{
		Env: f.Env, Paths: f.Paths, GOOS: runtime.GOOS, UID: os.Getuid(),
		Keystore: f.Keystore, Settings: f.Settings, Router: f.Router,
		Cache:    f.TokenCache(nil),
		LookPath: func(n string) (string, error) { return childenv.LookPath(f.Env, n) },
		Now:      f.Now,
		Self:     fix.SelfPath(),
	}
}

// keystoreTimeout bounds opening and listing the keystore for status and
// doctor, so that a hung keyring is reported rather than waited for.
const keystoreTimeout = 10 * time.Second

// snapshot is what regkey knows about registries, gathered from files and
// the keystore without any network access.
type snapshot struct {
	cache     *tokencache.Cache
	store     keystore.Store
	storeInfo keystore.Info
	storeErr  error
	stored    map[string]string // keystore key -> username

	settings    config.File
	settingsErr error
	router      *providers.Router
	routerErr   error

	docker    *config.AuthFile
	dockerErr error
	pod       config.PodmanAuth
	podFiles  []*config.AuthFile // containers/image read order; nil when missing or unreadable
	podErrs   []error
	// legacyPlain are the keys of ~/.dockercfg holding a secret.
	legacyPlain []string
	legacyErr   error
	rc          config.RegistriesConf
	helpers     []string // registries.conf credential-helpers in effect
	helpersOf   string   // the file that set them
	rcErr       error
}

func gatherInventory(ctx context.Context, d inventoryDeps) *snapshot {
	inv := &snapshot{cache: d.Cache}
	kctx, cancel := context.WithTimeout(ctx, keystoreTimeout)
	defer cancel()
	inv.store, inv.storeInfo, inv.storeErr = d.Keystore(kctx)
	if inv.storeErr == nil {
		inv.stored, inv.storeErr = inv.store.List(kctx)
	}
	if d.Settings != nil {
		inv.settings, inv.settingsErr = d.Settings()
	}
	if d.Router != nil {
		inv.router, inv.routerErr = d.Router()
	}
	inv.docker, inv.dockerErr = readIfExists(d.Paths.DockerConfig)
	inv.pod = config.PodmanAuthFor(d.Env, d.GOOS, d.UID)
	for _, p := range inv.pod.ReadOrder() {
		if p == inv.pod.LegacyDocker {
			continue // a legacy format regkey does not parse
		}
		if p == d.Paths.DockerConfig {
			inv.podFiles = append(inv.podFiles, inv.docker)
			continue
		}
		f, err := readIfExists(p)
		if err != nil {
			inv.podErrs = append(inv.podErrs, err)
		}
		inv.podFiles = append(inv.podFiles, f)
	}
	inv.legacyPlain, inv.legacyErr = config.LegacyPlainKeys(inv.pod.LegacyDocker)
	inv.rc = config.RegistriesConfFor(d.Env)
	inv.helpers, inv.helpersOf, inv.rcErr = inv.rc.CredentialHelpers("")
	return inv
}

// readIfExists reads an auth file; a missing file is (nil, nil).
func readIfExists(path string) (*config.AuthFile, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	f, err := config.ReadAuthFile(path)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// files returns every auth file that was read, each once.
func (inv *snapshot) files() []*config.AuthFile {
	var out []*config.AuthFile
	seen := map[string]bool{} // by target: a podman file may be docker's
	for _, f := range append([]*config.AuthFile{inv.docker}, inv.podFiles...) {
		if f != nil && !seen[f.Target] {
			seen[f.Target] = true
			out = append(out, f)
		}
	}
	return out
}

// hostKeys returns the keystore keys that serve host, sorted.
func (inv *snapshot) hostKeys(host string) []string {
	var out []string
	for raw := range inv.stored {
		if k, err := auth.ParseKey(raw); err == nil && !k.Opaque && k.Host == host {
			out = append(out, raw)
		}
	}
	sort.Strings(out)
	return out
}

// hosts lists every registry host regkey knows of: keystore entries, rules
// naming one host, and hosts named in docker's and podman's files.
func (inv *snapshot) hosts() []string {
	set := map[string]bool{}
	for raw := range inv.stored {
		if k, err := auth.ParseKey(raw); err == nil && !k.Opaque {
			set[k.Host] = true
		}
	}
	for _, r := range inv.settings.Registries {
		if strings.Contains(r.Match, "*") {
			continue
		}
		if k, err := auth.ParseKey(r.Match); err == nil && !k.Opaque && k.Path == "" {
			set[k.Host] = true
		}
	}
	for _, f := range inv.files() {
		for _, h := range f.Hosts() {
			set[h] = true
		}
	}
	out := make([]string, 0, len(set))
	for h := range set {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

// route returns the route for host, or an error naming it.
func (inv *snapshot) route(host string) (providers.Route, error) {
	if inv.router == nil {
		if inv.routerErr != nil {
			return providers.Route{}, inv.routerErr
		}
		return providers.Route{Name: providers.Keystore}, nil
	}
	k, err := auth.ParseKey(host)
	if err != nil {
		return providers.Route{}, err
	}
	r, err := inv.router.Route(k)
	if err != nil {
		return providers.Route{}, fmt.Errorf("routing %s: %w", host, err)
	}
	return r, nil
}

func (inv *snapshot) dockerRoute(host string) config.ClientRoute {
	return config.DockerRoute(inv.docker, host)
}

func (inv *snapshot) podmanRoute(host string) config.ClientRoute {
	helpers := inv.helpers
	if inv.rcErr != nil {
		helpers = config.DefaultCredentialHelpers
	}
	return config.PodmanRoute(helpers, inv.podFiles, host)
}

// cacheLookup returns the cached token of p for k, without network.
func (inv *snapshot) cacheLookup(p providers.Provider, k auth.Key) (tokencache.Entry, bool) {
	if inv.cache == nil || p == nil {
		return tokencache.Entry{}, false
	}
	return inv.cache.Lookup(p, k)
}
