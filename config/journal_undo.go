package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/regkey/regkey/auth"
)

// Undo actions.
const (
	UndoRestored = "restored" // the backup's bytes are back
	UndoUnwired  = "unwired"  // changed since setup: what setup added is out, the rest kept
	UndoRemoved  = "removed"  // setup had created the file; it is gone
	UndoSkipped  = "skipped"  // left alone; Reason says why
	UndoGone     = "gone"     // the file is already gone and there is nothing to put back
)

// UndoOptions say how undo treats the files setup changed.
type UndoOptions struct {
	// Helper is the helper setup wired ("regkey"): the credsStore and
	// credHelpers entries naming it are what setup added.
	Helper string
	// Lookup returns the credential the keystore holds under an auths key;
	// an error wrapping auth.ErrNotFound means none (logged out since
	// setup). Any other error leaves the file that needed it alone.
	Lookup func(key string) (auth.Credential, error)
	// Force restores a file changed since setup from its backup as it was
	// before setup, losing the later changes, instead of taking out only
	// what setup added.
	Force bool
}

// UndoResult says what undo does with one file. PlanUndo fills it; the
// caller may add logins (AddLogins) before ApplyUndo carries it out.
type UndoResult struct {
	File   JournalFile
	Action string
	Reason string
	// Current is the file's content before undo (nil if absent) and Next
	// its content after (nil when the file is removed), for a diff.
	Current, Next []byte
	// Changes describe, for a file changed since setup (UndoUnwired), each
	// change undo makes, in a few words.
	Changes []string
	// Logins are the auths keys that hold a secret in Next: the logins
	// docker or podman find in the file after undo.
	Logins []string
	// Missing are logins setup moved out of the file that the keystore no
	// longer holds (logged out since setup): they are not put back.
	Missing []string
	// Dropped are the empty auths placeholders undo removes: docker wrote
	// them for logins that live only in the keystore.
	Dropped []string
}

// PlanUndo works out, newest first, how each file setup changed goes back,
// without changing anything:
//
//   - a file setup last wrote and nobody changed since gets its original
//     bytes back (the secrets that moved into the keystore taken from
//     there), or is removed if setup created it;
//   - an auth file changed since (docker login rewrites config.json) loses
//     exactly what setup added: credsStore and credHelpers entries naming
//     o.Helper (an entry setup replaced gets its old value back), and the
//     empty placeholders of logins that then live only in the keystore;
//     the plaintext logins setup moved out come back from the keystore, and
//     every other change made since stays (see unwire). With o.Force it
//     gets its original bytes back instead;
//   - regkey's registries.conf drop-in is removed (or restored) whatever
//     happened to it.
//
// A file whose undo fails (its backup is unreadable, the keystore cannot be
// read) is left alone, with the reason in the result and the error.
func (j *Journal) PlanUndo(o UndoOptions) ([]UndoResult, error) {
	var out []UndoResult
	var errs []error
	for i := len(j.Files) - 1; i >= 0; i-- {
		r, err := j.planOne(j.Files[i], o)
		if err != nil {
			errs = append(errs, err)
			r.Action, r.Reason, r.Next = UndoSkipped, oneLine(err), nil
		}
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}

// planOne plans the undo of one file.
func (j *Journal) planOne(e JournalFile, o UndoOptions) (UndoResult, error) {
	r := UndoResult{File: e}
	cur, err := os.ReadFile(e.Target)
	present := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return r, fmt.Errorf("reading %s: %w", e.Path, err)
	}
	r.Current = cur
	var lookupErr error
	creds := func(key string) (auth.Credential, bool) {
		if o.Lookup == nil {
			return auth.Credential{}, false
		}
		c, err := o.Lookup(key)
		if err != nil && !errors.Is(err, auth.ErrNotFound) && lookupErr == nil {
			lookupErr = fmt.Errorf("restoring %s: reading the login for %q from the keystore: %w", e.Path, key, err)
		}
		return c, err == nil
	}
	unchanged := present && digest(cur) == e.Written
	switch {
	case !present && e.Existed && exists(e.Backup) && o.Force:
		r.Action = UndoRestored
		r.Next, err = j.original(e, creds)
	case !present:
		// Created by setup and since removed, or removed since setup (podman's
		// runtime file lives on a tmpfs that a reboot empties): nothing to
		// put back; its logins are in the keystore.
		r.Action = UndoGone
	case e.kind() == KindRegistriesConf || unchanged || o.Force:
		if !e.Existed {
			r.Action = UndoRemoved
			break
		}
		r.Action = UndoRestored
		r.Next, err = j.original(e, creds)
		if err != nil && errors.Is(err, errLoginsChanged) && lookupErr == nil && e.kind() != KindRegistriesConf && !o.Force {
			// Logged in again or out since setup, without touching the file:
			// the keystore's logins as they are now go back in.
			err = j.unwireInto(&r, e, cur, o.Helper, creds)
		}
	default:
		err = j.unwireInto(&r, e, cur, o.Helper, creds)
	}
	if lookupErr != nil {
		return r, lookupErr
	}
	if err != nil {
		return r, err
	}
	if e.kind() != KindRegistriesConf {
		r.Logins = PlaintextLogins(r.Next)
	}
	return r, nil
}

// unwireInto plans the undo of an auth file changed since setup: what setup
// added goes, the rest stays. A file setup created that holds nothing else
// afterwards is removed.
func (j *Journal) unwireInto(r *UndoResult, e JournalFile, cur []byte, helper string, creds Credentials) error {
	var backup []byte
	if e.Existed {
		b, err := os.ReadFile(e.Backup)
		if err != nil {
			return fmt.Errorf("reading the backup of %s: %w", e.Path, err)
		}
		backup = b
	}
	next, rep, err := unwire(e.Path, cur, backup, helper, creds)
	if err != nil {
		return fmt.Errorf("%w; fix it, or `regkey setup --undo --force` restores the backup, losing the changes made since setup", err)
	}
	r.Action, r.Next = UndoUnwired, next
	r.Changes, r.Missing, r.Dropped = rep.changes, rep.missing, rep.dropped
	if !e.Existed && emptyAuthDoc(next) {
		r.Action, r.Next = UndoRemoved, nil
	}
	return nil
}

// AddLogins writes each login into the file's Next, in plaintext, under
// its key as given (as docker's file store keeps it), replacing an empty
// placeholder; a key whose entry already holds a secret is left alone. It
// returns the keys written, sorted. A file undo would remove is kept,
// holding them.
func (r *UndoResult) AddLogins(logins map[string]auth.Credential) ([]string, error) {
	base := r.Next
	if base == nil {
		base = []byte("{}\n")
	}
	a, err := ParseAuthFile(r.File.Path, r.File.Target, base, true, r.File.Mode)
	if err != nil {
		return nil, err
	}
	var written []string
	for _, key := range sortedKeys(logins) {
		if holdsSecret(a.view.Auths[key]) {
			continue
		}
		if err := a.SetAuth(key, entryFor(nil, logins[key])); err != nil {
			return written, err
		}
		written = append(written, key)
	}
	if len(written) == 0 {
		return nil, nil
	}
	next, err := a.Bytes()
	if err != nil {
		return nil, err
	}
	r.Next = next
	if r.Action == UndoRemoved {
		r.Action = UndoUnwired
	}
	r.Logins = PlaintextLogins(r.Next)
	return written, nil
}

// ApplyUndo carries out the results of PlanUndo and forgets each file done;
// skipped files stay in the journal. When every file is done the journal
// is removed (and with it the choice of --no-registries-conf).
func (j *Journal) ApplyUndo(results []UndoResult) error {
	var errs []error
	for _, r := range results {
		if r.Action == UndoSkipped {
			continue
		}
		if err := j.undoOne(r.File, r); err != nil {
			errs = append(errs, err)
			continue
		}
		j.drop(r.File.Target)
	}
	if len(j.Files) == 0 {
		j.NoRegistriesConf = false
	}
	if err := j.save(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (j *Journal) undoOne(e JournalFile, r UndoResult) error {
	switch r.Action {
	case UndoRestored, UndoUnwired:
		perm := e.Mode.Perm() // for a file that is not there: as it was
		if r.Action == UndoUnwired {
			perm = 0o600
		}
		if err := WriteFileIfUnchanged(e.Path, r.Current, r.Current != nil, r.Next, perm); err != nil {
			return fmt.Errorf("restoring %s: %w", e.Path, err)
		}
		if r.Action == UndoRestored {
			if err := os.Chmod(e.Target, e.Mode.Perm()); err != nil {
				return fmt.Errorf("restoring the mode of %s: %w", e.Path, err)
			}
		}
	case UndoRemoved:
		if err := os.Remove(e.Target); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing %s: %w", e.Path, err)
		}
	}
	if e.Backup != "" && r.Action != UndoGone {
		if err := os.Remove(e.Backup); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing %s: %w", e.Backup, err)
		}
	}
	if !e.Existed {
		for _, d := range e.CreatedDirs {
			_ = os.Remove(d) // only if empty
		}
	}
	return nil
}

// errLoginsChanged means the keystore no longer holds the logins setup moved
// out of a file as they were: undo then merges instead of restoring bytes.
var errLoginsChanged = errors.New("the logins setup moved changed since")

// original returns the content a file had before setup: its backup, with
// the secrets that moved into the keystore put back.
func (j *Journal) original(e JournalFile, creds Credentials) ([]byte, error) {
	b, err := os.ReadFile(e.Backup)
	if err != nil {
		return nil, fmt.Errorf("reading the backup of %s: %w", e.Path, err)
	}
	if !e.Redacted {
		return b, nil
	}
	out, err := restoreBackup(b, creds)
	if err != nil {
		return nil, fmt.Errorf("restoring %s from %s: %w: %w", e.Path, e.Backup, err, errLoginsChanged)
	}
	if e.Original != "" && digest(out) != e.Original {
		return nil, fmt.Errorf("restoring %s: the keystore's credentials differ from the ones setup moved (logged in again since?): %w", e.Path, errLoginsChanged)
	}
	return out, nil
}

// Revert puts back the one file at path as it was before setup, whatever
// happened to it since, and forgets it: for regkey's own files (the
// registries.conf drop-in), which hold nothing anyone else wrote. A path
// the journal does not know is an error.
func (j *Journal) Revert(path string) (UndoResult, error) {
	target, err := ResolveSymlinks(path)
	if err != nil {
		return UndoResult{}, fmt.Errorf("reverting %s: %w", path, err)
	}
	e := j.Find(target)
	if e == nil {
		return UndoResult{}, fmt.Errorf("reverting %s: regkey setup has no record of changing it", path)
	}
	r, err := j.planOne(*e, UndoOptions{Force: true})
	if err != nil {
		return r, err
	}
	if err := j.undoOne(*e, r); err != nil {
		return r, err
	}
	j.drop(e.Target)
	return r, j.save()
}

// kind is what the file is; a journal an older regkey wrote does not say,
// and its drop-in is known by name.
func (f JournalFile) kind() FileKind {
	switch {
	case f.Kind != "":
		return f.Kind
	case filepath.Base(f.Path) == DropInName:
		return KindRegistriesConf
	}
	return KindAuthFile
}

// oneLine is err's text on one line, for a reason shown beside a file.
func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }
