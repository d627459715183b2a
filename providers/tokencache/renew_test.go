package tokencache

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRenewNeverServesTheOldToken(t *testing.T) {
	t.Parallel()
	c, p, clock, _ := newTest(t)
	mustGet(t, c, p)
	clock.Advance(time.Hour)
	e, err := c.Renew(context.Background(), p, host)
	if err != nil || e.Secret != p.secret(2) || e.Host != host.Host || e.Key != p.key {
		t.Fatalf("Renew = %+v, %v; want token 2 cached under the key", e, err)
	}
	if got := mustGet(t, c, p); got != p.cred(2) {
		t.Fatalf("Get after Renew = %q, want the renewed token", got.Secret)
	}
	p.setErr(errors.New("AccessDeniedException"))
	if _, err := c.Renew(context.Background(), p, host); err == nil {
		t.Fatal("Renew with a failing provider succeeded; want its error, not the cached token")
	}
	if got := mustGet(t, c, p); got != p.cred(2) {
		t.Fatalf("the failed Renew lost the cached token: %q", got.Secret)
	}
}

// TestRenewUnwritableCache: a token that cannot be cached was not renewed
// for later gets, so Renew reports the cache's error.
func TestRenewUnwritableCache(t *testing.T) {
	t.Parallel()
	c, p, _, _ := newTest(t)
	if err := os.WriteFile(c.Dir, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Renew(context.Background(), p, host); err == nil || !strings.Contains(err.Error(), "token cache") {
		t.Fatalf("Renew into a file = %v, want the cache's error", err)
	}
}

func TestRenewUncached(t *testing.T) {
	t.Parallel()
	c, p, _, _ := newTest(t)
	p.ttl = 0
	e, err := c.Renew(context.Background(), p, host)
	if err != nil || e.Secret != p.secret(1) || e.Key != "" || !e.Expires.IsZero() {
		t.Fatalf("Renew = %+v, %v; want an uncached token", e, err)
	}
	if es, _ := c.Entries(); len(es) != 0 {
		t.Fatalf("Entries = %+v, want none", es)
	}
}

func TestEntries(t *testing.T) {
	t.Parallel()
	c, p, _, _ := newTest(t)
	if es, err := c.Entries(); err != nil || len(es) != 0 {
		t.Fatalf("Entries of a missing directory = %v, %v", es, err)
	}
	mustGet(t, c, p)
	// Noise: a corrupt file, a misplaced entry, a lock, a directory.
	for name, content := range map[string]string{
		"0123.json":      "{nope",
		"misplaced.json": `{"key":"other","expires":"2030-01-01T00:00:00Z"}`,
	} {
		if err := os.WriteFile(filepath.Join(c.Dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(c.Dir, "d.json"), 0o700); err != nil {
		t.Fatal(err)
	}
	es, err := c.Entries()
	if err != nil || len(es) != 1 {
		t.Fatalf("Entries = %+v, %v; want the one real entry", es, err)
	}
	if e := es[0]; e.Host != host.Host || e.Provider != "fake" || e.Key != p.key {
		t.Errorf("entry = %+v", e)
	}
	c.Disabled = true
	if es, _ := c.Entries(); len(es) != 0 {
		t.Errorf("a disabled cache listed %d entries", len(es))
	}
}
