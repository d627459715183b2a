package keystore

import (
	"errors"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/testenv"
)

// TestFileDerivesKeyBeforeLocking: a writer runs argon2id before it takes
// the store's lock, so processes storing at once do not run it one after
// another while holding each other off. Under the lock the key comes from
// the cache; a store replaced meanwhile by one with another salt sends the
// writer back out of the lock to derive, and the write still succeeds.
func TestFileDerivesKeyBeforeLocking(t *testing.T) {
	t.Parallel()
	ctx := testenv.Context(t)
	dir := t.TempDir()
	keys := keySource{env: "a passphrase several processes share"}
	if err := newFileStore(dir, keys).Set(ctx, "first.example.com", auth.Credential{Username: "a", Secret: "1"}); err != nil {
		t.Fatal(err)
	}

	s := newFileStore(dir, keys) // another process: nothing derived yet
	release := heldLock(t, s.lock)
	if fresh, err := s.prepare(ctx); err != nil || fresh != nil {
		t.Fatalf("prepare while another process holds the lock = %+v, %v; want the existing store's key derived", fresh, err)
	}
	release()
	set := func(key, user string) func(map[string]record) error {
		return func(m map[string]record) error { m[key] = record{Username: user, Secret: "s"}; return nil }
	}
	err := withLock(ctx, s.lock, func() error { return s.updateLocked(ctx, nil, true, set("second.example.com", "b")) })
	if err != nil {
		t.Fatalf("update under the lock after prepare = %v, want the cached key used", err)
	}

	// Another process moves the store aside and starts a new one: new salt.
	if err := os.Remove(s.path); err != nil {
		t.Fatal(err)
	}
	if err := newFileStore(dir, keys).Set(ctx, "third.example.com", auth.Credential{Username: "c", Secret: "3"}); err != nil {
		t.Fatal(err)
	}
	err = withLock(ctx, s.lock, func() error { return s.updateLocked(ctx, nil, true, set("fourth.example.com", "d")) })
	if !errors.Is(err, errDeriveFirst) {
		t.Fatalf("update under the lock of a store with an underived salt = %v, want errDeriveFirst", err)
	}
	if err := s.Set(ctx, "fourth.example.com", auth.Credential{Username: "d", Secret: "4"}); err != nil {
		t.Fatalf("Set after the store was replaced: %v", err)
	}
	got, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"third.example.com": "c", "fourth.example.com": "d"}, got); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
}
