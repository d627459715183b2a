package inventory

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/keystore"
	"github.com/regkey/regkey/providers"
	"github.com/regkey/regkey/providers/tokencache"
)

// Deps are what status and doctor read; the command layer's Factory
// provides them and tests replace them.
type Deps struct {
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

// KeystoreTimeout bounds opening and listing the keystore for status and
// doctor, so that a hung keyring is reported rather than waited for.
const KeystoreTimeout = 10 * time.Second

// Snapshot is what regkey knows about registries, gathered from files and
// the keystore without any network access. Each Err field says why the
// part beside it could not be read.
type Snapshot struct {
	// Cache is the token cache the snapshot looks tokens up in.
	Cache *tokencache.Cache
	// Store is the opened keystore (nil when StoreErr is set on opening).
	Store     keystore.Store
	StoreInfo keystore.Info
	StoreErr  error
	// Stored maps each keystore key to its user name.
	Stored map[string]string

	// Settings is regkey's settings file.
	Settings    config.File
	SettingsErr error
	// Router routes hosts to providers.
	Router    *providers.Router
	RouterErr error

	// Docker is docker's config.json (nil when missing).
	Docker    *config.AuthFile
	DockerErr error
	// Pod says where podman's auth files are.
	Pod config.PodmanAuth
	// PodFiles are podman's auth files in containers/image read order;
	// nil entries are missing or unreadable.
	PodFiles []*config.AuthFile
	PodErrs  []error
	// LegacyPlain are the keys of ~/.dockercfg holding a secret.
	LegacyPlain []string
	LegacyErr   error
	// RC is podman's registries.conf.
	RC config.RegistriesConf
	// Helpers are the registries.conf credential-helpers in effect, and
	// HelpersOf the file that set them.
	Helpers   []string
	HelpersOf string
	RCErr     error
}

// Gather reads the snapshot: the keystore's list (within KeystoreTimeout),
// the settings and router, docker's and podman's files. It uses no network.
func Gather(ctx context.Context, d Deps) *Snapshot {
	inv := &Snapshot{Cache: d.Cache}
	kctx, cancel := context.WithTimeout(ctx, KeystoreTimeout)
	defer cancel()
	inv.Store, inv.StoreInfo, inv.StoreErr = d.Keystore(kctx)
	if inv.StoreErr == nil {
		inv.Stored, inv.StoreErr = inv.Store.List(kctx)
	}
	if d.Settings != nil {
		inv.Settings, inv.SettingsErr = d.Settings()
	}
	if d.Router != nil {
		inv.Router, inv.RouterErr = d.Router()
	}
	inv.Docker, inv.DockerErr = readIfExists(d.Paths.DockerConfig)
	inv.Pod = config.PodmanAuthFor(d.Env, d.GOOS, d.UID)
	for _, p := range inv.Pod.ReadOrder() {
		if p == inv.Pod.LegacyDocker {
			continue // a legacy format regkey does not parse
		}
		if p == d.Paths.DockerConfig {
			inv.PodFiles = append(inv.PodFiles, inv.Docker)
			continue
		}
		f, err := readIfExists(p)
		if err != nil {
			inv.PodErrs = append(inv.PodErrs, err)
		}
		inv.PodFiles = append(inv.PodFiles, f)
	}
	inv.LegacyPlain, inv.LegacyErr = config.LegacyPlainKeys(inv.Pod.LegacyDocker)
	inv.RC = config.RegistriesConfFor(d.Env)
	inv.Helpers, inv.HelpersOf, inv.RCErr = inv.RC.CredentialHelpers("")
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

// Files returns every auth file that was read, each once.
func (inv *Snapshot) Files() []*config.AuthFile {
	var out []*config.AuthFile
	seen := map[string]bool{} // by target: a podman file may be docker's
	for _, f := range append([]*config.AuthFile{inv.Docker}, inv.PodFiles...) {
		if f != nil && !seen[f.Target] {
			seen[f.Target] = true
			out = append(out, f)
		}
	}
	return out
}

// HostKeys returns the keystore keys that serve host, sorted.
func (inv *Snapshot) HostKeys(host string) []string {
	var out []string
	for raw := range inv.Stored {
		if k, err := auth.ParseKey(raw); err == nil && !k.Opaque && k.Host == host {
			out = append(out, raw)
		}
	}
	sort.Strings(out)
	return out
}

// Hosts lists every registry host regkey knows of: keystore entries, rules
// naming one host, and hosts named in docker's and podman's files.
func (inv *Snapshot) Hosts() []string {
	set := map[string]bool{}
	for raw := range inv.Stored {
		if k, err := auth.ParseKey(raw); err == nil && !k.Opaque {
			set[k.Host] = true
		}
	}
	for _, r := range inv.Settings.Registries {
		if strings.Contains(r.Match, "*") {
			continue
		}
		if k, err := auth.ParseKey(r.Match); err == nil && !k.Opaque && k.Path == "" {
			set[k.Host] = true
		}
	}
	for _, f := range inv.Files() {
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

// Route returns the route for host, or an error naming it.
func (inv *Snapshot) Route(host string) (providers.Route, error) {
	if inv.Router == nil {
		if inv.RouterErr != nil {
			return providers.Route{}, inv.RouterErr
		}
		return providers.Route{Name: providers.Keystore}, nil
	}
	k, err := auth.ParseKey(host)
	if err != nil {
		return providers.Route{}, err
	}
	r, err := inv.Router.Route(k)
	if err != nil {
		return providers.Route{}, fmt.Errorf("routing %s: %w", host, err)
	}
	return r, nil
}

// DockerRoute says where docker gets host's credential from.
func (inv *Snapshot) DockerRoute(host string) config.ClientRoute {
	return config.DockerRoute(inv.Docker, host)
}

// PodmanRoute says where podman, skopeo and buildah get host's credential
// from (with the default helpers when registries.conf cannot be read).
func (inv *Snapshot) PodmanRoute(host string) config.ClientRoute {
	helpers := inv.Helpers
	if inv.RCErr != nil {
		helpers = config.DefaultCredentialHelpers
	}
	return config.PodmanRoute(helpers, inv.PodFiles, host)
}

// CacheLookup returns the cached token of p for k, without network.
func (inv *Snapshot) CacheLookup(p providers.Provider, k auth.Key) (tokencache.Entry, bool) {
	if inv.Cache == nil || p == nil {
		return tokencache.Entry{}, false
	}
	return inv.Cache.Lookup(p, k)
}

// Problems are what could not be read: the keystore, regkey's settings,
// docker's and podman's files.
func (inv *Snapshot) Problems() []error {
	var out []error
	for _, err := range append([]error{inv.StoreErr, inv.SettingsErr, inv.RouterErr, inv.DockerErr, inv.RCErr, inv.LegacyErr}, inv.PodErrs...) {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}
