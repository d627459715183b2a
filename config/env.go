// Package config finds and reads regkey's own settings file and knows where
// every file regkey reads or writes lives. Locations follow the XDG base
// directory rules and the conventions of docker and podman; every path is
// derived from an Env value, never from the process environment directly,
// so tests can run in parallel with private directories.
package config

import (
	"os"
	"path/filepath"
	"strings"
)

// Env is a snapshot of environment variables. internal/cli builds it once
// from os.Environ; tests build it from a literal map.
type Env map[string]string

// EnvFromList builds an Env from "KEY=value" pairs as os.Environ returns them.
func EnvFromList(list []string) Env {
	e := make(Env, len(list))
	for _, kv := range list {
		if k, v, ok := strings.Cut(kv, "="); ok {
			e[k] = v
		}
	}
	return e
}

// Get returns the value of key, or "".
func (e Env) Get(key string) string { return e[key] }

// Lookup returns the value of key and whether it is set.
func (e Env) Lookup(key string) (string, bool) { v, ok := e[key]; return v, ok }

// Home is the user's home directory: $HOME, else the OS's idea of it.
func (e Env) Home() string {
	if h := e.Get("HOME"); h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}

func (e Env) xdg(name, fallback string) string {
	if d := e.Get(name); d != "" && filepath.IsAbs(d) {
		return d
	}
	return filepath.Join(e.Home(), fallback)
}

// Paths are the files and directories regkey uses.
type Paths struct {
	// ConfigFile is regkey's settings file ($REGKEY_CONFIG, else
	// $XDG_CONFIG_HOME/regkey/config.yaml).
	ConfigFile string
	// ConfigDir is $XDG_CONFIG_HOME/regkey. The file keystore's key file
	// lives here, apart from the data it protects.
	ConfigDir string
	// DataDir holds the encrypted file store and the keyring index
	// ($XDG_DATA_HOME/regkey, 0700).
	DataDir string
	// CacheDir holds provider tokens ($XDG_CACHE_HOME/regkey, 0700).
	CacheDir string
	// DockerConfig is docker's config.json ($DOCKER_CONFIG/config.json, else
	// ~/.docker/config.json).
	DockerConfig string
}

// PathsFor derives Paths from env.
func PathsFor(e Env) Paths {
	p := Paths{
		ConfigFile: e.Get("REGKEY_CONFIG"),
		ConfigDir:  filepath.Join(e.xdg("XDG_CONFIG_HOME", ".config"), "regkey"),
		DataDir:    filepath.Join(e.xdg("XDG_DATA_HOME", ".local/share"), "regkey"),
		CacheDir:   filepath.Join(e.xdg("XDG_CACHE_HOME", ".cache"), "regkey"),
	}
	if p.ConfigFile == "" {
		p.ConfigFile = filepath.Join(p.ConfigDir, "config.yaml")
	}
	if d := e.Get("DOCKER_CONFIG"); d != "" {
		p.DockerConfig = filepath.Join(d, "config.json")
	} else {
		p.DockerConfig = filepath.Join(e.Home(), ".docker", "config.json")
	}
	return p
}
