package config

import (
	"path/filepath"
	"strconv"
	"strings"
)

// PodmanAuth names the auth files podman, skopeo and buildah
// (containers/image) use, as containers-auth.json(5) and
// containers/common describe them.
type PodmanAuth struct {
	// Explicit is $REGISTRY_AUTH_FILE. When set, podman, skopeo and buildah
	// read and write only that file.
	Explicit string
	// Runtime is the primary file: $XDG_RUNTIME_DIR/containers/auth.json,
	// else /run/containers/UID/auth.json on Linux. It is where `podman
	// login` writes, on a tmpfs that is lost at reboot, and it is read first.
	Runtime string
	// Persistent is ${XDG_CONFIG_HOME:-$HOME/.config}/containers/auth.json,
	// read after Runtime and kept across reboots: regkey wires it.
	Persistent string
	// Docker is docker's config.json, read after both (credHelpers and
	// auths only; credsStore is ignored).
	Docker string
	// LegacyDocker is ~/.dockercfg, read last.
	LegacyDocker string
}

// PodmanAuthFor derives the auth file locations from env for an OS (as
// runtime.GOOS) and a user id.
func PodmanAuthFor(e Env, goos string, uid int) PodmanAuth {
	home := e.Home()
	cfg := e.Get("XDG_CONFIG_HOME")
	if cfg == "" || !filepath.IsAbs(cfg) {
		cfg = filepath.Join(home, ".config")
	}
	p := PodmanAuth{
		Explicit:     e.Get("REGISTRY_AUTH_FILE"),
		Persistent:   filepath.Join(cfg, "containers", "auth.json"),
		Docker:       PathsFor(e).DockerConfig,
		LegacyDocker: filepath.Join(home, ".dockercfg"),
	}
	switch {
	case goos != "linux" && goos != "freebsd":
		p.Runtime = filepath.Join(home, ".config", "containers", "auth.json")
	case e.Get("XDG_RUNTIME_DIR") != "":
		p.Runtime = filepath.Join(e.Get("XDG_RUNTIME_DIR"), "containers", "auth.json")
	default:
		p.Runtime = filepath.Join("/run/containers", strconv.Itoa(uid), "auth.json")
	}
	return p
}

// WireFile is the file regkey writes credHelpers into: the explicit file
// when REGISTRY_AUTH_FILE is set, else the persistent one.
func (p PodmanAuth) WireFile() string {
	if p.Explicit != "" {
		return p.Explicit
	}
	return p.Persistent
}

// ReadOrder lists the files containers/image searches, first match wins.
func (p PodmanAuth) ReadOrder() []string {
	if p.Explicit != "" {
		return []string{p.Explicit}
	}
	out := []string{p.Runtime}
	if p.Persistent != p.Runtime {
		out = append(out, p.Persistent)
	}
	return append(out, p.Docker, p.LegacyDocker)
}

// OwnFiles are the containers auth files proper (not docker's), in read
// order: where `podman login` may have left plaintext secrets.
func (p PodmanAuth) OwnFiles() []string {
	if p.Explicit != "" {
		return []string{p.Explicit}
	}
	if p.Persistent == p.Runtime {
		return []string{p.Runtime}
	}
	return []string{p.Runtime, p.Persistent}
}

// ContainersAuthKeyMatches reports whether an auths key of a containers auth
// file serves the registry host, as containers/image decides: exact keys
// first, then keys normalised by stripping a scheme (and, with a scheme,
// the path) and mapping Docker Hub's spellings to one.
func ContainersAuthKeyMatches(key, host string) bool {
	if key == host {
		return true
	}
	k := key
	if s, ok := strings.CutPrefix(k, "https://"); ok {
		k, _, _ = strings.Cut(s, "/")
	} else if s, ok := strings.CutPrefix(k, "http://"); ok {
		k, _, _ = strings.Cut(s, "/")
	}
	return hubNorm(k) == hubNorm(host)
}

func hubNorm(h string) string {
	switch h {
	case "registry-1.docker.io", "docker.io":
		return "index.docker.io"
	}
	return h
}
