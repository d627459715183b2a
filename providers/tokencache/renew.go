package tokencache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gofrs/flock"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/providers"
)

// Renew asks p for a new token for k and caches it, like Refresh, but never
// serves the cached token instead: a failed provider call is the error, so
// that `regkey refresh` reports every registry it could not renew. It
// returns the new token as an Entry. A token that is not cached (no expiry,
// an empty CacheKey, a disabled cache) is returned without being stored;
// Entry.Key is then empty. A cache that cannot be written is an error too:
// renewing a token that later gets cannot find is no renewal.
func (c *Cache) Renew(ctx context.Context, p providers.Provider, k auth.Key) (Entry, error) {
	key := ""
	if !c.Disabled {
		key = p.CacheKey(k)
	}
	if key == "" {
		return c.obtain(ctx, p, k, "")
	}
	if err := ensureDir(c.Dir); err != nil {
		return Entry{}, err
	}
	lock := flock.New(filepath.Join(c.Dir, fileName(key)+".lock"), flock.SetPermissions(0o600))
	lctx, cancel := context.WithTimeout(ctx, lockWait)
	ok, err := lock.TryLockContext(lctx, lockRetry)
	cancel()
	if err != nil || !ok {
		lock.Close()
		if err == nil {
			err = errors.New("lock not acquired")
		}
		return Entry{}, fmt.Errorf("waiting for the token cache lock of %s: %w", k.Host, err)
	}
	defer lock.Unlock()
	e, err := c.obtain(ctx, p, k, key)
	if err != nil || e.Expires.IsZero() {
		e.Key = ""
		return e, err
	}
	if err := writeEntry(filepath.Join(c.Dir, fileName(key)+".json"), e); err != nil {
		return Entry{}, err
	}
	return e, nil
}

// obtain calls p once and wraps its token in an Entry under key.
func (c *Cache) obtain(ctx context.Context, p providers.Provider, k auth.Key, key string) (Entry, error) {
	obtained := c.now()
	t, err := p.Get(ctx, k)
	if err != nil {
		return Entry{}, err
	}
	return Entry{
		Key: key, Provider: p.Name(), Host: k.Host, Username: t.Username, Secret: t.Secret,
		Expires: t.Expires, Obtained: obtained,
	}, nil
}

// Entries returns the cached entries, in no particular order, without
// asking any provider. Unreadable, corrupt and misplaced files are skipped;
// a missing cache directory holds no entries. Entries may be stale or
// expired.
func (c *Cache) Entries() ([]Entry, error) {
	if c.Disabled {
		return nil, nil
	}
	dirents, err := os.ReadDir(c.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing the token cache: %w", err)
	}
	var out []Entry
	for _, d := range dirents {
		name, ok := strings.CutSuffix(d.Name(), ".json")
		if !ok || !d.Type().IsRegular() {
			continue
		}
		e, err := readAnyEntry(filepath.Join(c.Dir, d.Name()))
		if err != nil || fileName(e.Key) != name {
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

// readAnyEntry reads the entry at path whatever its key, with the checks of
// readEntry.
func readAnyEntry(path string) (Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return Entry{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxEntrySize+1))
	if err != nil {
		return Entry{}, fmt.Errorf("reading %s: %w", path, err)
	}
	var e Entry
	if len(data) > maxEntrySize || json.Unmarshal(data, &e) != nil || e.Key == "" || e.Expires.IsZero() {
		return Entry{}, fmt.Errorf("%s: %w", path, errCorrupt)
	}
	return e, nil
}
