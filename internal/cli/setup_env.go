package cli

import (
	"os"
	"strings"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cli/cmdutil"
)

// clientSel is which clients setup wires.
type clientSel struct{ docker, podman bool }

// selectClients applies --docker/--podman, else detects what is installed
// or configured.
func selectClients(opts *SetupOptions) clientSel {
	if opts.Docker || opts.Podman || opts.RegistriesConf {
		return clientSel{docker: opts.Docker, podman: opts.Podman || opts.RegistriesConf}
	}
	var s clientSel
	s.docker = opts.Env.Get("DOCKER_CONFIG") != "" || exists(opts.Paths.DockerConfig) || anyInstalled(opts, config.DockerConfigReaders)
	pod := config.PodmanAuthFor(opts.Env, opts.GOOS, opts.UID)
	s.podman = pod.Explicit != "" || anyInstalled(opts, config.PodmanPrograms)
	for _, f := range pod.OwnFiles() {
		s.podman = s.podman || exists(f)
	}
	return s
}

func anyInstalled(opts *SetupOptions, names []string) bool {
	if opts.LookPath == nil {
		return false
	}
	for _, n := range names {
		if _, err := opts.LookPath(n); err == nil {
			return true
		}
	}
	return false
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// routeFunc returns the provider that serves a key, "" for the keystore.
func routeFunc(f *cmdutil.Factory) func(auth.Key) (string, error) {
	return func(k auth.Key) (string, error) {
		r, err := f.Router()
		if err != nil {
			return "", err
		}
		route, err := r.Route(k)
		if err != nil || route.Static() {
			return "", err
		}
		return route.Name, nil
	}
}

// ruleHostsFunc returns the hosts the settings' rules name exactly (globs
// name no host setup could wire).
func ruleHostsFunc(f *cmdutil.Factory) func() ([]string, error) {
	return func() ([]string, error) {
		s, err := f.Settings()
		if err != nil {
			return nil, err
		}
		var out []string
		for _, r := range s.Registries {
			if strings.Contains(r.Match, "*") {
				continue
			}
			if k, err := auth.ParseKey(r.Match); err == nil && k.Path == "" && !k.Opaque {
				out = append(out, k.Host)
			}
		}
		return out, nil
	}
}
