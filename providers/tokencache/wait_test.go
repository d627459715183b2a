package tokencache

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gofrs/flock"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/providers"
)

// gatedProvider blocks in Get until its gate is closed.
type gatedProvider struct {
	*fakeProvider
	started chan struct{}
	gate    chan struct{}
	once    sync.Once
}

func (p *gatedProvider) Get(ctx context.Context, k auth.Key) (providers.Token, error) {
	p.once.Do(func() { close(p.started) })
	<-p.gate
	return p.fakeProvider.Get(ctx, k)
}

// Waiters for a key another caller is refreshing are all served the token
// it writes: one provider call in all.
func TestWaitersServedByTheHolder(t *testing.T) {
	t.Parallel()
	c, fp, _, _ := newTest(t)
	p := &gatedProvider{fakeProvider: fp, started: make(chan struct{}), gate: make(chan struct{})}
	const waiters = 6
	waiting := make(chan struct{}, waiters)
	c.waiting = func() { waiting <- struct{}{} }
	got := make(chan string, waiters+1)
	var wg sync.WaitGroup
	get := func() {
		defer wg.Done()
		cred, _, err := c.Get(context.Background(), p, host)
		if err != nil {
			t.Errorf("Get: %v", err)
		}
		got <- cred.Secret
	}
	wg.Add(1)
	go get()
	<-p.started // the holder has the lock and is inside the provider
	for range waiters {
		wg.Add(1)
		go get()
	}
	deadline := testenv.Context(t)
	for i := range waiters { // every waiter finds the key locked and waits for the holder
		select {
		case <-waiting:
		case <-deadline.Done():
			t.Fatalf("only %d of %d callers waited for the holder", i, waiters)
		}
	}
	close(p.gate)
	wg.Wait()
	close(got)
	for s := range got {
		if s != fp.secret(1) {
			t.Errorf("a caller got %q, want the holder's token %q", s, fp.secret(1))
		}
	}
	if n := fp.count(); n != 1 {
		t.Errorf("%d provider calls for %d callers of one cold key, want 1", n, waiters+1)
	}
}

func TestWaitUnlockedEndsWithContext(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "k.lock")
	l := flock.New(path)
	if ok, err := l.TryLock(); !ok || err != nil {
		t.Fatalf("TryLock: %v, %v", ok, err)
	}
	defer l.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := waitUnlocked(ctx, path); !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("waitUnlocked on a held lock = %v, want the context's deadline", err)
	}
	l.Unlock()
	if err := waitUnlocked(context.Background(), path); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("waitUnlocked on a free lock = %v", err)
	}
}
