package tokencache

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/providers"
)

// The cross-process tests re-execute the test binary as a helper process
// that runs one Cache.Get with httpProvider, whose token requests are counted
// by a loopback HTTP server in the parent.

const (
	childEnv   = "TOKENCACHE_TEST_CHILD"
	dirEnv     = "TOKENCACHE_TEST_DIR"
	counterEnv = "TOKENCACHE_TEST_COUNTER"
	keyEnv     = "TOKENCACHE_TEST_KEY"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(child())
	}
	os.Exit(m.Run())
}

// child runs one Get and prints the secret it got.
func child() int {
	p := &httpProvider{url: os.Getenv(counterEnv), key: os.Getenv(keyEnv)}
	c := &Cache{Dir: os.Getenv(dirEnv), Warn: os.Stderr}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cred, _, err := c.Get(ctx, p, auth.Key{Raw: p.key, Host: p.key})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Print(cred.Secret)
	return 0
}

// httpProvider asks the parent's counter for each token.
type httpProvider struct{ url, key string }

func (p *httpProvider) Name() string             { return "counted" }
func (p *httpProvider) CacheKey(auth.Key) string { return "counted|" + p.key }
func (p *httpProvider) Get(ctx context.Context, k auth.Key) (providers.Token, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url+"?key="+p.key, nil)
	if err != nil {
		return providers.Token{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return providers.Token{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return providers.Token{}, err
	}
	return providers.Token{
		Credential: auth.Credential{Username: "AWS", Secret: string(body)},
		Expires:    time.Now().Add(12 * time.Hour),
	}, nil
}

// counter counts token requests per key. Each request is slow, so that the
// other processes arrive while the first one holds the key's lock.
type counter struct {
	mu     sync.Mutex
	counts map[string]int
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("key")
	c.mu.Lock()
	c.counts[key]++
	n := c.counts[key]
	c.mu.Unlock()
	time.Sleep(300 * time.Millisecond)
	fmt.Fprintf(w, "token-%s-%d", key, n)
}

func (c *counter) get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[key]
}

// runChildren starts one child per key, all at once, and returns their
// outputs in order.
func runChildren(t *testing.T, dir, url string, keys []string) []string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmds := make([]*exec.Cmd, len(keys))
	outs := make([]*bytes.Buffer, len(keys))
	errs := make([]*bytes.Buffer, len(keys))
	for i, key := range keys {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"=1", dirEnv+"="+dir, counterEnv+"="+url, keyEnv+"="+key,
			"HTTP_PROXY=", "http_proxy=", "NO_PROXY=127.0.0.1,localhost")
		outs[i], errs[i] = &bytes.Buffer{}, &bytes.Buffer{}
		cmd.Stdout, cmd.Stderr = outs[i], errs[i]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[i] = cmd
	}
	res := make([]string, len(keys))
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("child %d (%s): %v: %s", i, keys[i], err, errs[i])
		}
		if errs[i].Len() != 0 {
			t.Errorf("child %d wrote to stderr: %s", i, errs[i])
		}
		res[i] = outs[i].String()
	}
	return res
}

func TestProcessesShareOneColdKey(t *testing.T) {
	t.Parallel()
	cnt := &counter{counts: map[string]int{}}
	srv := httptest.NewServer(cnt)
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "cache")
	keys := make([]string, 20)
	for i := range keys {
		keys[i] = "one.example"
	}
	for i, got := range runChildren(t, dir, srv.URL, keys) {
		if got != "token-one.example-1" {
			t.Errorf("child %d got %q, want the first token", i, got)
		}
	}
	if n := cnt.get("one.example"); n != 1 {
		t.Fatalf("20 processes made %d token requests, want 1", n)
	}
}

func TestProcessesKeepEveryKey(t *testing.T) {
	t.Parallel()
	cnt := &counter{counts: map[string]int{}}
	srv := httptest.NewServer(cnt)
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "cache")
	keys := make([]string, 20)
	for i := range keys {
		keys[i] = fmt.Sprintf("reg%02d.example", i)
	}
	runChildren(t, dir, srv.URL, keys)
	for _, key := range keys {
		if n := cnt.get(key); n != 1 {
			t.Errorf("%s: %d token requests, want 1", key, n)
		}
		p := &httpProvider{key: key}
		e, ok := (&Cache{Dir: dir}).Lookup(p, auth.Key{Host: key})
		if !ok || e.Secret != "token-"+key+"-1" {
			t.Errorf("%s: cache entry %+v, %v; want the token", key, e, ok)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		if strings.Contains(filepath.Base(f), ".tmp-") {
			t.Errorf("temp file left behind: %s", f)
		}
	}
}
