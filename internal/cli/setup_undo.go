package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
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
		return nil
	}
	j.Credentials = func(key string) (auth.Credential, bool) {
		store, _, err := opts.Keystore(ctx)
		if err != nil {
			return auth.Credential{}, false
		}
		c, err := store.Get(ctx, key)
		return c, err == nil
	}
	res, err := j.Undo(opts.Force, opts.DryRun)
	out := opts.IO.Out
	skipped := 0
	for _, r := range res {
		if opts.DryRun && r.Action != config.UndoSkipped {
			cur, next := r.Current, r.Next
			if strings.HasSuffix(r.File.Target, ".json") || strings.HasSuffix(r.File.Target, config.BackupSuffix) {
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
	if !opts.DryRun {
		fmt.Fprintln(out, "The logins setup moved into the keystore stay there (`regkey list`; `regkey logout HOST` removes one).")
	}
	if skipped > 0 {
		return withHint(fmt.Errorf("%d file(s) changed since regkey setup wrote them and were not restored", skipped),
			"run `regkey setup --undo --force` to restore them anyway (their later changes are lost)")
	}
	return nil
}
