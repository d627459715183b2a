package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/keystore"
)

// setupUndo puts back every file setup changed, as recorded in the journal.
func setupUndo(ctx context.Context, opts *SetupOptions) error {
	if !opts.DryRun {
		unlock, err := config.Lock(ctx, lockPath(opts.Paths))
		if err != nil {
			return err
		}
		defer unlock()
	}
	j, err := config.LoadJournal(journalPath(opts.Paths))
	if err != nil {
		return err
	}
	if len(j.Files) == 0 {
		fmt.Fprintln(opts.IO.Out, "regkey setup has changed no file (or it was undone already): nothing to undo.")
		if opts.DryRun {
			return nil
		}
		return j.SetNoRegistriesConf(false) // forget --no-registries-conf too
	}
	// The keystore is opened once, when a backup needs a secret back; an
	// error other than "not found" is kept, so that a locked or unreadable
	// keystore is reported as such, not as a missing login.
	var store keystore.Store
	var storeErr error
	opened := false
	j.Credentials = func(key string) (auth.Credential, bool) {
		if !opened {
			opened = true
			store, _, storeErr = opts.Keystore(ctx)
		}
		if store == nil {
			return auth.Credential{}, false
		}
		c, err := store.Get(ctx, key)
		if err != nil && !errors.Is(err, auth.ErrNotFound) {
			storeErr = err
		}
		return c, err == nil
	}
	res, err := j.Undo(opts.Force, opts.DryRun)
	if err != nil && storeErr != nil {
		err = withHint(fmt.Errorf("the keystore holding the secrets setup moved cannot be read: %w", storeErr),
			"fix the keystore (`regkey doctor` says how), then run `regkey setup --undo` again; the files listed above as restored needed no secret")
	}
	out := opts.IO.Out
	skipped := 0
	for _, r := range res {
		if opts.DryRun && r.Action != config.UndoSkipped {
			cur, next := r.Current, r.Next
			if r.File.MayHoldSecrets() {
				cur, next = redactNil(cur), redactNil(next)
			}
			fmt.Fprint(out, config.UnifiedDiff(r.File.Path, r.File.Path, cur, next))
			continue
		}
		switch r.Action {
		case config.UndoRestored:
			fmt.Fprintf(out, "Restored %s as it was before regkey setup.\n", r.File.Path)
		case config.UndoRemoved:
			fmt.Fprintf(out, "Removed %s (regkey setup had created it).\n", r.File.Path)
		case config.UndoGone:
			fmt.Fprintf(out, "%s is gone already; nothing to restore.\n", r.File.Path)
		case config.UndoSkipped:
			skipped++
			fmt.Fprintf(opts.IO.ErrOut, "Kept %s: %s.\n", r.File.Path, r.Reason)
		}
	}
	if err != nil {
		return err
	}
	if !opts.DryRun && len(j.Files) == 0 {
		if err := j.SetNoRegistriesConf(false); err != nil {
			return err
		}
	}
	if !opts.DryRun {
		fmt.Fprintln(out, "The logins setup moved into the keystore stay there (`regkey list`; `regkey logout HOST` removes one).")
	}
	if skipped > 0 {
		return withHint(fmt.Errorf("%d file(s) changed since regkey setup wrote them and were not restored", skipped),
			"run `regkey setup --undo --force` to restore them anyway (their later changes are lost)")
	}
	return nil
}
