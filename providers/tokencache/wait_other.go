//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package tokencache

import (
	"context"
	"errors"
)

// waitUnlocked cannot block on the lock here; the caller polls instead.
func waitUnlocked(context.Context, string) error { return errors.ErrUnsupported }
