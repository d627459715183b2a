package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Undo actions.
const (
	UndoRestored = "restored" // the backup's bytes are back
	UndoRemoved  = "removed"  // setup had created the file; it is gone
	UndoSkipped  = "skipped"  // left alone; Reason says why
	UndoGone     = "gone"     // the file is already gone and there is nothing to put back
)

// UndoResult says what undo did, or would do, with one file.
type UndoResult struct {
	File   JournalFile
	Action string
	Reason string
	// Current is the file's content before undo (nil if absent) and Next
	// its content after (nil when the file is removed), for a diff.
	Current, Next []byte
}

// Undo puts back every file setup changed, newest first, and forgets them.
// A file that changed since setup last wrote it is skipped, and stays in
// the journal, unless force is set: restoring it would lose that change.
// With dryRun nothing changes; the results say what would happen.
func (j *Journal) Undo(force, dryRun bool) ([]UndoResult, error) {
	var out []UndoResult
	var errs []error
	for i := len(j.Files) - 1; i >= 0; i-- {
		e := j.Files[i]
		r := UndoResult{File: e}
		cur, err := os.ReadFile(e.Target)
		present := err == nil
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("reading %s: %w", e.Path, err))
			continue
		}
		r.Current = cur
		changed := !present || digest(cur) != e.Written
		if !present && (!e.Existed || !exists(e.Backup)) {
			// Created by setup and since removed, or both the file and its
			// backup are gone (podman's runtime file lives on a tmpfs that a
			// reboot empties): nothing to put back.
			r.Action = UndoGone
		} else if changed && !force {
			r.Action, r.Reason = UndoSkipped, "changed since regkey setup wrote it; restoring would lose that change (use --force to restore anyway; the backup is "+orNone(e.Backup)+")"
			out = append(out, r)
			continue
		}
		if e.Existed && r.Action != UndoGone {
			b, err := j.original(e)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			r.Action, r.Next = UndoRestored, b
		} else if r.Action == "" {
			r.Action = UndoRemoved
		}
		out = append(out, r)
		if dryRun {
			continue
		}
		if err := j.undoOne(e, r); err != nil {
			errs = append(errs, err)
			continue
		}
		j.drop(e.Target)
		if err := j.save(); err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

func orNone(s string) string {
	if s == "" {
		return "none: the file did not exist before"
	}
	return s
}

func (j *Journal) undoOne(e JournalFile, r UndoResult) error {
	switch r.Action {
	case UndoRestored:
		if err := WriteFileIfUnchanged(e.Path, r.Current, r.Current != nil, r.Next, e.Mode); err != nil {
			return fmt.Errorf("restoring %s: %w", e.Path, err)
		}
		if err := os.Chmod(e.Target, e.Mode.Perm()); err != nil {
			return fmt.Errorf("restoring the mode of %s: %w", e.Path, err)
		}
		if err := os.Remove(e.Backup); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing %s: %w", e.Backup, err)
		}
	case UndoRemoved:
		if err := os.Remove(e.Target); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing %s: %w", e.Path, err)
		}
	}
	if !e.Existed {
		for _, d := range e.CreatedDirs {
			_ = os.Remove(d) // only if empty
		}
	}
	return nil
}

// original returns the content a file had before setup: its backup, with
// the secrets that moved into the keystore put back.
func (j *Journal) original(e JournalFile) ([]byte, error) {
	b, err := os.ReadFile(e.Backup)
	if err != nil {
		return nil, fmt.Errorf("reading the backup of %s: %w", e.Path, err)
	}
	if !e.Redacted {
		return b, nil
	}
	if j.Credentials == nil {
		return nil, fmt.Errorf("restoring %s: its backup %s needs the secrets in the keystore", e.Path, e.Backup)
	}
	out, err := restoreBackup(b, j.Credentials)
	if err != nil {
		return nil, fmt.Errorf("restoring %s from %s: %w (run `regkey login` for it, then undo again)", e.Path, e.Backup, err)
	}
	if e.Original != "" && digest(out) != e.Original {
		return nil, fmt.Errorf("restoring %s: the keystore's credentials differ from the ones setup moved (logged in again since?); the backup %s keeps the rest of the file", e.Path, e.Backup)
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
	r := UndoResult{File: *e, Action: UndoRemoved}
	cur, err := os.ReadFile(e.Target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		r.Action = UndoGone
	case err != nil:
		return r, fmt.Errorf("reading %s: %w", e.Path, err)
	}
	r.Current = cur
	if e.Existed && r.Action != UndoGone {
		if r.Next, err = j.original(*e); err != nil {
			return r, err
		}
		r.Action = UndoRestored
	}
	if err := j.undoOne(*e, r); err != nil {
		return r, err
	}
	j.drop(e.Target)
	return r, j.save()
}
