package e2e

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/regkey/regkey/internal/testenv"
)

// TestConcurrentStores: 30 helper processes storing 30 registries at once
// all succeed, and every credential is there afterwards.
func TestConcurrentStores(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, c *testenv.Client) {
		const n = 30
		want := map[string]string{}
		secrets := map[string]string{}
		for i := range n {
			url := fmt.Sprintf("registry-%02d.example.test:5000", i)
			want[url] = fmt.Sprintf("user-%02d", i)
			secrets[url] = fmt.Sprintf("secret-%02d-%s", i, strings.Repeat("x", i))
		}
		results := make(map[string]testenv.Result, n)
		var mu sync.Mutex
		var wg sync.WaitGroup
		for url := range want {
			wg.Go(func() {
				in := fmt.Sprintf(`{"ServerURL":%q,"Username":%q,"Secret":%q}`+"\n", url, want[url], secrets[url])
				res := c.Run(t, []byte(in), testenv.HelperName, "store")
				mu.Lock()
				results[url] = res
				mu.Unlock()
			})
		}
		wg.Wait()
		for url, res := range results {
			if res.ExitCode != 0 {
				t.Errorf("store %s: exit %d\nstdout: %s\nstderr: %s", url, res.ExitCode, res.Stdout, res.Stderr)
			}
		}
		if diff := cmp.Diff(want, helperList(t, c)); diff != "" {
			t.Errorf("list after %d concurrent stores (-want +got):\n%s", n, diff)
		}
		for url := range want {
			if got, ok := helperGet(t, c, url); !ok || got.Username != want[url] || got.Secret != secrets[url] {
				t.Errorf("get %s = %+v, %v", url, got, ok)
			}
		}
	})
}

// TestBadInput: malformed or hostile input to the helper fails with exit 1
// and a message on stdout, never echoes a secret, and changes nothing.
func TestBadInput(t *testing.T) {
	t.Parallel()
	const secret = "s3cret-never-echoed"
	big := strings.Repeat("A", 4<<20)
	cases := []struct {
		name  string
		args  []string
		stdin string
		want  string // substring of stdout, if set
	}{
		{"malformed JSON", []string{"store"}, `{"ServerURL":"bad.example.test","Username":"u","Secret":"` + secret, ""},
		{"not an object", []string{"store"}, `["bad.example.test","u","` + secret + `"]`, ""},
		{"empty ServerURL", []string{"store"}, `{"ServerURL":"","Username":"u","Secret":"` + secret + `"}`, "no credentials server URL"},
		{"empty Username", []string{"store"}, `{"ServerURL":"bad.example.test","Username":"","Secret":"` + secret + `"}`, "no credentials username"},
		{"oversized store", []string{"store"}, `{"ServerURL":"bad.example.test","Username":"u","Secret":"` + secret + big + `"}`, ""},
		{"oversized get", []string{"get"}, big, ""},
		{"empty get", []string{"get"}, "", "no credentials server URL"},
		{"empty erase", []string{"erase"}, "", "no credentials server URL"},
		{"unknown verb", []string{"frobnicate"}, secret, "unknown action"},
		{"no verb", nil, "", "Usage"},
		{"two verbs", []string{"get", "store"}, "", "Usage"},
	}
	eachBackend(t, func(t *testing.T, c *testenv.Client) {
		helperStore(t, c, "kept.example.test", "keeper", "kept-secret")
		before := helperList(t, c)
		for _, tc := range cases {
			res := c.Run(t, []byte(tc.stdin), testenv.HelperName, tc.args...)
			if res.ExitCode != 1 {
				t.Errorf("%s: exit %d, want 1 (stdout %.200q)", tc.name, res.ExitCode, res.Stdout)
			}
			out := strings.TrimSpace(res.Stdout)
			if out == "" {
				t.Errorf("%s: no message on stdout (stderr %.200q)", tc.name, res.Stderr)
			}
			if len(out) > 1000 {
				t.Errorf("%s: %d bytes on stdout; input must not be echoed", tc.name, len(out))
			}
			if tc.want != "" && !strings.Contains(out, tc.want) {
				t.Errorf("%s: stdout %q, want it to contain %q", tc.name, out, tc.want)
			}
			if strings.Contains(res.Stdout+res.Stderr, secret) {
				t.Errorf("%s: the secret was echoed", tc.name)
			}
		}
		c.ResetHelperCalls(t)
		if diff := cmp.Diff(before, helperList(t, c)); diff != "" {
			t.Errorf("list changed by bad input (-before +after):\n%s", diff)
		}
		if got, ok := helperGet(t, c, "kept.example.test"); !ok || got.Secret != "kept-secret" {
			t.Errorf("kept credential = %+v, %v", got, ok)
		}
		if _, ok := helperGet(t, c, "bad.example.test"); ok {
			t.Error("bad input stored a credential")
		}
	})
}
