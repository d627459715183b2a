// Package tokencache keeps provider tokens on disk between helper runs, so
// that a `docker pull` (which runs the helper several times) asks a cloud for
// a token once per half-lifetime rather than once per request.
//
// Each cache key (providers.Provider.CacheKey) has its own 0600 file in a
// 0700 directory, written atomically, and its own lock file. A hit reads one
// file and nothing else: no lock, no network, no SDK configuration. A miss
// takes the key's lock, reads the file again (another process may have just
// refreshed it) and only then calls the provider, so any number of
// processes asking for one cold key make one token request, and processes
// asking for different keys never wait for each other or lose each other's
// entries.
package tokencache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/providers"
)

const (
	// lockRetry is how often a process waiting for a key's lock retries.
	lockRetry = 10 * time.Millisecond
	// lockWait bounds the wait for a key's lock when ctx allows longer. The
	// holder is inside one bounded provider call.
	lockWait = 45 * time.Second
)

// Cache is the on-disk token cache. The zero value of every field but Dir is
// usable: Now defaults to time.Now, a nil Warn discards warnings. A Cache is
// safe for concurrent use by goroutines and processes sharing Dir.
type Cache struct {
	// Dir is the cache directory (config.Paths.CacheDir).
	Dir string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Disabled makes every Get ask the provider and store nothing
	// (REGKEY_NO_CACHE=1).
	Disabled bool
	// Warn receives one-line warnings: a refresh that failed while the old
	// token was still served, a corrupt cache file that was rebuilt.
	Warn io.Writer

	// waiting, when set, is called as a Get starts waiting for another
	// caller's refresh of the same key: tests use it to order events.
	waiting func()
}

func (c *Cache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Cache) warnf(format string, args ...any) {
	if c.Warn != nil {
		fmt.Fprintf(c.Warn, "regkey: warning: "+format+"\n", args...)
	}
}

// Get returns a credential for k from p, and when it expires: from the cache
// when a fresh entry exists, otherwise from p, caching the answer. Tokens
// without an expiry, providers whose CacheKey is empty, and a disabled cache
// go straight to p. When a refresh fails but the cached token is still
// usable, Get serves it and writes a warning. p's errors are returned as they
// are (providers.ErrNoCredentials included).
func (c *Cache) Get(ctx context.Context, p providers.Provider, k auth.Key) (auth.Credential, time.Time, error) {
	key := ""
	if !c.Disabled {
		key = p.CacheKey(k)
	}
	if key == "" {
		t, err := p.Get(ctx, k)
		return t.Credential, t.Expires, err
	}
	path := filepath.Join(c.Dir, fileName(key)+".json")
	if e, err := readEntry(path, key); err == nil && e.Fresh(c.now()) {
		return e.Credential(), e.Expires, nil
	}
	return c.refresh(ctx, p, k, key, path, false)
}

// Refresh asks p for a new token for k even when the cached one is fresh,
// and caches it (`regkey refresh`). The fallback to a usable old token
// applies as in Get.
func (c *Cache) Refresh(ctx context.Context, p providers.Provider, k auth.Key) (auth.Credential, time.Time, error) {
	key := p.CacheKey(k)
	if c.Disabled || key == "" {
		t, err := p.Get(ctx, k)
		return t.Credential, t.Expires, err
	}
	return c.refresh(ctx, p, k, key, filepath.Join(c.Dir, fileName(key)+".json"), true)
}

// refresh is the slow path: lock the key, re-read, ask the provider, store.
func (c *Cache) refresh(ctx context.Context, p providers.Provider, k auth.Key, key, path string, force bool) (auth.Credential, time.Time, error) {
	if err := ensureDir(c.Dir); err != nil {
		c.warnf("%v; not caching", err)
		return c.uncached(ctx, p, k, key, path)
	}
	lockPath := filepath.Join(c.Dir, fileName(key)+".lock")
	lock := flock.New(lockPath, flock.SetPermissions(0o600))
	ok, err := lock.TryLock()
	if err != nil {
		// The lock file cannot be made (a read-only file system, a
		// directory that is not ours): go on without the cache, as when
		// there is no cache directory, rather than fail every get.
		c.warnf("token cache: %v; not caching", err)
		return c.uncached(ctx, p, k, key, path)
	}
	lctx, cancel := context.WithTimeout(ctx, lockWait)
	if !ok && !force {
		// Another process is refreshing this key: serve what it writes.
		if c.waiting != nil {
			c.waiting()
		}
		if e, fresh := c.waitForHolder(lctx, lockPath, path, key); fresh {
			cancel()
			lock.Close()
			return e.Credential(), e.Expires, nil
		}
	}
	if !ok {
		ok, err = lock.TryLockContext(lctx, lockRetry)
	}
	cancel()
	if err != nil || !ok {
		lock.Close()
		if e, rerr := readEntry(path, key); rerr == nil && e.Usable(c.now()) {
			return e.Credential(), e.Expires, nil
		}
		if err == nil {
			err = errors.New("lock not acquired")
		}
		return auth.Credential{}, time.Time{}, fmt.Errorf("waiting for the token cache lock of %s: %w", k.Host, err)
	}
	defer lock.Unlock()

	old, err := readEntry(path, key)
	switch {
	case err == nil:
		if !force && old.Fresh(c.now()) {
			return old.Credential(), old.Expires, nil
		}
	case errors.Is(err, errCorrupt):
		c.warnf("token cache: %v; rebuilding it", err)
	case !errors.Is(err, fs.ErrNotExist):
		c.warnf("token cache: %v", err)
	}
	obtained := c.now()
	t, gerr := p.Get(ctx, k)
	if gerr != nil {
		if err == nil && old.Usable(c.now()) {
			c.warnStale(p, k, old, gerr)
			return old.Credential(), old.Expires, nil
		}
		return auth.Credential{}, time.Time{}, gerr
	}
	if t.Expires.IsZero() {
		return t.Credential, t.Expires, nil
	}
	e := Entry{
		Key: key, Provider: p.Name(), Host: k.Host, Username: t.Username, Secret: t.Secret,
		Expires: t.Expires, Obtained: obtained,
	}
	if err := writeEntry(path, e); err != nil {
		c.warnf("%v", err)
	}
	return t.Credential, t.Expires, nil
}

// uncached asks p without the lock and stores nothing, for a cache that
// cannot be written. An entry already on disk that is still usable is
// served, with a warning, when p fails.
func (c *Cache) uncached(ctx context.Context, p providers.Provider, k auth.Key, key, path string) (auth.Credential, time.Time, error) {
	t, err := p.Get(ctx, k)
	if err != nil {
		if old, rerr := readEntry(path, key); rerr == nil && old.Usable(c.now()) {
			c.warnStale(p, k, old, err)
			return old.Credential(), old.Expires, nil
		}
		return auth.Credential{}, time.Time{}, err
	}
	return t.Credential, t.Expires, nil
}

// warnStale says that a refresh failed and the old token is served.
func (c *Cache) warnStale(p providers.Provider, k auth.Key, old Entry, err error) {
	c.warnf("refreshing the %s token for %s failed, using the cached one (expires %s): %v",
		p.Name(), k.Host, old.Expires.Format(time.RFC3339), err)
}

// Lookup returns the cached entry for k without asking p for anything but
// its CacheKey (`regkey status`). It reports false for a missing, corrupt or
// disabled entry; the entry may be stale or expired.
func (c *Cache) Lookup(p providers.Provider, k auth.Key) (Entry, bool) {
	key := p.CacheKey(k)
	if c.Disabled || key == "" {
		return Entry{}, false
	}
	e, err := readEntry(filepath.Join(c.Dir, fileName(key)+".json"), key)
	return e, err == nil
}
