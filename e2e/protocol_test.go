package e2e

import (
	"encoding/json"
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

// assertStoreRefused stores payload through the built helper and checks the
// protocol's failure form: exit 1, exactly one line on stdout containing
// want, and no secret echoed.
func assertStoreRefused(t *testing.T, c *testenv.Client, payload []byte, want, secret string) {
	t.Helper()
	res := c.Run(t, payload, testenv.HelperName, "store")
	c.ResetHelperCalls(t)
	if res.ExitCode != 1 || strings.Count(res.Stdout, "\n") != 1 || !strings.HasSuffix(res.Stdout, "\n") || !strings.Contains(res.Stdout, want) {
		t.Errorf("store %q: exit %d, stdout %q; want exit 1 and one line containing %q", payload, res.ExitCode, res.Stdout, want)
	}
	if secret != "" && strings.Contains(res.Stdout+res.Stderr, secret) {
		t.Errorf("store %q echoed the secret", payload)
	}
}

// TestNonASCIIHostsRefused: a key whose host is not ASCII (a Unicode
// look-alike of a registry) is refused by store and by regkey login with one
// line naming the character, and nothing is stored; get answers not found.
func TestNonASCIIHostsRefused(t *testing.T) {
	t.Parallel()
	c := newProviderClient(t)
	for key, char := range map[string]string{
		"ghcr.\u0130o": "U+0130", "\u212Aube.example.com": "U+212A", "public.ecr.aw\u017f": "U+017F", "gcr.\u0131o": "U+0131",
		"https://reg\uff0eexample.com/v2/": "U+FF0E", "\uff47hcr.io/owner/img": "U+FF47", "ghcr.io.ev\u0130l.example:443": "U+0130",
	} {
		payload, _ := json.Marshal(cred{key, "user", "s3cret-for-" + char})
		assertStoreRefused(t, c, append(payload, '\n'), char, "s3cret-for-"+char)
		res := c.Run(t, []byte("s3cret-for-"+char+"\n"), "regkey", "login", "--no-verify", "-u", "user", "--password-stdin", key)
		if res.ExitCode != 2 || strings.Count(res.Stderr, "\n") != 1 || !strings.Contains(res.Stderr, char) {
			t.Errorf("regkey login %q: exit %d, stderr %q; want exit 2 and one line naming %s", key, res.ExitCode, res.Stderr, char)
		}
		if _, ok := helperGet(t, c, key); ok {
			t.Errorf("get %q found a credential", key)
		}
	}
	if list := helperList(t, c); len(list) != 0 {
		t.Errorf("refused stores and logins left %v", list)
	}
}

// TestStoreKeepsOnlyWhatAClientCanAskFor: store refuses a key that names no
// registry, or a repository path no client asks for, and a payload whose
// strings encoding/json would have changed (invalid UTF-8, a lone surrogate
// escape; both used to be stored as U+FFFD), with one line on stdout and
// exit 1, storing nothing. The keys and payloads real clients send (docker,
// podman, crane, oras, regctl; REFERENCE.md §1.5) are stored and read back
// unchanged.
func TestStoreKeepsOnlyWhatAClientCanAskFor(t *testing.T) {
	t.Parallel()
	const secret = "s3cret-never-stored"
	c := newProviderClient(t)
	for _, key := range []string{"{", "]", "-%", "[", "-", "a_b.example", "ghcr.io/{", "ghcr.io/Owner", "ghcr.io/a:latest", "quay.io//org"} {
		payload, _ := json.Marshal(cred{key, "user", secret})
		assertStoreRefused(t, c, append(payload, '\n'), "server key", secret)
	}
	for name, payload := range map[string]string{
		"invalid UTF-8 in the secret":    "{\"ServerURL\":\"utf8.example.test\",\"Username\":\"u\",\"Secret\":\"" + secret + "\xff\"}\n",
		"invalid UTF-8 in the key":       "{\"ServerURL\":\"utf8.example.test\xc3\",\"Username\":\"u\",\"Secret\":\"" + secret + "\"}\n",
		"invalid UTF-8 in the username":  "{\"ServerURL\":\"utf8.example.test\",\"Username\":\"\xed\xa0\x80\",\"Secret\":\"" + secret + "\"}\n",
		"lone surrogate in the secret":   `{"ServerURL":"utf8.example.test","Username":"u","Secret":"` + secret + `\ud800"}` + "\n",
		"lone surrogate in the username": `{"ServerURL":"utf8.example.test","Username":"\udc00","Secret":"` + secret + `"}` + "\n",
	} {
		want := "not valid UTF-8"
		if strings.Contains(name, "surrogate") {
			want = "lone UTF-16 surrogate"
		}
		t.Run(name, func(t *testing.T) { assertStoreRefused(t, c, []byte(payload), want, secret) })
	}
	if list := helperList(t, c); len(list) != 0 {
		t.Errorf("refused stores left %v", list)
	}

	// What clients send: docker's Hub key and its device-flow keys, login
	// keys with scheme, case and port, IPv6, identity tokens as docker
	// encodes them, and non-ASCII secrets and usernames.
	stored := map[string]cred{}
	for i, key := range []string{"https://index.docker.io/v1/", "https://index.docker.io/v1/access-token",
		"https://index.docker.io/v1/refresh-token", "docker.io", "registry-1.docker.io", "Ghcr.IO:443", "127.0.0.1:5000",
		"localhost", "LOCALHOST:5000", "[::1]:5000", "http://127.0.0.1:5001", "https://registry.example.test/", "quay.io/org",
		"gitlab.example.test:5050", "Foo.Example.COM"} {
		cr := cred{key, fmt.Sprintf("user-%d", i), fmt.Sprintf("secret-%d-pässwörd-€𝄞\uFFFD", i)}
		if i%3 == 0 {
			cr.Username = "<token>"
		}
		payload, _ := json.Marshal(cr) // escapes <token> as \u003ctoken\u003e, as docker does
		c.MustRun(t, append(payload, '\n'), testenv.HelperName, "store")
		stored[key] = cr
	}
	c.ResetHelperCalls(t)
	list := helperList(t, c)
	for key, want := range stored {
		if list[key] != want.Username {
			t.Errorf("list[%q] = %q, want %q", key, list[key], want.Username)
		}
		res := c.MustRun(t, []byte(key), testenv.HelperName, "get")
		var got cred
		if err := json.Unmarshal([]byte(res.Stdout), &got); err != nil || got != want {
			t.Errorf("get %q = %q, %v; want %+v", key, res.Stdout, err, want)
		}
	}
}
