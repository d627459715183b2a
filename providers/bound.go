package providers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// WithBound returns a copy of ctx that ends after d, and whose
// context.Cause then says so in words ("no answer within 20s"). When a
// deadline of the caller's ends it first, the cause is the caller's: an
// error built from Cause names whichever bound actually cut the call off.
func WithBound(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, d, fmt.Errorf("no answer within %s: %w", d, context.DeadlineExceeded))
}

// TimedOut reports whether err, from a call made with ctx, ended because a
// bound ran out: ctx's own (see WithBound), or one inside the call, such as
// a transport's TLS handshake or response-header timeout or an SDK's
// per-try deadline.
func TimedOut(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	// azidentity flattens the errors of its HTTP calls into text, so an
	// azcore per-try deadline survives only as words.
	return err != nil && strings.Contains(err.Error(), context.DeadlineExceeded.Error())
}

// TimeoutText words a timeout TimedOut reported: "timed out (no answer
// within 20s)" when a bound of ctx (WithBound's or the caller's) ended the
// call, "timed out" when a bound inside the call did.
func TimeoutText(ctx context.Context) string {
	if cause := context.Cause(ctx); cause != nil {
		return "timed out (" + cause.Error() + ")"
	}
	return "timed out"
}
