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
	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/providers"
)

// The cross-process tests re-execute the test binary as a helper process
// that runs one Cache.Get with httpProvider, whose token requests are counted
// by a loopback HTTP server in the parent.

const (
	childEnv    = "TOKENCACHE_TEST_CHILD"
	dirEnv      = "TOKENCACHE_TEST_DIR"
	counterEnv  = "TOKENCACHE_TEST_COUNTER"
	keyEnv      = "TOKENCACHE_TEST_KEY"
	deadlineEnv = "TOKENCACHE_TEST_DEADLINE"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(child())
	}
	os.Exit(m.Run())
}

// child says it is ready, runs one Get and prints the secret it got. It is
// bounded by the parent test's deadline: it waits for its siblings.
func child() int {
	p := &httpProvider{url: os.Getenv(counterEnv), key: os.Getenv(keyEnv)}
	c := &Cache{Dir: os.Getenv(dirEnv), Warn: os.Stderr}
	deadline, err := time.Parse(time.RFC3339Nano, os.Getenv(deadlineEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if err := p.ready(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
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

// ready tells the counter that this process is about to ask for a token.
func (p *httpProvider) ready(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url+"/ready", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

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

// counter counts token requests per key. It answers none until every child
// has said it is ready (POST /ready), so that all of them are in Get, and
// those of a key another holds wait for its lock, while the first token
// requests are pending.
type counter struct {
	mu       sync.Mutex
	counts   map[string]int
	children int           // readies to wait for
	readies  int           // readies so far
	allReady chan struct{} // closed at the last ready
	stop     chan struct{} // closed when the test ends
}

// startCounter serves a counter for children on loopback until the test
// ends, and returns it with its URL.
func startCounter(t *testing.T, children int) (*counter, string) {
	c := &counter{counts: map[string]int{}, children: children, allReady: make(chan struct{}), stop: make(chan struct{})}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(c.stop) }) // first: Close waits for pending requests
	return c, srv.URL
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/ready" {
		c.mu.Lock()
		if c.readies++; c.readies == c.children {
			close(c.allReady)
		}
		c.mu.Unlock()
		return
	}
	key := r.URL.Query().Get("key")
	c.mu.Lock()
	c.counts[key]++
	n := c.counts[key]
	c.mu.Unlock()
	select {
	case <-c.allReady:
	case <-c.stop:
		return
	}
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
	deadline, ok := testenv.Context(t).Deadline()
	if !ok {
		deadline = time.Now().Add(time.Hour) // go test -timeout 0
	}
	for i, key := range keys {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"=1", dirEnv+"="+dir, counterEnv+"="+url, keyEnv+"="+key,
			deadlineEnv+"="+deadline.Format(time.RFC3339Nano),
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
	keys := make([]string, 20)
	for i := range keys {
		keys[i] = "one.example"
	}
	cnt, url := startCounter(t, len(keys))
	dir := filepath.Join(t.TempDir(), "cache")
	for i, got := range runChildren(t, dir, url, keys) {
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
	keys := make([]string, 20)
	for i := range keys {
		keys[i] = fmt.Sprintf("reg%02d.example", i)
	}
	cnt, url := startCounter(t, len(keys))
	dir := filepath.Join(t.TempDir(), "cache")
	runChildren(t, dir, url, keys)
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
