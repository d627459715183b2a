package setup

import (
	"os"
	"strings"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
)

// clientSel is which clients setup wires.
type clientSel struct{ docker, podman bool }

// selectClients applies --docker/--podman, else detects what is installed
// or configured.
func selectClients(opts *Options) clientSel {
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

func anyInstalled(opts *Options, names []string) bool {
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

// RuleHosts returns the hosts rules name exactly, for Options.RuleHosts:
// a glob names no host setup could wire, nor does a rule for a repository
// path.
func RuleHosts(rules []config.Rule) []string {
	var out []string
	for _, r := range rules {
		if strings.Contains(r.Match, "*") {
			continue
		}
		if k, err := auth.ParseKey(r.Match); err == nil && k.Path == "" && !k.Opaque {
			out = append(out, k.Host)
		}
	}
	return out
}
