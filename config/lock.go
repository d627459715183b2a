package config

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// DefaultLockWait bounds how long Lock waits for another process when ctx
// has no earlier deadline. A setup holds the lock for a few file writes and
// keystore calls, so this is generous.
const DefaultLockWait = 60 * time.Second

// Lock takes an exclusive advisory lock on path, shared by every process
// that locks the same path, and returns the function that releases it. The
// lock file is created 0600 in a 0700 directory and never removed (removing
// it would let two processes lock different files). It waits until ctx ends
// or DefaultLockWait passes.
func Lock(ctx context.Context, path string) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	ctx, cancel := context.WithTimeout(ctx, DefaultLockWait)
	defer cancel()
	l := flock.New(path, flock.SetPermissions(0o600))
	ok, err := l.TryLockContext(ctx, 10*time.Millisecond)
	if err != nil || !ok {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("locking %s: another regkey setup is running (waited %s): %w", path, DefaultLockWait, ctx.Err())
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return func() { _ = l.Unlock() }, nil
}
