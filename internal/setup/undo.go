package setup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/keystore"
)

// Undo takes regkey out of every file setup changed, as recorded in the
// journal: see `regkey setup --help`.
func Undo(ctx context.Context, opts *Options) error {
	j, unlock, err := openJournal(ctx, opts)
	if err != nil {
		return err
	}
	defer unlock()
	if len(j.Files) == 0 {
		fmt.Fprintln(opts.Out, "regkey setup has changed no file (or it was undone already): nothing to undo.")
		if opts.DryRun {
			return nil
		}
		return j.SetNoRegistriesConf(false) // forget --no-registries-conf too
	}
	ks := &undoKeystore{ctx: ctx, open: opts.Keystore}
	results, planErr := j.PlanUndo(config.UndoOptions{Helper: config.HelperName, Force: opts.Force, Lookup: ks.get})
	if planErr != nil && ks.err != nil {
		planErr = cmderr.WithHint(planErr, "fix the keystore (`regkey doctor` says how), then run `regkey setup --undo` again; the other files are undone")
	}
	st := strandedLogins(ks, results)
	var restored []restoredLogin
	if opts.RestoreLogins && len(st.logins) > 0 {
		var err error
		if restored, err = restoreLogins(opts, ks, results, st); err != nil {
			return err
		}
		st = strandedLogins(ks, results)
	}

	out := opts.Out
	if opts.DryRun {
		printUndoDryRun(out, results)
		for _, r := range restored {
			fmt.Fprintf(out, "would write the login for %s (%s) into %s, in plaintext\n", r.key, r.user, r.file)
		}
		printStranded(out, st, true, opts.RestoreLogins)
		return planErr
	}
	applyErr := j.ApplyUndo(results)
	skipped := printUndone(opts.Out, opts.ErrOut, results)
	for _, r := range restored {
		fmt.Fprintf(out, "Wrote the login for %s (%s) into %s, in plaintext.\n", r.key, r.user, r.file)
	}
	if len(restored) > 0 {
		fmt.Fprintf(opts.ErrOut, "WARNING: %d login(s) are now in plaintext in docker's or podman's files (--restore-logins): anything running as you can read them.\n", len(restored))
	}
	printStranded(out, st, false, opts.RestoreLogins)
	if err := errors.Join(planErr, applyErr); err != nil {
		return err
	}
	if skipped > 0 {
		return cmderr.WithHint(fmt.Errorf("%d file(s) were not undone", skipped),
			"see the reasons above; `regkey setup --undo --force` restores a file from its backup as it was before setup (its later changes are lost)")
	}
	fmt.Fprintln(out, "Every login stays in regkey's keystore too (`regkey list`; `regkey logout HOST` removes one).")
	return nil
}

// undoKeystore opens the keystore once, on first use, and remembers an
// error other than "not found", so that a locked or unreadable keystore is
// reported as such, not as a missing login.
type undoKeystore struct {
	ctx    context.Context
	open   func(context.Context) (keystore.Store, keystore.Info, error)
	store  keystore.Store
	opened bool
	err    error
}

func (k *undoKeystore) get(key string) (auth.Credential, error) {
	if err := k.ensure(); err != nil {
		return auth.Credential{}, err
	}
	c, err := k.store.Get(k.ctx, key)
	if err != nil && !errors.Is(err, auth.ErrNotFound) {
		k.err = err
	}
	return c, err
}

func (k *undoKeystore) list() (map[string]string, error) {
	if err := k.ensure(); err != nil {
		return nil, err
	}
	return k.store.List(k.ctx)
}

func (k *undoKeystore) ensure() error {
	if !k.opened {
		k.opened = true
		k.store, _, k.err = k.open(k.ctx)
	}
	if k.store == nil {
		return k.err
	}
	return nil
}

// stranded is what docker and podman no longer see after undo.
type stranded struct {
	logins map[string]string // keystore key -> username: in no file after undo
	err    error             // the keystore could not be listed
	// partial is set when an auth file is not undone: it still routes
	// logins to regkey, so nothing is stranded yet.
	partial bool
}

// strandedLogins lists the keystore's logins that no file will hold in
// plaintext after undo: docker and podman then no longer see them (a login
// counts as kept only under its exact key, as docker's file store looks it
// up).
func strandedLogins(ks *undoKeystore, results []config.UndoResult) stranded {
	var st stranded
	kept := map[string]bool{}
	for _, r := range results {
		if r.Action == config.UndoSkipped && r.File.MayHoldSecrets() {
			st.partial = true
		}
		for _, k := range r.Logins {
			kept[k] = true
		}
	}
	all, err := ks.list()
	if err != nil {
		st.err = err
		return st
	}
	st.logins = map[string]string{}
	for k, user := range all {
		if !kept[k] {
			st.logins[k] = user
		}
	}
	return st
}

// restoredLogin is one login --restore-logins wrote into a file.
type restoredLogin struct{ key, user, file string }

// restoreLogins writes the stranded logins into the file docker (and,
// unless REGISTRY_AUTH_FILE is set, podman) reads: docker's config.json if
// setup wired it, else podman's auth file.
func restoreLogins(opts *Options, ks *undoKeystore, results []config.UndoResult, st stranded) ([]restoredLogin, error) {
	if st.partial || st.err != nil {
		return nil, nil // printStranded says why nothing can be listed
	}
	target := -1
	pod := config.PodmanAuthFor(opts.Env, opts.GOOS, opts.UID)
	for _, want := range []string{opts.Paths.DockerConfig, pod.WireFile()} {
		for i, r := range results {
			if target < 0 && r.File.Path == want && r.Action != config.UndoGone && r.Action != config.UndoSkipped {
				target = i
			}
		}
	}
	if target < 0 {
		return nil, fmt.Errorf("--restore-logins: setup wired neither %s nor %s, or they are gone, so there is no file to write the logins into; nothing was changed", opts.Paths.DockerConfig, pod.WireFile())
	}
	logins := map[string]auth.Credential{}
	for key := range st.logins {
		c, err := ks.get(key)
		if err != nil {
			return nil, fmt.Errorf("--restore-logins: reading the login for %s from the keystore: %w; nothing was changed", key, err)
		}
		logins[key] = c
	}
	r := &results[target]
	written, err := r.AddLogins(logins)
	if err != nil {
		return nil, fmt.Errorf("--restore-logins: %w; nothing was changed", err)
	}
	var out []restoredLogin
	for _, k := range written {
		out = append(out, restoredLogin{key: k, user: st.logins[k], file: r.File.Path})
	}
	return out, nil
}

// printUndoDryRun shows each file's undo as a diff, secrets redacted.
func printUndoDryRun(out io.Writer, results []config.UndoResult) {
	for _, r := range results {
		if r.Action == config.UndoSkipped {
			fmt.Fprintf(out, "would keep %s: %s\n", r.File.Path, r.Reason)
			continue
		}
		cur, next := r.Current, r.Next
		if r.File.MayHoldSecrets() {
			cur, next = redactNil(cur), redactNil(next)
		}
		fmt.Fprint(out, config.UnifiedDiff(r.File.Path, r.File.Path, cur, next))
		printMissing(out, r, true)
	}
}

// printUndone says what undo did with each file; it returns how many were
// left alone.
func printUndone(out, errOut io.Writer, results []config.UndoResult) int {
	skipped := 0
	for _, r := range results {
		switch r.Action {
		case config.UndoRestored:
			fmt.Fprintf(out, "Restored %s as it was before regkey setup.\n", r.File.Path)
		case config.UndoUnwired:
			fmt.Fprintf(out, "Took regkey out of %s, keeping the changes made to it since setup:\n", r.File.Path)
			for _, c := range r.Changes {
				fmt.Fprintf(out, "  %s\n", c)
			}
		case config.UndoRemoved:
			fmt.Fprintf(out, "Removed %s (regkey setup had created it).\n", r.File.Path)
		case config.UndoGone:
			fmt.Fprintf(out, "%s is gone already; nothing to restore.\n", r.File.Path)
		case config.UndoSkipped:
			skipped++
			fmt.Fprintf(errOut, "Kept %s: %s.\n", r.File.Path, r.Reason)
		}
		printMissing(out, r, false)
	}
	return skipped
}

func printMissing(out io.Writer, r config.UndoResult, dry bool) {
	verb := "Did not put"
	if dry {
		verb = "would not put"
	}
	for _, k := range r.Missing {
		fmt.Fprintf(out, "%s back the login for %s in %s: the keystore no longer holds it (logged out since setup).\n", verb, k, r.File.Path)
	}
}

// printStranded names every login docker and podman no longer see after
// undo, and how to get each back.
func printStranded(out io.Writer, st stranded, dry, restoring bool) {
	switch {
	case st.partial:
		return // files still wired: nothing is stranded yet
	case st.err != nil:
		fmt.Fprintf(out, "WARNING: cannot list the keystore (%v): logins made since setup may live only there, where docker and podman no longer look.\n", cmderr.OneLine(st.err))
		return
	case len(st.logins) == 0:
		return
	}
	keys := make([]string, 0, len(st.logins))
	for k := range st.logins {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if dry {
		fmt.Fprintln(out, "After undo, docker and podman would no longer see these logins, which live only in regkey's keystore:")
	} else {
		fmt.Fprintln(out, "docker and podman no longer see these logins, which live only in regkey's keystore:")
	}
	for _, k := range keys {
		fmt.Fprintf(out, "  %s (%s)\n", k, st.logins[k])
	}
	switch {
	case dry && !restoring:
		fmt.Fprintln(out, "`regkey setup --undo --restore-logins` writes them into docker's (or podman's) file, in plaintext; or log in again after undo.")
	case !restoring:
		fmt.Fprintln(out, "To use one without regkey, log in again (`docker login HOST`, `podman login HOST`); `regkey setup` wires regkey again,"+
			" and a later `regkey setup --undo --restore-logins` writes them into docker's file in plaintext.")
	}
}
