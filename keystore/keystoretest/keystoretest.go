// Package keystoretest is a conformance suite for keystore.Store
// implementations, in the spirit of testing/fstest: every backend (memory,
// file, the real OS keyring, the real pass) runs the same checks, so they
// behave alike for the credential helper above them.
package keystoretest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/keystore"
)

// Run checks the Store contract. newStore must return an empty store that no
// other test uses; Run calls it once per subtest.
func Run(t *testing.T, newStore func(t *testing.T) keystore.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s keystore.Store)
	}{
		{"GetMissing", testGetMissing},
		{"DeleteMissing", testDeleteMissing},
		{"RoundTrip", testRoundTrip},
		{"Overwrite", testOverwrite},
		{"Delete", testDelete},
		{"ListExactKeys", testListExactKeys},
		{"Secrets", testSecrets},
		{"InvalidKey", testInvalidKey},
		{"TooLarge", testTooLarge},
		{"CanceledContext", testCanceledContext},
		{"ConcurrentOneKey", testConcurrentOneKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

// ctx returns a context that ends shortly before the test binary's deadline
// (go test -timeout), and never without one: gpg and D-Bus backends on a
// busy machine are slow, and how slow must not decide a verdict. (It is
// internal/testenv.Context, which this portable package cannot import.)
func ctx(t *testing.T) context.Context {
	d, ok := t.Deadline()
	if !ok {
		return context.Background()
	}
	margin := min(30*time.Second, time.Until(d)/2)
	c, cancel := context.WithDeadline(context.Background(), d.Add(-margin))
	t.Cleanup(cancel)
	return c
}

func mustSet(t *testing.T, s keystore.Store, key string, c auth.Credential) {
	t.Helper()
	if err := s.Set(ctx(t), key, c); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

func mustGet(t *testing.T, s keystore.Store, key string) auth.Credential {
	t.Helper()
	c, err := s.Get(ctx(t), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return c
}

func mustList(t *testing.T, s keystore.Store) map[string]string {
	t.Helper()
	m, err := s.List(ctx(t))
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return m
}

func testGetMissing(t *testing.T, s keystore.Store) {
	_, err := s.Get(ctx(t), "missing.example.com")
	if !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("Get of a missing key = %v, want an error wrapping auth.ErrNotFound", err)
	}
	if m := mustList(t, s); len(m) != 0 {
		t.Fatalf("List of an empty store = %v, want empty", m)
	}
}

func testDeleteMissing(t *testing.T, s keystore.Store) {
	mustSet(t, s, "kept.example.com", auth.Credential{Username: "u", Secret: "p"})
	if err := s.Delete(ctx(t), "missing.example.com"); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("Delete of a missing key = %v, want an error wrapping auth.ErrNotFound", err)
	}
	if diff := cmp.Diff(map[string]string{"kept.example.com": "u"}, mustList(t, s)); diff != "" {
		t.Fatalf("Delete of a missing key changed the store (-want +got):\n%s", diff)
	}
}

func testRoundTrip(t *testing.T, s keystore.Store) {
	cases := map[string]auth.Credential{
		"registry.example.com": {Username: "alice", Secret: "s3cret"},
		"localhost:5000":       {Username: auth.TokenUsername, Secret: "identity-token-value"},
	}
	for k, c := range cases {
		mustSet(t, s, k, c)
	}
	for k, want := range cases {
		if diff := cmp.Diff(want, mustGet(t, s, k)); diff != "" {
			t.Errorf("Get(%q) (-want +got):\n%s", k, diff)
		}
	}
	if got := mustGet(t, s, "localhost:5000"); !got.IsIdentityToken() {
		t.Errorf("identity token username came back as %q", got.Username)
	}
}

func testOverwrite(t *testing.T, s keystore.Store) {
	mustSet(t, s, "ghcr.io", auth.Credential{Username: "old", Secret: "old-secret"})
	mustSet(t, s, "ghcr.io", auth.Credential{Username: "new", Secret: "new-secret"})
	if diff := cmp.Diff(auth.Credential{Username: "new", Secret: "new-secret"}, mustGet(t, s, "ghcr.io")); diff != "" {
		t.Errorf("Get after overwrite (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"ghcr.io": "new"}, mustList(t, s)); diff != "" {
		t.Errorf("List after overwrite (-want +got):\n%s", diff)
	}
}

func testDelete(t *testing.T, s keystore.Store) {
	mustSet(t, s, "a.example.com", auth.Credential{Username: "a", Secret: "1"})
	mustSet(t, s, "b.example.com", auth.Credential{Username: "b", Secret: "2"})
	if err := s.Delete(ctx(t), "a.example.com"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Get(ctx(t), "a.example.com"); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("Get after Delete = %v, want auth.ErrNotFound", err)
	}
	if diff := cmp.Diff(map[string]string{"b.example.com": "b"}, mustList(t, s)); diff != "" {
		t.Errorf("List after Delete (-want +got):\n%s", diff)
	}
	if err := s.Delete(ctx(t), "a.example.com"); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("second Delete = %v, want auth.ErrNotFound", err)
	}
}

// exactKeys are spellings clients really send; none may be normalised into
// another, and keys differing only in a trailing slash or case are distinct.
var exactKeys = map[string]string{
	"https://index.docker.io/v1/":         "hub-user",
	"https://index.docker.io/v1":          "hub-no-slash",
	"docker.io":                           "hub-short",
	"host:5000/path":                      "repo-scoped",
	"host:5000":                           "host-port",
	"127.0.0.1:5101":                      "ip",
	"http://localhost:5102":               "http",
	"Registry.Example.COM/Org/Repo":       "mixed-case",
	"registry.example.com/org/repo/sub":   "deep",
	"[::1]:5000":                          "ipv6",
	"xn--bcher-kva.example:443/ns/name_1": "punycode",
}

func testListExactKeys(t *testing.T, s keystore.Store) {
	for k, u := range exactKeys {
		mustSet(t, s, k, auth.Credential{Username: u, Secret: "secret for " + k})
	}
	if diff := cmp.Diff(exactKeys, mustList(t, s)); diff != "" {
		t.Fatalf("List (-want +got):\n%s", diff)
	}
	for k, u := range exactKeys {
		want := auth.Credential{Username: u, Secret: "secret for " + k}
		if diff := cmp.Diff(want, mustGet(t, s, k)); diff != "" {
			t.Errorf("Get(%q) (-want +got):\n%s", k, diff)
		}
	}
}

func testSecrets(t *testing.T, s keystore.Store) {
	// 1500 bytes: more than any identity token, less than the smallest OS
	// keyring limit (Windows: 2560 bytes for the whole record).
	long := strings.Repeat("0123456789abcdef", 90) + "ü€𝄞"
	cases := map[string]auth.Credential{
		"unicode.example.com":   {Username: "jürgen", Secret: "pässwörd €𝄞 日本語"},
		"long.example.com":      {Username: "long", Secret: long},
		"special.example.com":   {Username: "a\"b\\c", Secret: " leading and trailing \n\t\"quotes\" \\ {json} "},
		"newline.example.com":   {Username: "n", Secret: "line1\nline2\n"},
		"empty.example.com":     {Username: "", Secret: ""},
		"emptyuser.example.com": {Username: "", Secret: "only-a-secret"},
	}
	for k, c := range cases {
		mustSet(t, s, k, c)
	}
	for k, want := range cases {
		if diff := cmp.Diff(want, mustGet(t, s, k)); diff != "" {
			t.Errorf("Get(%q) (-want +got):\n%s", k, diff)
		}
	}
}

func testInvalidKey(t *testing.T, s keystore.Store) {
	if err := s.Set(ctx(t), "", auth.Credential{Username: "u", Secret: "p"}); !errors.Is(err, keystore.ErrInvalidKey) {
		t.Errorf("Set with an empty key = %v, want keystore.ErrInvalidKey", err)
	}
	if _, err := s.Get(ctx(t), ""); !errors.Is(err, keystore.ErrInvalidKey) {
		t.Errorf("Get with an empty key = %v, want keystore.ErrInvalidKey", err)
	}
	if m := mustList(t, s); len(m) != 0 {
		t.Errorf("List after invalid Set = %v, want empty", m)
	}
}

func testTooLarge(t *testing.T, s keystore.Store) {
	big := auth.Credential{Username: "u", Secret: strings.Repeat("x", 70<<10)}
	if err := s.Set(ctx(t), "big.example.com", big); !errors.Is(err, keystore.ErrTooLarge) {
		t.Errorf("Set of a 70 KiB secret = %v, want keystore.ErrTooLarge", err)
	}
	if m := mustList(t, s); len(m) != 0 {
		t.Errorf("List after a refused Set = %v, want empty", m)
	}
}

func testCanceledContext(t *testing.T, s keystore.Store) {
	c, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Set(c, "canceled.example.com", auth.Credential{Username: "u", Secret: "p"}); err == nil {
		t.Errorf("Set with a canceled context succeeded")
	}
	if _, err := s.Get(c, "canceled.example.com"); err == nil || errors.Is(err, auth.ErrNotFound) {
		t.Errorf("Get with a canceled context = %v, want a context error", err)
	}
}
