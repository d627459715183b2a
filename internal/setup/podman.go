package setup

import (
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cmderr"
)

// checkRuntimeFile warns about entries in podman's runtime auth.json, which
// is read before the persistent file regkey wires.
func (p *setupPlan) checkRuntimeFile(f *config.AuthFile, hosts []string) {
	helpers := f.CredHelpers()
	for _, h := range hosts {
		if name, ok := helpers[h]; ok && name != config.HelperName {
			p.warnf("%s: credHelpers[%q] names docker-credential-%s; podman reads this file first, so it wins over regkey", f.Path, h, name)
		}
	}
}

// foreignEntry is a credHelpers entry naming another helper.
type foreignEntry struct{ helper, file string }

// otherHelpersForPodman returns, per credHelpers key, the other helper
// podman would use for it today from a file it reads besides the one regkey
// wires (its runtime auth.json before it, docker's config.json after it).
// An entry regkey added there would override that choice for podman.
func (p *setupPlan) otherHelpersForPodman(opts *Options, pod config.PodmanAuth, docker *config.AuthFile, podFiles []*config.AuthFile) map[string]foreignEntry {
	out := map[string]foreignEntry{}
	files := map[string]*config.AuthFile{}
	for _, f := range podFiles {
		files[f.Path] = f
	}
	if docker != nil {
		files[docker.Path] = docker
	}
	for _, path := range pod.ReadOrder() {
		if path == pod.WireFile() || path == pod.LegacyDocker {
			continue
		}
		f := files[path]
		if f == nil {
			var err error
			if f, err = config.ReadAuthFile(path); err != nil {
				p.warnf("podman also reads %s: %v", path, cmderr.OneLine(err))
				continue
			}
		}
		for k, h := range f.CredHelpers() {
			if _, seen := out[k]; !seen && h != "" && h != config.HelperName {
				out[k] = foreignEntry{helper: h, file: path}
			}
		}
	}
	return out
}
