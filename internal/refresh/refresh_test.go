package refresh

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/inventory"
	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/providers"
	"github.com/regkey/regkey/providers/tokencache"
)

// fakeTokens is a provider for hosts under .fake.test: tokens valid for ttl
// from the test clock, per host unless shared, with failures per host. With
// hang it answers only when ctx ends. With together > 0, each call waits
// until that many calls are running at once (or all of the expect calls
// have started), so a test sees how many run at once without timing them.
type fakeTokens struct {
	now      func() time.Time
	ttl      time.Duration
	shared   bool
	fail     map[string]error
	hang     bool
	together int
	expect   int

	mu             sync.Mutex
	cond           *sync.Cond
	calls          map[string]int
	started        int
	active, maxAct int
}

func (p *fakeTokens) Name() string { return "fake" }
func (p *fakeTokens) CacheKey(k auth.Key) string {
	if p.shared {
		return "fake|shared"
	}
	return "fake|" + k.Host
}

func (p *fakeTokens) Get(ctx context.Context, k auth.Key) (providers.Token, error) {
	p.mu.Lock()
	p.calls[k.Host]++
	p.active++
	p.started++
	p.maxAct = max(p.maxAct, p.active)
	n := p.calls[k.Host]
	if p.together > 0 {
		if p.cond == nil {
			p.cond = sync.NewCond(&p.mu)
		}
		p.cond.Broadcast()
		for p.active < p.together && p.started < p.expect {
			p.cond.Wait()
		}
	}
	p.mu.Unlock()
	defer func() { p.mu.Lock(); p.active--; p.mu.Unlock() }()
	if p.hang {
		<-ctx.Done()
		return providers.Token{}, fmt.Errorf("fake %s: %w", k.Host, ctx.Err())
	}
	if err := p.fail[k.Host]; err != nil {
		return providers.Token{}, err
	}
	return providers.Token{
		Credential: auth.Credential{Username: "u", Secret: fmt.Sprintf("secret-%s-%d", k.Host, n)},
		Expires:    p.now().Add(p.ttl),
	}, nil
}

func (p *fakeTokens) count(host string) int { p.mu.Lock(); defer p.mu.Unlock(); return p.calls[host] }

var refreshNow = time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)

// refreshTest returns options over a router sending *.fake.test to p, with a
// cache in a temp dir, and the buffers.
func refreshTest(t *testing.T, p *fakeTokens, discovered []inventory.Known) (*Options, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	return refreshTestIn(t, filepath.Join(t.TempDir(), "cache"), p, discovered)
}

// refreshTestIn is refreshTest with the cache in dir.
func refreshTestIn(t *testing.T, dir string, p *fakeTokens, discovered []inventory.Known) (*Options, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	now := func() time.Time { return refreshNow }
	if p.now == nil {
		p.now = now
	}
	if p.calls == nil {
		p.calls = map[string]int{}
	}
	router, err := providers.NewRouter(nil,
		[]providers.Detector{{Name: "fake", Matches: func(k auth.Key) bool { return strings.HasSuffix(k.Host, ".fake.test") }}},
		map[string]providers.Constructor{"fake": func(map[string]string) (providers.Provider, error) { return p, nil }})
	if err != nil {
		t.Fatal(err)
	}
	cache := &tokencache.Cache{Dir: dir, Now: now}
	var out, errOut bytes.Buffer
	return &Options{
		Out: &out, ErrOut: &errOut, Jobs: DefaultJobs, Timeout: DefaultTimeout, Now: now,
		Setup:    func() (*providers.Router, *tokencache.Cache, error) { return router, cache, nil },
		Discover: func(*tokencache.Cache) []inventory.Known { return discovered },
	}, &out, &errOut
}

func decodeRefresh(t *testing.T, out *bytes.Buffer) refreshJSON {
	t.Helper()
	var got refreshJSON
	dec := json.NewDecoder(out)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("--json output: %v", err)
	}
	return got
}

// statuses maps host → status (+ detail when asked).
func statuses(rs []Result) map[string]string {
	m := map[string]string{}
	for _, r := range rs {
		m[r.Host] = r.Status
	}
	return m
}

func Test_refreshRunOneFails(t *testing.T) {
	t.Parallel()
	p := &fakeTokens{ttl: 12 * time.Hour, fail: map[string]error{
		"b.fake.test": errors.New("fake b.fake.test: AccessDenied"),
		"c.fake.test": fmt.Errorf("fake c.fake.test: nothing configured: %w", providers.ErrNoCredentials),
		"d.fake.test": fmt.Errorf("fake d.fake.test: nothing configured: %w", providers.ErrNoCredentials),
	}}
	opts, out, _ := refreshTest(t, p, []inventory.Known{
		{Host: "c.fake.test", Origin: inventory.OriginDocker},        // no credentials, discovered: skipped
		{Host: "d.fake.test", Origin: inventory.OriginRule},          // no credentials, from a rule: failed
		{Host: "static.example.com", Origin: inventory.OriginDocker}, // keystore: left out
	})
	opts.JSON = true
	err := Run(context.Background(), opts)
	var partial *cmderr.Partial
	if !errors.As(err, &partial) || cmderr.IsUsage(err) {
		t.Fatalf("err = %v, want a cmderr.Partial (exit 3)", err)
	}
	if diff := cmp.Diff([]string{"d.fake.test"}, partial.Failed); diff != "" || !strings.Contains(err.Error(), "refresh failed for d.fake.test") {
		t.Errorf("failed (-want +got):\n%s\nerror: %v", diff, err)
	}
	if diff := cmp.Diff(map[string]string{"c.fake.test": StatusSkipped, "d.fake.test": StatusFailed}, statuses(decodeRefresh(t, out).Registries)); diff != "" {
		t.Errorf("discovered statuses (-want +got):\n%s", diff)
	}
	opts2, out2, _ := refreshTest(t, p, nil)
	opts2.JSON = true
	opts2.Hosts = []string{"a.fake.test", "B.FAKE.TEST", "static.example.com", "https://a.fake.test/v2/"}
	err = Run(context.Background(), opts2)
	if !errors.As(err, &partial) || len(partial.Failed) != 1 || partial.Failed[0] != "b.fake.test" {
		t.Fatalf("err = %v, want b.fake.test failed", err)
	}
	got := decodeRefresh(t, out2)
	want := map[string]string{"a.fake.test": StatusRefreshed, "b.fake.test": StatusFailed, "static.example.com": StatusSkipped}
	if diff := cmp.Diff(want, statuses(got.Registries)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"b.fake.test"}, got.Failed); diff != "" {
		t.Errorf("failed (-want +got):\n%s", diff)
	}
	for _, r := range got.Registries {
		switch r.Host {
		case "a.fake.test":
			if r.Expires == nil || !r.Expires.Equal(refreshNow.Add(12*time.Hour)) || r.Provider != "fake" || r.Origin != inventory.OriginArgument {
				t.Errorf("a: %+v", r)
			}
		case "b.fake.test":
			if !strings.Contains(r.Detail, "AccessDenied") {
				t.Errorf("b: detail %q, want the cause", r.Detail)
			}
		}
	}
	if n := p.count("a.fake.test"); n != 1 {
		t.Errorf("a.fake.test asked %d times for two spellings, want once", n)
	}
	if strings.Contains(out2.String(), "secret-") {
		t.Errorf("a token reached the output: %s", out2)
	}
}

func Test_refreshRunSharedTokenAndIfExpiring(t *testing.T) {
	t.Parallel()
	p := &fakeTokens{ttl: 12 * time.Hour, shared: true}
	hosts := []inventory.Known{{Host: "a.fake.test", Origin: inventory.OriginRule}, {Host: "b.fake.test", Origin: inventory.OriginCache}}
	dir := filepath.Join(t.TempDir(), "cache")
	opts, _, _ := refreshTestIn(t, dir, p, hosts)
	if err := Run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if a, b := p.count("a.fake.test"), p.count("b.fake.test"); a+b != 1 {
		t.Fatalf("a shared token asked for %d times, want once", a+b)
	}
	// The cached token expires in 12 h: renewed only when the window is wider.
	for _, tc := range []struct {
		within    time.Duration
		want      string
		wantCalls int
	}{{2 * time.Hour, StatusFresh, 1}, {13 * time.Hour, StatusRefreshed, 2}} {
		opts, out, _ := refreshTestIn(t, dir, p, hosts)
		opts.IfExpiringWithin, opts.JSON = tc.within, true
		if err := Run(context.Background(), opts); err != nil {
			t.Fatal(err)
		}
		got := decodeRefresh(t, out)
		if diff := cmp.Diff(map[string]string{"a.fake.test": tc.want, "b.fake.test": tc.want}, statuses(got.Registries)); diff != "" {
			t.Errorf("within %v (-want +got):\n%s", tc.within, diff)
		}
		if n := p.count("a.fake.test") + p.count("b.fake.test"); n != tc.wantCalls {
			t.Errorf("within %v: %d provider calls, want %d", tc.within, n, tc.wantCalls)
		}
	}
}

func Test_refreshRunBounds(t *testing.T) {
	t.Parallel()
	// Each call waits for a second one to run beside it, so two run at
	// once whenever --jobs allows two; a third never may.
	p := &fakeTokens{ttl: time.Hour, together: 2, expect: 6}
	opts, out, errOut := refreshTest(t, p, nil)
	for i := range 6 {
		opts.Hosts = append(opts.Hosts, fmt.Sprintf("r%d.fake.test", i))
	}
	opts.Jobs = 2
	opts.ErrTTY = true // progress on stderr
	if err := testenv.Returns(t, "refresh of 6 registries, 2 at a time", func() error { return Run(context.Background(), opts) }); err != nil {
		t.Fatal(err)
	}
	if p.maxAct != 2 {
		t.Errorf("at most %d refreshes ran at once, want 2", p.maxAct)
	}
	if n := strings.Count(errOut.String(), "/6] fake r"); n != 6 {
		t.Errorf("progress lines: %d, want 6:\n%s", n, errOut)
	}
	if !strings.HasPrefix(out.String(), "REGISTRY      PROVIDER  STATUS     EXPIRES  DETAIL\nr0.fake.test  fake      refreshed  in 1h    \n") {
		t.Errorf("table:\n%s", out)
	}

	// A provider that never answers fails at --timeout, which the table
	// names.
	slow := &fakeTokens{ttl: time.Hour, hang: true}
	opts, out, _ = refreshTest(t, slow, nil)
	opts.Hosts, opts.Timeout = []string{"slow.fake.test"}, 100*time.Millisecond
	err := testenv.Returns(t, "refresh of a provider that never answers", func() error { return Run(context.Background(), opts) })
	if err == nil || !strings.Contains(err.Error(), "slow.fake.test") {
		t.Errorf("err = %v, want slow.fake.test named", err)
	}
	if !strings.Contains(out.String(), "no answer within 100ms") {
		t.Errorf("table does not name the 100ms bound:\n%s", out)
	}
}

func Test_refreshRunNothingKnown(t *testing.T) {
	t.Parallel()
	opts, out, errOut := refreshTest(t, &fakeTokens{ttl: time.Hour}, []inventory.Known{{Host: "static.example.com", Origin: inventory.OriginDocker}})
	if err := Run(context.Background(), opts); err != nil || out.Len() != 0 || !strings.Contains(errOut.String(), "No provider-served registries") {
		t.Errorf("err %v, stdout %q, stderr %q", err, out, errOut)
	}
	opts, out, _ = refreshTest(t, &fakeTokens{ttl: time.Hour}, nil)
	opts.JSON = true
	if err := Run(context.Background(), opts); err != nil || out.String() != "{\n  \"registries\": [],\n  \"failed\": []\n}\n" {
		t.Errorf("err %v, --json %q", err, out)
	}
}

// Test_refreshRunUnwritableCache: a token the cache cannot keep was not
// refreshed for later pulls; the registry fails, naming the cause.
func Test_refreshRunUnwritableCache(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "cache")
	if err := os.WriteFile(dir, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, out, _ := refreshTestIn(t, dir, &fakeTokens{ttl: time.Hour}, nil)
	opts.Hosts, opts.JSON = []string{"a.fake.test"}, true
	err := Run(context.Background(), opts)
	got := decodeRefresh(t, out)
	if err == nil || len(got.Registries) != 1 || got.Registries[0].Status != StatusFailed || !strings.Contains(got.Registries[0].Detail, "token cache") {
		t.Errorf("err %v, registries %+v; want a.fake.test failed on the cache", err, got.Registries)
	}
}
