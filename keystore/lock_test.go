package keystore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gofrs/flock"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/testenv"
)

// heldLock takes the lock file at path as another process would, and
// returns a function that releases it.
func heldLock(t *testing.T, path string) (release func()) {
	t.Helper()
	other := flock.New(path, flock.SetPermissions(0o600))
	if err := other.Lock(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return func() { other.Unlock() }
}

// startWaiting runs w.acquire in a goroutine; the channel gets its result.
func startWaiting(ctx context.Context, w lockWaiter, l *flock.Flock) <-chan error {
	res := make(chan error, 1)
	go func() { res <- w.acquire(ctx, l) }()
	return res
}

// handOff stamps path the way a new holder does, with a time no earlier
// stamp used.
func handOff(t *testing.T, path string, n int) {
	t.Helper()
	at := time.Unix(1_700_000_000+int64(n), 0)
	if err := os.Chtimes(path, at, at); err != nil {
		t.Fatal(err)
	}
}

// TestLockWaitsOutAMovingQueue: while the lock keeps changing hands, a
// waiter waits through many more checks than its stall bound allows for a
// single holder, and gets the lock when it is free. The checks are ticks
// the test sends, so nothing here depends on the clock.
func TestLockWaitsOutAMovingQueue(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "x.lock")
	release := heldLock(t, path)
	tick := make(chan time.Time)
	w := lockWaiter{path: path, tick: tick, ticks: 3, stall: 3 * time.Second}
	l := flock.New(path, flock.SetPermissions(0o600))
	res := startWaiting(testenv.Context(t), w, l)
	for i := range 20 {
		handOff(t, path, i)
		tick <- time.Now() // received only by a waiter still waiting
	}
	release()
	if err := <-res; err != nil {
		t.Fatalf("acquire after 20 hand-offs = %v, want the lock", err)
	}
	probe := flock.New(path)
	if ok, err := probe.TryLock(); ok || err != nil {
		t.Errorf("TryLock while the waiter holds the lock = %v, %v; want it refused", ok, err)
	}
	probe.Close()
	l.Unlock()
}

// TestLockGivesUpOnAStuckHolder: a holder that never lets go makes the
// waiter give up after its stall bound, with an error that says so; the
// abandoned wait then does not keep the lock once the holder lets go.
func TestLockGivesUpOnAStuckHolder(t *testing.T) {
	t.Parallel()
	for _, shared := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "x.lock")
		release := heldLock(t, path)
		tick := make(chan time.Time)
		w := lockWaiter{path: path, shared: shared, tick: tick, ticks: 3, stall: 30 * time.Second}
		res := startWaiting(testenv.Context(t), w, flock.New(path, flock.SetPermissions(0o600)))
		for range 3 {
			tick <- time.Now()
		}
		err := <-res
		if !errors.Is(err, auth.ErrUnavailable) || !strings.Contains(err.Error(), "held it for 30s without letting go") || !strings.Contains(err.Error(), path) {
			t.Fatalf("acquire (shared %v) behind a stuck holder = %v, want ErrUnavailable naming the lock and the 30s bound", shared, err)
		}
		release()
		// The abandoned wait takes the lock when it is released and lets go
		// at once; a blocking Lock proves it does not keep it.
		again := flock.New(path)
		if err := lockWithin(testenv.Context(t), again); err != nil {
			t.Fatalf("locking after the waiter gave up: %v", err)
		}
		again.Unlock()
	}
}

// lockWithin takes l, blocking, until ctx ends.
func lockWithin(ctx context.Context, l *flock.Flock) error {
	w := lockWaiter{path: l.Path(), tick: nil, ticks: 1}
	return w.acquire(ctx, l)
}

// TestLockEndsWithContext: a waiter whose context ends gives up at once with
// the context's error, wrapped as ErrUnavailable.
func TestLockEndsWithContext(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "x.lock")
	heldLock(t, path)
	ctx, cancel := context.WithCancel(context.Background())
	res := startWaiting(ctx, lockWaiter{path: path, ticks: 1}, flock.New(path, flock.SetPermissions(0o600)))
	cancel()
	err := <-res
	if !errors.Is(err, context.Canceled) || !errors.Is(err, auth.ErrUnavailable) || !strings.Contains(err.Error(), "another regkey process holds it") {
		t.Fatalf("acquire with a canceled context = %v, want context.Canceled as ErrUnavailable", err)
	}
}

// TestLockStampsHandOff: withLock marks the lock file when it takes the
// lock, which is how waiters see the queue move.
func TestLockStampsHandOff(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "x.lock")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	handOff(t, path, 0)
	before := modTime(path)
	if err := withLock(testenv.Context(t), path, func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	if after := modTime(path); after.Equal(before) {
		t.Errorf("lock file modification time unchanged (%v) after withLock", after)
	}
}
