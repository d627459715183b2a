package tokencache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/providers"
)

// fakeProvider issues numbered tokens valid for ttl from the test clock.
type fakeProvider struct {
	clock *fakeClock
	ttl   time.Duration
	key   string // CacheKey answer; "" disables caching

	mu    sync.Mutex
	calls int
	err   error // returned instead of a token when set
}

func (p *fakeProvider) Name() string               { return "fake" }
func (p *fakeProvider) CacheKey(k auth.Key) string { return p.key }
func (p *fakeProvider) setErr(err error)           { p.mu.Lock(); p.err = err; p.mu.Unlock() }
func (p *fakeProvider) count() int                 { p.mu.Lock(); defer p.mu.Unlock(); return p.calls }
func (p *fakeProvider) secret(n int) string        { return fmt.Sprintf("secret-%d", n) }
func (p *fakeProvider) cred(n int) auth.Credential {
	return auth.Credential{Username: "AWS", Secret: p.secret(n)}
}

func (p *fakeProvider) Get(ctx context.Context, k auth.Key) (providers.Token, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if p.err != nil {
		return providers.Token{}, p.err
	}
	t := providers.Token{Credential: p.cred(p.calls)}
	if p.ttl > 0 {
		t.Expires = p.clock.Now().Add(p.ttl)
	}
	return t, nil
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var host = auth.Key{Raw: "123456789012.dkr.ecr.us-east-1.amazonaws.com", Host: "123456789012.dkr.ecr.us-east-1.amazonaws.com"}

func newTest(t *testing.T) (*Cache, *fakeProvider, *fakeClock, *bytes.Buffer) {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	warn := &bytes.Buffer{}
	c := &Cache{Dir: filepath.Join(t.TempDir(), "cache"), Now: clock.Now, Warn: warn}
	return c, &fakeProvider{clock: clock, ttl: 12 * time.Hour, key: "fake|profile=a|us-east-1"}, clock, warn
}

func mustGet(t *testing.T, c *Cache, p providers.Provider) auth.Credential {
	t.Helper()
	cred, _, err := c.Get(context.Background(), p, host)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return cred
}

func TestGetRefreshesAtHalfLife(t *testing.T) {
	t.Parallel()
	c, p, clock, warn := newTest(t)
	steps := []struct {
		advance   time.Duration
		wantCalls int
		wantN     int
	}{
		{0, 1, 1},
		{time.Hour, 1, 1},
		{5*time.Hour - time.Second, 1, 1}, // 6h - 1s after issue: still fresh
		{2 * time.Second, 2, 2},           // past half life: refreshed
		{6*time.Hour - time.Second, 2, 2}, // half life of the new token not reached
		{2 * time.Second, 3, 3},
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		cred, exp, err := c.Get(context.Background(), p, host)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if cred != p.cred(s.wantN) || p.count() != s.wantCalls {
			t.Fatalf("step %d: got %q after %d calls, want %q after %d", i, cred.Secret, p.count(), p.secret(s.wantN), s.wantCalls)
		}
		if exp.IsZero() {
			t.Fatalf("step %d: no expiry", i)
		}
	}
	if warn.Len() != 0 {
		t.Errorf("unexpected warnings: %s", warn)
	}
}

func TestShortLivedTokenStopsAtExpiryMargin(t *testing.T) {
	t.Parallel()
	c, p, clock, _ := newTest(t)
	p.ttl = 90 * time.Second // half life 45 s, margin leaves 30 s
	mustGet(t, c, p)
	clock.Advance(31 * time.Second)
	if got := mustGet(t, c, p); got != p.cred(2) {
		t.Fatalf("got %q, want a refreshed token once within the expiry margin", got.Secret)
	}
}

func TestStaleButUsableTokenServedWhenRefreshFails(t *testing.T) {
	t.Parallel()
	c, p, clock, warn := newTest(t)
	mustGet(t, c, p)
	clock.Advance(7 * time.Hour)
	p.setErr(errors.New("ecr 1234: GetAuthorizationToken: ThrottlingException: slow down"))
	if got := mustGet(t, c, p); got != p.cred(1) {
		t.Fatalf("got %q, want the cached token", got.Secret)
	}
	if p.count() != 2 {
		t.Errorf("calls = %d, want 2 (the failed refresh)", p.count())
	}
	w := warn.String()
	if !strings.Contains(w, "ThrottlingException") || !strings.Contains(w, "using the cached one") || strings.Count(w, "\n") != 1 {
		t.Errorf("warning = %q, want one line naming the cause", w)
	}
	if strings.Contains(w, p.secret(1)) {
		t.Errorf("warning leaks the secret: %q", w)
	}

	// Past its expiry (minus the margin) the old token is not served.
	clock.Advance(5*time.Hour - 30*time.Second)
	if _, _, err := c.Get(context.Background(), p, host); err == nil || !strings.Contains(err.Error(), "ThrottlingException") {
		t.Fatalf("Get after expiry = %v, want the provider's error", err)
	}
}

func TestNoCredentialsPassesThrough(t *testing.T) {
	t.Parallel()
	c, p, _, _ := newTest(t)
	p.setErr(fmt.Errorf("ecr: no AWS credentials found: %w", providers.ErrNoCredentials))
	_, _, err := c.Get(context.Background(), p, host)
	if !errors.Is(err, providers.ErrNoCredentials) {
		t.Fatalf("err = %v, want ErrNoCredentials", err)
	}
}

func TestHitCallsOnlyCacheKey(t *testing.T) {
	t.Parallel()
	c, p, clock, _ := newTest(t)
	mustGet(t, c, p)
	// A second Cache (another process) with a provider that must not be asked.
	c2 := &Cache{Dir: c.Dir, Now: clock.Now}
	strict := &keyOnly{key: p.key}
	if got := mustGet(t, c2, strict); got != p.cred(1) {
		t.Fatalf("got %q, want the cached token", got.Secret)
	}
}

// keyOnly is a provider whose Get fails the test's expectations loudly.
type keyOnly struct{ key string }

func (k *keyOnly) Name() string             { return "fake" }
func (k *keyOnly) CacheKey(auth.Key) string { return k.key }
func (k *keyOnly) Get(context.Context, auth.Key) (providers.Token, error) {
	return providers.Token{}, errors.New("Get called on a cache hit")
}

func TestNotCached(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		adjust func(c *Cache, p *fakeProvider)
	}{
		{"disabled", func(c *Cache, p *fakeProvider) { c.Disabled = true }},
		{"no expiry", func(c *Cache, p *fakeProvider) { p.ttl = 0 }},
		{"empty cache key", func(c *Cache, p *fakeProvider) { p.key = "" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, p, _, _ := newTest(t)
			tc.adjust(c, p)
			mustGet(t, c, p)
			if got := mustGet(t, c, p); got != p.cred(2) || p.count() != 2 {
				t.Fatalf("got %q after %d calls, want every Get to ask the provider", got.Secret, p.count())
			}
			if files, _ := filepath.Glob(filepath.Join(c.Dir, "*.json")); len(files) != 0 {
				t.Errorf("cache files written: %v", files)
			}
		})
	}
}

func TestCorruptFileIsRebuilt(t *testing.T) {
	t.Parallel()
	for name, content := range map[string]string{
		"garbage":   "{not json",
		"empty":     "",
		"other key": `{"key":"someone else","username":"u","secret":"s","expires":"2030-01-01T00:00:00Z"}`,
		"huge":      strings.Repeat(" ", maxEntrySize+10),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, p, _, warn := newTest(t)
			if err := ensureDir(c.Dir); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(c.Dir, fileName(p.key)+".json")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if got := mustGet(t, c, p); got != p.cred(1) {
				t.Fatalf("got %q", got.Secret)
			}
			if !strings.Contains(warn.String(), "rebuilding") {
				t.Errorf("warning = %q, want a rebuild notice", warn)
			}
			if e, err := readEntry(path, p.key); err != nil || e.Secret != p.secret(1) {
				t.Errorf("entry after rebuild = %+v, %v", e, err)
			}
			if got := mustGet(t, c, p); got != p.cred(1) || p.count() != 1 {
				t.Errorf("second Get: %q after %d calls, want a hit", got.Secret, p.count())
			}
		})
	}
}

func TestFileModes(t *testing.T) {
	t.Parallel()
	c, p, _, _ := newTest(t)
	if err := os.MkdirAll(c.Dir, 0o755); err != nil { // too wide: narrowed
		t.Fatal(err)
	}
	mustGet(t, c, p)
	want := map[string]os.FileMode{c.Dir: 0o700}
	entries, err := os.ReadDir(c.Dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		want[filepath.Join(c.Dir, e.Name())] = 0o600
	}
	if len(entries) != 2 {
		t.Errorf("cache dir holds %d files, want an entry and its lock", len(entries))
	}
	for path, mode := range want {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != mode {
			t.Errorf("%s: mode %o, want %o", path, got, mode)
		}
	}
}

func TestRefreshAndLookup(t *testing.T) {
	t.Parallel()
	c, p, _, _ := newTest(t)
	if _, ok := c.Lookup(p, host); ok {
		t.Fatal("Lookup on an empty cache reported an entry")
	}
	mustGet(t, c, p)
	if cred, _, err := c.Refresh(context.Background(), p, host); err != nil || cred != p.cred(2) {
		t.Fatalf("Refresh = %q, %v; want a new token", cred.Secret, err)
	}
	e, ok := c.Lookup(p, host)
	if !ok || e.Secret != p.secret(2) || e.Provider != "fake" || e.Key != p.key {
		t.Fatalf("Lookup = %+v, %v", e, ok)
	}
}

func TestConcurrentGoroutinesOneRequest(t *testing.T) {
	t.Parallel()
	c, p, _, _ := newTest(t)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got, _, err := c.Get(context.Background(), p, host); err != nil || got != p.cred(1) {
				t.Errorf("got %q, %v", got.Secret, err)
			}
		}()
	}
	wg.Wait()
	if p.count() != 1 {
		t.Fatalf("provider called %d times, want 1", p.count())
	}
}

// TestUnlockableCacheAsksTheProvider: when the key's lock file cannot be
// made (a read-only file system; here a directory in its place), a get
// still asks the provider, with one warning, instead of failing; a usable
// entry on disk is served when the provider then fails.
func TestUnlockableCacheAsksTheProvider(t *testing.T) {
	t.Parallel()
	c, p, clock, warn := newTest(t)
	mustGet(t, c, p) // entry 1 on disk
	lock := filepath.Join(c.Dir, fileName(p.key)+".lock")
	if err := os.Remove(lock); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(lock, 0o700); err != nil {
		t.Fatal(err)
	}
	clock.Advance(7 * time.Hour) // past half-life
	if got := mustGet(t, c, p); got != p.cred(2) {
		t.Fatalf("got %q, want a new token from the provider", got.Secret)
	}
	if w := warn.String(); strings.Count(w, "\n") != 1 || !strings.Contains(w, "not caching") {
		t.Errorf("warning = %q, want one line saying the cache is not used", w)
	}
	warn.Reset()
	p.setErr(errors.New("ecr: GetAuthorizationToken: ThrottlingException"))
	if got := mustGet(t, c, p); got != p.cred(1) {
		t.Fatalf("got %q, want the usable entry on disk", got.Secret)
	}
	if w := warn.String(); !strings.Contains(w, "using the cached one") {
		t.Errorf("warning = %q, want the fallback named", w)
	}
}
