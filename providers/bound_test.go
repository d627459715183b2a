package providers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

func TestWithBound(t *testing.T) {
	t.Parallel()
	// Its own bound ends it: the cause names the bound and is still a
	// deadline.
	ctx, cancel := WithBound(context.Background(), time.Millisecond)
	defer cancel()
	<-ctx.Done()
	if c := context.Cause(ctx); !strings.Contains(c.Error(), "no answer within 1ms") || !errors.Is(c, context.DeadlineExceeded) {
		t.Errorf("cause = %v, want one naming the 1ms bound and wrapping DeadlineExceeded", c)
	}
	// The caller's cancellation ends it first: the cause is the caller's.
	parent, stop := context.WithCancel(context.Background())
	ctx, cancel = WithBound(parent, time.Hour)
	defer cancel()
	stop()
	if c := context.Cause(ctx); !errors.Is(c, context.Canceled) || strings.Contains(c.Error(), "within") {
		t.Errorf("cause = %v, want the caller's cancellation", c)
	}
}

func TestTimedOut(t *testing.T) {
	t.Parallel()
	live := context.Background()
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"deadline", fmt.Errorf("get: %w", context.DeadlineExceeded), true},
		{"transport timeout", &net.OpError{Op: "read", Err: timeoutErr{}}, true},
		{"flattened by an SDK", errors.New("ManagedIdentityCredential: Get \"http://x/\": context deadline exceeded."), true},
		{"refused", errors.New("connection refused"), false},
		{"nil", nil, false},
	} {
		if got := TimedOut(live, tc.err); got != tc.want {
			t.Errorf("%s: TimedOut = %v, want %v", tc.name, got, tc.want)
		}
	}
	done, cancel := context.WithCancel(live)
	cancel()
	if !TimedOut(done, errors.New("anything")) {
		t.Error("TimedOut with an ended context = false")
	}
	if got := TimeoutText(live); got != "timed out" {
		t.Errorf("TimeoutText(live) = %q", got)
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }
