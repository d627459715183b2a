package keystore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gofrs/flock"
)

// lockWait bounds how long a writer waits for another process's lock when
// ctx has no earlier deadline. Writers hold locks for one read-modify-write
// (milliseconds) or one bounded backend call, so this is generous.
const lockWait = 30 * time.Second

// lockRetry is how often a waiting writer retries the lock.
const lockRetry = 5 * time.Millisecond

// withLock runs fn while holding an exclusive advisory lock on path, shared
// by every goroutine and process that uses the same path. The lock file is
// created 0600 and never removed (removing it would let two writers lock
// different inodes).
func withLock(ctx context.Context, path string, fn func() error) error {
	return lockAndRun(ctx, path, false, fn)
}

// withSharedLock is withLock with a shared lock: holders of shared locks
// exclude writers but not each other.
func withSharedLock(ctx context.Context, path string, fn func() error) error {
	return lockAndRun(ctx, path, true, fn)
}

func lockAndRun(ctx context.Context, path string, shared bool, fn func() error) error {
	if err := refuseSymlink(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, lockWait)
	defer cancel()
	l := flock.New(path, flock.SetPermissions(0o600))
	try := l.TryLockContext
	if shared {
		try = l.TryRLockContext
	}
	ok, err := try(ctx, lockRetry)
	if err != nil || !ok {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return unavailable(fmt.Sprintf("waiting for the lock %s: another regkey process holds it", path), ctxErr)
		}
		return fmt.Errorf("locking %s: %w", path, err)
	}
	defer l.Unlock()
	return fn()
}

// refuseSymlink returns an ErrUnsafePath error when path is a symlink or not
// a regular file, and the Lstat error (os.ErrNotExist included) otherwise.
func refuseSymlink(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("%w: %s is a symlink; regkey refuses to follow it (replace it with the real file)", ErrUnsafePath, path)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is not a regular file", ErrUnsafePath, path)
	}
	return nil
}

// ensureDir creates dir (and parents) with mode 0700 if it is missing.
func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	return nil
}
