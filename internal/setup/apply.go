package setup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cmderr"
)

// printDryRun shows what setup would do: the credentials it would move and
// a unified diff of every file, secrets redacted.
func (p *setupPlan) printDryRun(out io.Writer) error {
	for _, m := range p.migrations {
		verb := "would move"
		if !m.store {
			verb = "would remove (already in the keystore)"
		}
		fmt.Fprintf(out, "%s the login for %s from %s into the %s keystore\n", verb, m.key, m.from, p.info.Backend)
	}
	changed := false
	for _, e := range p.edits {
		if !e.changed() {
			continue
		}
		changed = true
		old, next := e.old, e.next
		if !e.existed {
			old = nil
		}
		if e.file != nil {
			old, next = redactNil(old), redactNil(next)
		}
		fmt.Fprint(out, config.UnifiedDiff(e.path, e.path, old, next))
	}
	p.printKept(out)
	p.printWarnings(out)
	if !changed && len(p.migrations) == 0 {
		fmt.Fprintln(out, "nothing to change")
	}
	return nil
}

func redactNil(b []byte) []byte {
	if b == nil {
		return nil
	}
	return config.RedactSecrets(b)
}

// migrate stores each credential that is not in the keystore yet and reads
// it back; only when every one came back identical may the files lose them.
func (p *setupPlan) migrate(ctx context.Context) error {
	for _, m := range p.migrations {
		if !m.store {
			continue
		}
		if err := p.store.Set(ctx, m.key, m.cred); err != nil {
			return fmt.Errorf("storing the login for %s (from %s) in the %s keystore: %w; no file was changed", m.key, m.from, p.info.Backend, err)
		}
		back, err := p.store.Get(ctx, m.key)
		if err != nil {
			return fmt.Errorf("reading back the login for %s from the %s keystore: %w; no file was changed", m.key, p.info.Backend, err)
		}
		if back != m.cred {
			return fmt.Errorf("the %s keystore returned another credential for %s than was stored; no file was changed", p.info.Backend, m.key)
		}
	}
	return nil
}

// apply writes every changed file through the journal and reports.
func (p *setupPlan) apply(opts *Options) error {
	out := opts.Out
	for _, m := range p.migrations {
		if m.store {
			fmt.Fprintf(out, "Moved the login for %s from %s into the %s keystore.\n", m.key, m.from, p.info.Backend)
		}
	}
	j := p.journal
	moved := map[string]auth.Credential{}
	for _, m := range p.migrations {
		moved[m.key] = m.cred
	}
	j.Credentials = func(key string) (auth.Credential, bool) { c, ok := moved[key]; return c, ok }
	var errs []error
	changed := 0
	for _, e := range p.edits {
		if !e.changed() {
			continue
		}
		kind := config.KindAuthFile
		if e.file == nil {
			kind = config.KindRegistriesConf
		}
		if e.next == nil {
			// Only regkey's drop-in is ever removed: put it back as it was
			// before setup wrote it.
			if _, err := j.Revert(e.path); err != nil {
				errs = append(errs, err)
				continue
			}
			changed++
			fmt.Fprintf(out, "%s: %s\n", e.client, e.path)
			for _, c := range e.result.Changes {
				fmt.Fprintf(out, "  %s\n", c)
			}
			continue
		}
		if err := j.Write(e.path, kind, e.old, e.existed, e.mode, e.next); err != nil {
			if errors.Is(err, config.ErrFileChanged) {
				err = cmderr.WithHint(err, "docker or podman wrote the file meanwhile; run `regkey setup` again")
			}
			errs = append(errs, err)
			continue
		}
		changed++
		created := ""
		if !e.existed {
			created = " (created)"
		}
		fmt.Fprintf(out, "%s: %s%s\n", e.client, e.path, created)
		for _, c := range e.result.Changes {
			fmt.Fprintf(out, "  %s\n", c)
		}
		if je := j.Find(mustResolve(e.path)); je != nil && je.Backup != "" {
			fmt.Fprintf(out, "  backup of the original: %s\n", je.Backup)
			p.warnPlainBackup(je.Backup)
		}
	}
	if opts.RegistriesConf || opts.NoRegistriesConf {
		if err := j.SetNoRegistriesConf(opts.NoRegistriesConf); err != nil {
			errs = append(errs, err)
		}
	}
	p.printKept(out)
	p.printWarnings(opts.ErrOut)
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if changed == 0 {
		for _, e := range p.edits {
			fmt.Fprintf(out, "%s: %s: already wired, nothing to change\n", e.client, e.path)
		}
		return nil
	}
	fmt.Fprintln(out, "Undo with `regkey setup --undo`.")
	return nil
}

// warnPlainBackup warns when a backup keeps plaintext secrets: those that
// were not moved, or that undo could not put back byte for byte from the
// keystore.
func (p *setupPlan) warnPlainBackup(backup string) {
	b, err := os.ReadFile(backup)
	if err != nil {
		return
	}
	if keys := config.PlaintextInBackup(b); len(keys) > 0 {
		p.warnf("%s keeps the plaintext secrets of %s (undo needs them to restore the file exactly); delete it once you no longer need `regkey setup --undo`", backup, cmderr.QuoteAll(keys))
	}
}

func mustResolve(path string) string {
	t, err := config.ResolveSymlinks(path)
	if err != nil {
		return path
	}
	return t
}

func (p *setupPlan) printKept(out io.Writer) {
	for _, e := range p.edits {
		for _, k := range e.result.Kept {
			if k.Key == "credsStore" {
				fmt.Fprintf(out, "Kept credsStore %q in %s: docker keeps using docker-credential-%s (`regkey setup --take-over` makes regkey docker's store).\n", k.Helper, e.path, k.Helper)
				continue
			}
			fmt.Fprintf(out, "Kept credHelpers[%q] = %q in %s (`regkey setup --take-over` replaces it).\n", k.Key, k.Helper, e.path)
		}
		for _, k := range e.result.TookOver {
			fmt.Fprintf(out, "Took over %s from docker-credential-%s in %s.\n", keptName(k), k.Helper, e.path)
		}
	}
	for _, n := range p.notes {
		fmt.Fprintln(out, n)
	}
}

func keptName(k config.Kept) string {
	if k.Key == "credsStore" {
		return "credsStore"
	}
	return fmt.Sprintf("credHelpers[%q]", k.Key)
}

func (p *setupPlan) printWarnings(out io.Writer) {
	for _, w := range p.warnings {
		fmt.Fprintf(out, "WARNING: %s\n", w)
	}
}
