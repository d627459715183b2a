//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package tokencache

import (
	"context"
	"errors"
	"syscall"
)

// waitUnlocked blocks until no process holds the lock file at path
// exclusively, or ctx is done. It takes a shared flock(2) on a descriptor
// of its own and drops it at once: shared locks are granted together, so
// all waiters wake when the holder unlocks. On ctx's end the blocked
// goroutine is left to finish when the holder unlocks (its descriptor is
// closed then); a helper process exits long before.
func waitUnlocked(ctx context.Context, path string) error {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() {
		var err error
		for {
			err = syscall.Flock(fd, syscall.LOCK_SH)
			if !errors.Is(err, syscall.EINTR) {
				break
			}
		}
		syscall.Close(fd) // drops the shared lock
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
