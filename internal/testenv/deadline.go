package testenv

import (
	"context"
	"testing"
	"time"
)

// deadlineMargin is left between the end of Context and the test binary's
// deadline, so that a wait that runs out fails the test with its own
// message, and the clean-ups run, before `go test -timeout` kills the
// binary with a stack dump.
const deadlineMargin = 30 * time.Second

// Context returns a context for waits whose length depends on how fast and
// how busy the machine is (a child process, a queue of processes, a cold
// build, gpg): it ends shortly before the test binary's own deadline (go
// test -timeout), and never if there is none (-timeout 0, benchmarks). It
// is not canceled when the test ends, so clean-ups may use it.
//
// Tests that check that an operation is bounded do not use it for that
// bound: they make the operation's peer hang and assert the error that
// names the operation's own, small, bound.
func Context(t testing.TB) context.Context {
	ctx, cancel := withTestDeadline(t)
	t.Cleanup(cancel)
	return ctx
}

// withTestDeadline is Context for a caller that cancels it itself.
func withTestDeadline(t testing.TB) (context.Context, context.CancelFunc) {
	dt, ok := t.(interface{ Deadline() (time.Time, bool) })
	if !ok {
		return context.WithCancel(context.Background())
	}
	d, ok := dt.Deadline()
	if !ok {
		return context.WithCancel(context.Background())
	}
	margin := deadlineMargin
	if left := time.Until(d); left < 2*margin {
		margin = left / 2
	}
	return context.WithDeadline(context.Background(), d.Add(-margin))
}
