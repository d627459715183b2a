package setup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cmderr"
)

// wantDropIn reports whether setup puts regkey in podman's
// credential-helpers: by default yes, unless this run or an earlier one
// (recorded in the journal) said --no-registries-conf; --registries-conf
// overrides an earlier choice.
func wantDropIn(opts *Options, j *config.Journal) bool {
	switch {
	case opts.RegistriesConf:
		return true
	case opts.NoRegistriesConf:
		return false
	default:
		return j == nil || !j.NoRegistriesConf
	}
}

// planDropIn plans regkey's registries.conf drop-in. When it is wanted it is
// created, or kept in step with the list in effect (which other files may
// have changed since); when it is not, a drop-in setup wrote is removed.
func (p *setupPlan) planDropIn(opts *Options) error {
	rc := config.RegistriesConfFor(opts.Env)
	path := rc.DropIn()
	cur, err := os.ReadFile(path)
	existed := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if !wantDropIn(opts, p.journal) {
		p.notes = append(p.notes, "Without the registries.conf drop-in (--no-registries-conf), podman, skopeo and buildah ask regkey only for "+
			"the registries in credHelpers, those regkey knows now: a registry logged into later (regkey login, docker login) reaches them "+
			"only when `regkey setup` runs again, and `podman login` to a new registry stores its secret in plaintext in auth.json. "+
			"`regkey setup --registries-conf` covers every registry.")
		if existed {
			if p.journal.Find(mustResolve(path)) == nil {
				p.warnf("%s is not one regkey setup wrote (or its record is gone); remove it by hand if podman should not ask regkey", path)
				return nil
			}
			p.edits = append(p.edits, &fileEdit{client: "podman (registries.conf)", path: path, old: cur, existed: true, mode: 0o644,
				result: config.WireResult{Changes: []string{"removed regkey's drop-in (--no-registries-conf)"}}})
		}
		return nil
	}
	helpers, from, err := rc.CredentialHelpers(path)
	if err != nil {
		if !opts.RegistriesConf {
			p.warnf("not writing %s, so podman asks regkey only for the registries in credHelpers: %v", path, cmderr.OneLine(err))
			return nil
		}
		return cmderr.WithHint(err, "fix that registries.conf (podman cannot read it either), then run `regkey setup --registries-conf` again; nothing was changed")
	}
	e := &fileEdit{client: "podman (registries.conf)", path: path, old: cur, existed: existed, mode: 0o644}
	if slices.Contains(helpers, config.HelperName) && !existed {
		p.notes = append(p.notes, fmt.Sprintf("podman's credential-helpers already list regkey (%s)", from))
		return nil
	}
	e.next = config.RenderDropIn(config.WithHelperFirst(config.HelperName, helpers), from)
	if e.changed() {
		e.result.Changes = []string{fmt.Sprintf("credential-helpers = %q", config.WithHelperFirst(config.HelperName, helpers))}
	}
	p.edits = append(p.edits, e)
	return nil
}
