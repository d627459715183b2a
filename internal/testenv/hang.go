package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Hang returns a shell command that does not end by itself, for fake
// programs that stand for a peer that never answers. It runs cat on a FIFO
// no one writes to: a child process of the fake, like a hung program's own
// helper, holding the fake's stdout and stderr. The test's clean-up opens
// the FIFO for writing and closes it, which ends every cat still waiting,
// so nothing outlives the test even when the code under test failed to
// kill it.
func Hang(t testing.TB) string {
	t.Helper()
	fifo := filepath.Join(t.TempDir(), "hang.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("making a FIFO: %v", err)
	}
	t.Cleanup(func() {
		// Fails (ENXIO) when no cat is waiting, which is what we want.
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	return "cat '" + strings.ReplaceAll(fifo, "'", `'\''`) + "'"
}

// Returns calls fn and returns its result. If fn has not returned shortly
// before the test binary's deadline, the test fails naming what: for calls
// whose peer hangs for good, where not returning at all is the bug. That
// is the only timing it checks; how soon fn returns is not a verdict.
func Returns[T any](t testing.TB, what string, fn func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- fn() }()
	ctx, cancel := withTestDeadline(t)
	defer cancel()
	select {
	case v := <-done:
		return v
	case <-ctx.Done():
		t.Fatalf("%s did not return before the test's deadline", what)
		panic("unreachable")
	}
}
