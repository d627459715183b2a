// Package inventory finds what regkey knows about registries: the hosts
// named by provider rules, cached tokens and the clients' auth files.
package inventory

import (
	"maps"
	"slices"
	"strings"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/providers"
	"github.com/regkey/regkey/providers/tokencache"
)

// Sources are where Discover looks for registry hosts.
type Sources struct {
	// Rules are the settings file's provider rules.
	Rules []config.Rule
	// Cache is the provider token cache; nil skips it.
	Cache *tokencache.Cache
	// DockerConfig is docker's config.json.
	DockerConfig string
	// PodmanFiles are podman's own auth files, most important first.
	PodmanFiles []string
}

// Where refresh and export found a registry host.
const (
	OriginArgument = "argument"
	OriginRule     = "rule"
	OriginCache    = "token cache"
	OriginDocker   = "docker config"
	OriginPodman   = "podman auth"
)

// Known is a registry host and where regkey learned of it.
type Known struct {
	Host   string
	Origin string
}

// Discover lists the registry hosts regkey knows of, each once, in
// this order: the exact (non-glob) matches of the settings file's provider
// rules, the hosts of cached tokens, the keys of docker's config.json
// (auths and credHelpers), and those of podman's own auth files. Files that
// cannot be read are reported on warn and skipped. Callers route each host
// and keep the ones they need: `refresh` keeps the provider-served ones.
func Discover(src Sources, warn func(string, ...any)) []Known {
	cache := src.Cache
	var out []Known
	seen := map[string]bool{}
	add := func(raw, origin string) {
		k, err := auth.ParseKey(raw)
		if err != nil || k.Opaque || k.Host == "" || seen[k.Host] {
			return
		}
		seen[k.Host] = true
		out = append(out, Known{Host: k.Host, Origin: origin})
	}
	for _, r := range src.Rules {
		if r.Provider != providers.Keystore && !strings.Contains(r.Match, "*") {
			add(r.Match, OriginRule)
		}
	}
	if cache != nil {
		entries, err := cache.Entries()
		if err != nil {
			warn("%v", err)
		}
		for _, e := range entries {
			if e.Host != "" {
				add(e.Host, OriginCache)
			}
		}
	}
	files := []struct{ path, origin string }{{src.DockerConfig, OriginDocker}}
	for _, p := range src.PodmanFiles {
		files = append(files, struct{ path, origin string }{p, OriginPodman})
	}
	for _, file := range files {
		a, err := config.ReadAuthFile(file.path)
		if err != nil {
			warn("%v", err)
			continue
		}
		for _, key := range a.AuthKeys() {
			add(key, file.origin)
		}
		for _, key := range slices.Sorted(maps.Keys(a.CredHelpers())) {
			add(key, file.origin)
		}
	}
	return out
}
