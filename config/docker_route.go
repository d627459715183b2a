package config

import (
	"sort"

	"github.com/regkey/regkey/auth"
)

// ClientRoute says where a client gets a registry's credential from.
type ClientRoute struct {
	// Helper is the credential helper's suffix ("regkey"), or "".
	Helper string
	// Plaintext is set when the credential is an auths entry with a secret.
	Plaintext bool
	// File is the file that decided, or "".
	File string
}

// Regkey reports whether the client asks regkey.
func (r ClientRoute) Regkey() bool { return r.Helper == "regkey" }

// String describes the route in a few words.
func (r ClientRoute) String() string {
	switch {
	case r.Helper != "":
		return "docker-credential-" + r.Helper
	case r.Plaintext:
		return "plaintext in " + r.File
	default:
		return "none"
	}
}

// DockerRoute is where docker gets the credential for a registry host (as
// auth.ParseKey normalises it) from config.json d: credHelpers under
// docker's key, else credsStore, else a plaintext auths entry.
func DockerRoute(d *AuthFile, host string) ClientRoute {
	if d == nil {
		return ClientRoute{}
	}
	key := host
	if host == auth.HubHost {
		key = auth.HubKey
	}
	if h, ok := d.CredHelpers()[key]; ok && h != "" {
		return ClientRoute{Helper: h, File: d.Path}
	}
	if cs := d.CredsStore(); cs != "" {
		return ClientRoute{Helper: cs, File: d.Path}
	}
	if plainFor(d, host, false) {
		return ClientRoute{Plaintext: true, File: d.Path}
	}
	return ClientRoute{}
}

// plainFor reports whether f holds a plaintext secret serving host.
func plainFor(f *AuthFile, host string, containers bool) bool {
	plain, err := f.PlainAuths()
	if err != nil {
		return false
	}
	for _, p := range plain {
		if !p.Movable() {
			continue
		}
		if containers && ContainersAuthKeyMatches(p.Key, host) {
			return true
		}
		if k, err := auth.ParseKey(p.Key); err == nil && k.Host == host {
			return true
		}
	}
	return false
}

// PodmanRoute is where podman, skopeo and buildah get the credential for a
// registry host from: helpers is registries.conf's credential-helpers list
// and files the auth files in read order (nil for a missing one). A helper
// other than regkey listed in registries.conf may or may not know the host;
// the first one is reported when nothing more definite is found.
func PodmanRoute(helpers []string, files []*AuthFile, host string) ClientRoute {
	var maybe ClientRoute
	for _, h := range helpers {
		if h != AuthFilesHelper {
			if h == "regkey" {
				return ClientRoute{Helper: h}
			}
			if maybe.Helper == "" {
				maybe = ClientRoute{Helper: h}
			}
			continue
		}
		for _, f := range files {
			if f == nil {
				continue
			}
			if h, ok := f.CredHelpers()[host]; ok && h != "" {
				return ClientRoute{Helper: h, File: f.Path}
			}
			if plainFor(f, host, true) {
				return ClientRoute{Plaintext: true, File: f.Path}
			}
		}
	}
	return maybe
}

// Hosts returns the registry hosts an auth file names in auths and
// credHelpers (namespaced and unparseable keys skipped), sorted.
func (a *AuthFile) Hosts() []string {
	set := map[string]bool{}
	keys := a.AuthKeys()
	for k := range a.CredHelpers() {
		keys = append(keys, k)
	}
	for _, raw := range keys {
		if isNamespaced(raw) {
			continue
		}
		if k, err := auth.ParseKey(raw); err == nil && !k.Opaque {
			set[k.Host] = true
		}
	}
	out := make([]string, 0, len(set))
	for h := range set {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}
