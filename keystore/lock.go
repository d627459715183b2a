package keystore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gofrs/flock"
)

// lockStall bounds how long a writer waits while the lock does not change
// hands. Holders keep a lock for one read-modify-write (milliseconds) or one
// bounded backend call, so a lock held this long belongs to a stuck process
// (stopped, or hung in a call that ignores its bound). A queue of waiters
// that moves is waited out, however long: thirty `docker login`s at once on
// a busy machine queue for longer than any fixed bound one would pick, and
// every one of them must succeed. ctx still bounds the whole wait.
const lockStall = 30 * time.Second

// lockCheck is how often a waiting writer looks whether the lock changed
// hands.
const lockCheck = time.Second

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
	l := flock.New(path, flock.SetPermissions(0o600))
	ticker := time.NewTicker(lockCheck)
	defer ticker.Stop()
	w := lockWaiter{path: path, shared: shared, tick: ticker.C, ticks: int(lockStall / lockCheck), stall: lockStall}
	if err := w.acquire(ctx, l); err != nil {
		return err
	}
	defer l.Unlock()
	// Show waiters that the lock changed hands (see lockWaiter). A stamp
	// that fails only makes waiters give up sooner.
	now := time.Now()
	_ = os.Chtimes(path, now, now)
	return fn()
}

// lockWaiter takes a lock file, waiting in the kernel's queue of waiters
// rather than polling: a poller that sleeps between tries loses the lock to
// whoever asks at the moment it is released, and on a busy machine some
// pollers lose every time until their bound runs out.
//
// The wait ends when ctx does, or when ticks ticks pass without the lock
// changing hands: every holder stamps the lock file's modification time
// when it takes the lock, so a waiter behind a long queue that moves keeps
// waiting, and one behind a holder that never lets go gives up after about
// stall.
type lockWaiter struct {
	path   string
	shared bool
	tick   <-chan time.Time // when to look whether the lock changed hands
	ticks  int              // looks without a change before giving up
	stall  time.Duration    // ticks times the tick interval, for the message
}

// acquire locks l. On success the caller owns the lock and unlocks l. On
// failure the blocked lock call is abandoned: it is left to finish in its
// goroutine, which then unlocks at once, so the lock is never kept by a
// waiter that gave up.
func (w lockWaiter) acquire(ctx context.Context, l *flock.Flock) error {
	got := make(chan error)
	gone := make(chan struct{})
	go func() {
		lock := l.Lock
		if w.shared {
			lock = l.RLock
		}
		err := lock()
		select {
		case got <- err:
		case <-gone:
			l.Close()
		}
	}()
	last := modTime(w.path)
	idle := 0
	for {
		select {
		case err := <-got:
			if err != nil {
				return fmt.Errorf("locking %s: %w", w.path, err)
			}
			return nil
		case <-ctx.Done():
			close(gone)
			return unavailable(fmt.Sprintf("waiting for the lock %s: another regkey process holds it", w.path), ctx.Err())
		case <-w.tick:
			if m := modTime(w.path); !m.Equal(last) {
				last, idle = m, 0
				continue
			}
			if idle++; idle >= w.ticks {
				close(gone)
				return unavailable(fmt.Sprintf("waiting for the lock %s: another regkey process has held it for %s without letting go; if one is stuck (stopped, or hung on a keyring or gpg), end it", w.path, w.stall), nil)
			}
		}
	}
}

// modTime returns path's modification time, or the zero time.
func modTime(path string) time.Time {
	fi, err := os.Stat(path)
	if err != nil {
		return time.Time{}
	}
	return fi.ModTime()
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
