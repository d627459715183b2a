package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"github.com/regkey/regkey/config"
)

// planDropIn plans regkey's registries.conf drop-in: with --registries-conf
// it is created, and once it exists every setup keeps it in step with the
// list in effect (which other files may have changed since).
func (p *setupPlan) planDropIn(opts *SetupOptions) error {
	rc := config.RegistriesConfFor(opts.Env)
	path := rc.DropIn()
	cur, err := os.ReadFile(path)
	existed := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if !opts.RegistriesConf && !existed {
		return nil
	}
	helpers, from, err := rc.CredentialHelpers(path)
	if err != nil {
		if !opts.RegistriesConf {
			p.warnf("not updating %s: %v", path, oneLineErr(err))
			return nil
		}
		return withHint(err, "fix that registries.conf (podman cannot read it either), then run `regkey setup --registries-conf` again; nothing was changed")
	}
	e := &fileEdit{client: "podman (registries.conf)", path: path, old: cur, existed: existed, mode: 0o644}
	if slices.Contains(helpers, HelperName) && !existed {
		p.notes = append(p.notes, fmt.Sprintf("podman's credential-helpers already list regkey (%s)", from))
		return nil
	}
	e.next = config.RenderDropIn(config.WithHelperFirst(HelperName, helpers), from)
	if e.changed() {
		e.result.Changes = []string{fmt.Sprintf("credential-helpers = %q", config.WithHelperFirst(HelperName, helpers))}
	}
	p.edits = append(p.edits, e)
	return nil
}
