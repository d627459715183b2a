package keystore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/regkey/regkey/auth"
)

// keyringService is the service name of regkey's items in the OS keyring;
// each item's user is the exact server key and its secret the record JSON.
const keyringService = "regkey"

// keyringIndexName is the index file in DataDir.
const keyringIndexName = "keyring-index.json"

// userRuntimeDir is /run/user/$UID, where godbus looks for a session bus
// socket ("bus") on Linux when DBUS_SESSION_BUS_ADDRESS is unset. Tests of
// the no-bus case point it at a directory without one, so that they run the
// same on machines that have a user session.
var userRuntimeDir = func() string { return fmt.Sprintf("/run/user/%d", os.Getuid()) }

// keyringStore is the OS keyring backend, through zalando/go-keyring (the
// only importer of it). go-keyring cannot enumerate items, so List reads an
// index of key → username in DataDir, kept next to a lock file: Set and
// Delete hold the lock across the keyring call and the index update, so the
// index of concurrent processes stays in step with the keyring.
//
// go-keyring calls take no context. Each runs in a goroutine bounded by the
// timeout; when the keyring hangs, the caller gets ErrUnavailable promptly
// and the goroutine finishes (or leaks) in the background.
type keyringStore struct {
	service string
	timeout time.Duration
	index   keyringIndex
}

var _ Store = (*keyringStore)(nil)

// openKeyring opens the OS keyring backend after the platform's cheap
// reachability check (on Linux: is there a session bus at all).
func openKeyring(o Options, reason string) (Store, Info, error) {
	if err := needDirs(BackendOS, o.DataDir); err != nil {
		return nil, Info{}, err
	}
	if err := prepareKeyring(o.Env); err != nil {
		return nil, Info{}, fmt.Errorf("opening the OS keyring: %w", err)
	}
	s := newKeyringStore(o, keyringService)
	return s, Info{
		Backend:  BackendOS,
		Location: fmt.Sprintf("%s, service %q, index %s", keyringName(o.Env), s.service, s.index.path),
		Reason:   reason,
	}, nil
}

func newKeyringStore(o Options, service string) *keyringStore {
	t := o.Timeout
	if t <= 0 {
		t = DefaultKeyringTimeout
	}
	return &keyringStore{
		service: service,
		timeout: t,
		index: keyringIndex{
			path: filepath.Join(o.DataDir, keyringIndexName),
			lock: filepath.Join(o.DataDir, "keyring-index.lock"),
		},
	}
}

// Get returns the credential stored under key.
func (s *keyringStore) Get(ctx context.Context, key string) (auth.Credential, error) {
	if err := checkKey(key); err != nil {
		return auth.Credential{}, err
	}
	var v string
	err := s.call(ctx, func() (err error) { v, err = keyring.Get(s.service, key); return err })
	if errors.Is(err, keyring.ErrNotFound) {
		return auth.Credential{}, notFound(key)
	}
	if err != nil {
		return auth.Credential{}, fmt.Errorf("reading %q from the OS keyring: %w", key, err)
	}
	c, err := decodeRecord([]byte(v))
	if err != nil {
		return auth.Credential{}, fmt.Errorf("reading %q from the OS keyring: %w", key, err)
	}
	return c, nil
}

// Set stores c under key.
func (s *keyringStore) Set(ctx context.Context, key string, c auth.Credential) error {
	if err := checkKey(key); err != nil {
		return err
	}
	b, err := encodeRecord(c)
	if err != nil {
		return err
	}
	if err := ensureDir(filepath.Dir(s.index.path)); err != nil {
		return err
	}
	return withLock(ctx, s.index.lock, func() error {
		if _, err := s.index.read(); err != nil {
			return err // a damaged index is reported before anything changes
		}
		err := s.call(ctx, func() error { return keyring.Set(s.service, key, string(b)) })
		if errors.Is(err, keyring.ErrSetDataTooBig) {
			return fmt.Errorf("storing %q in the OS keyring: %w: %s", key, ErrTooLarge, keyringSizeHint)
		}
		if err != nil {
			return fmt.Errorf("storing %q in the OS keyring: %w", key, err)
		}
		return s.index.update(func(m map[string]string) bool { m[key] = c.Username; return true })
	})
}

// Delete removes key.
func (s *keyringStore) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := ensureDir(filepath.Dir(s.index.path)); err != nil {
		return err
	}
	return withLock(ctx, s.index.lock, func() error {
		err := s.call(ctx, func() error { return keyring.Delete(s.service, key) })
		missing := errors.Is(err, keyring.ErrNotFound)
		if err != nil && !missing {
			return fmt.Errorf("deleting %q from the OS keyring: %w", key, err)
		}
		// Drop the key from the index either way: a missing item means the
		// index entry was stale (the item was removed by another tool).
		if err := s.index.update(func(m map[string]string) bool {
			_, ok := m[key]
			delete(m, key)
			return ok
		}); err != nil {
			return err
		}
		if missing {
			return notFound(key)
		}
		return nil
	})
}

// List returns the keys in the index with their usernames. It does not ask
// the keyring, so an item removed by another tool is listed until a Delete
// or a Get reports it missing.
func (s *keyringStore) List(ctx context.Context) (map[string]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.index.read()
}

// call runs fn, one go-keyring call, bounded by ctx and the timeout. Errors
// other than go-keyring's own sentinels are mapped to ErrUnavailable with a
// platform-specific explanation.
func (s *keyringStore) call(ctx context.Context, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		if err == nil || errors.Is(err, keyring.ErrNotFound) || errors.Is(err, keyring.ErrSetDataTooBig) {
			return err
		}
		return keyringUnavailable(err)
	case <-tctx.Done():
		if err := ctx.Err(); err != nil {
			return err
		}
		return unavailable(fmt.Sprintf("the OS keyring did not answer within %s: %s", s.timeout, keyringHungHint), nil)
	}
}
