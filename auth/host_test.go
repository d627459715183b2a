package auth

import (
	"strings"
	"testing"
)

func TestParseKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, host, path string
		opaque         bool
	}{
		// docker's keys (REFERENCE §1.5)
		{in: "https://index.docker.io/v1/", host: "docker.io"},
		{in: "index.docker.io", host: "docker.io"},
		{in: "registry-1.docker.io", host: "docker.io"},
		{in: "docker.io", host: "docker.io"},
		{in: "registry.hub.docker.com", host: "docker.io"},
		{in: "https://registry-1.docker.io", host: "docker.io"},
		{in: "index.docker.io:443", host: "docker.io"},
		{in: "https://index.docker.io/v1/access-token", host: "docker.io", opaque: true},
		{in: "https://index.docker.io/v1/refresh-token", host: "docker.io", opaque: true},
		{in: "Ghcr.IO:443", host: "ghcr.io:443"},
		{in: "HTTPS://Ghcr.IO:443/x", host: "ghcr.io:443", path: "x"},
		{in: "127.0.0.1:5000", host: "127.0.0.1:5000"},
		{in: "http://127.0.0.1:5000", host: "127.0.0.1:5000"},
		{in: "http://127.0.0.1:5000/v2/", host: "127.0.0.1:5000"},
		{in: "localhost", host: "localhost"},
		{in: "LOCALHOST:5000", host: "localhost:5000"},
		{in: "Foo.Example.COM", host: "foo.example.com"},
		{in: "[::1]:5000", host: "[::1]:5000"},
		{in: "[::1]", host: "[::1]"},
		// crane and go-containerregistry send HOST/REPO first
		{in: "ghcr.io/owner/img", host: "ghcr.io", path: "owner/img"},
		{in: "index.docker.io/library/alpine", host: "docker.io", path: "library/alpine"},
		{in: "  127.0.0.1:5101/test/hello \n", host: "127.0.0.1:5101", path: "test/hello"},
		{in: "https://host.example/v1/", host: "host.example"},
	} {
		k, err := ParseKey(tc.in)
		if err != nil {
			t.Errorf("ParseKey(%q): %v", tc.in, err)
			continue
		}
		if k.Host != tc.host || k.Path != tc.path || k.Opaque != tc.opaque {
			t.Errorf("ParseKey(%q) = host %q path %q opaque %v; want %q %q %v", tc.in, k.Host, k.Path, k.Opaque, tc.host, tc.path, tc.opaque)
		}
		if k.Raw != strings.TrimSpace(tc.in) {
			t.Errorf("ParseKey(%q).Raw = %q", tc.in, k.Raw)
		}
	}
}

func TestParseKeyRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"", "   ", "user@ghcr.io", "https://user:pw@ghcr.io/x", "ftp://host", "host:port", "host:", "host:123456",
		".ghcr.io", "ghcr..io", "ghcr.io.", "[::1", "[nothex]:5000", "with space", "tab\there", "ghcr.io?x", "ghcr.io#x",
		"/path/only", "https://",
		// names no registry (store must refuse these; get answers not found)
		"{", "]", "-%", "[", "[]", "[::1]x", "-ghcr.io", "ghcr-.io", "ghcr.-io", "under_score.example", "a_b",
		"[1.2.3.4]", "[::1%25eth0]", "[::1%eth0]:5000", "ghcr.io:-1", "*.example.com", "ghcr.io\xff", "\xffghcr.io",
		// Unicode look-alikes: each would fold onto an ASCII host under
		// Unicode case rules (strings.ToLower, ToUpper, EqualFold)
		"ghcr.\u0130o", "GHCR.\u0130O", "gcr.\u0131o", "public.ecr.aw\u017f", "us-docker.p\u212Ag.dev",
		"https://ghcr.\u0130o/v2/", "ghcr.\u0130o/owner/img", "ghcr.\u0130o:443",
		// visual look-alikes that do not fold but are no ASCII host either
		"\uff47hcr.io", "ghcr\uff0eio", "ghcr\u3002io", "ghcr.i\u043e", "ghcr.io\u200b", "xn--ghcr-\u00e9.io",
	} {
		if k, err := ParseKey(in); err == nil {
			t.Errorf("ParseKey(%q) = %+v, want an error", in, k)
		}
	}
}

// TestParseKeyASCIIOnly: whatever a key holds, the host regkey matches on is
// lower-case ASCII, and ASCII case is the only case folded.
func TestParseKeyASCIIOnly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, host string }{
		{"GHCR.IO", "ghcr.io"},
		{"Registry-1.Docker.IO", "docker.io"},
		{"[::FFFF:7F00:1]:5000", "[::ffff:7f00:1]:5000"},
		{"xn--bcher-kva.example", "xn--bcher-kva.example"},
		{"a--b.example", "a--b.example"},
		{"1.2.3.4", "1.2.3.4"},
	} {
		k, err := ParseKey(tc.in)
		if err != nil || k.Host != tc.host {
			t.Errorf("ParseKey(%q) = %q, %v; want %q", tc.in, k.Host, err, tc.host)
		}
	}
	// The message names the character, so a look-alike is visible.
	_, err := ParseKey("ghcr.\u0130o")
	if err == nil || !strings.Contains(err.Error(), "U+0130") {
		t.Errorf("ParseKey of a U+0130 host: %v; want an error naming U+0130", err)
	}
}

func TestParseStoreKey(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		// everything real clients store (REFERENCE.md §1.5)
		"https://index.docker.io/v1/", "https://index.docker.io/v1/access-token", "https://index.docker.io/v1/refresh-token",
		"index.docker.io", "registry-1.docker.io", "docker.io", "ghcr.io", "Ghcr.IO:443", "127.0.0.1:5000", "localhost",
		"LOCALHOST:5000", "Foo.Example.COM", "[::1]:5000", "http://127.0.0.1:5000", "https://127.0.0.1:5000/",
		"quay.io/org", "ghcr.io/owner/img", "registry.example.com/a/b-c/d_e.f", "http://host.example/v2/",
	} {
		if _, err := ParseStoreKey(in); err != nil {
			t.Errorf("ParseStoreKey(%q): %v", in, err)
		}
	}
	for _, in := range []string{
		"{", "]", "-%", "ghcr.\u0130o", "ghcr.io/{", "ghcr.io/Owner", "ghcr.io/a//b", "ghcr.io/a?b", "ghcr.io/a:tag",
		"ghcr.io/a@sha256:00", "ghcr.io/\u00e9", "ghcr.io/%2e", "ghcr.io/a#b", "quay.io//org", "quay.io/org//",
	} {
		if k, err := ParseStoreKey(in); err == nil {
			t.Errorf("ParseStoreKey(%q) = %+v, want an error", in, k)
		}
	}
}

func TestParsePattern(t *testing.T) {
	t.Parallel()
	for in, host := range map[string]string{"*.pkg.example.com": "*.pkg.example.com", "Reg.*.Example:5000": "reg.*.example:5000"} {
		if k, err := ParsePattern(in); err != nil || k.Host != host {
			t.Errorf("ParsePattern(%q) = %q, %v; want %q", in, k.Host, err, host)
		}
	}
	for _, in := range []string{"*.\u0130o", "\u212A8s.*.example", "*_x.example", "-*.example"} {
		if k, err := ParsePattern(in); err == nil {
			t.Errorf("ParsePattern(%q) = %+v, want an error", in, k)
		}
	}
}

func TestSameRegistry(t *testing.T) {
	t.Parallel()
	must := func(s string) Key {
		k, err := ParseKey(s)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"https://index.docker.io/v1/", "docker.io", true},
		{"registry-1.docker.io", "index.docker.io", true},
		{"ghcr.io:443", "ghcr.io", true},
		{"GHCR.io", "ghcr.io/owner/x", true},
		{"ghcr.io:5000", "ghcr.io", false},
		{"ghcr.io.evil.example", "ghcr.io", false},
		{"https://index.docker.io/v1/access-token", "docker.io", false},
		{"https://index.docker.io/v1/access-token", "https://index.docker.io/v1/access-token", true},
		{"[::1]:443", "[::1]", true},
	} {
		if got := SameRegistry(must(tc.a), must(tc.b)); got != tc.want {
			t.Errorf("SameRegistry(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// FuzzParseKey: a host ParseKey returns is lower-case ASCII of the host
// rule's characters only, and parses to itself (ParseKey(k.Host).Host ==
// k.Host); a key ParseStoreKey accepts, ParseKey accepts with the same host.
func FuzzParseKey(f *testing.F) {
	for _, s := range []string{"https://index.docker.io/v1/", "ghcr.io/o/i", "[::1]:5000", "a:1/b", "HTTP://X:443/v2/",
		"ghcr.\u0130o", "\u212Aube.example", "gcr.\u0131o", "public.ecr.aw\u017f", "\uff47hcr.io", "ghcr\uff0eio",
		"https://index.docker.io/v1/access-token", "[::ffff:1.2.3.4]:443", "a-b.c--d.e:65535/x/y", "\xff", "{"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKey(s)
		if err != nil {
			if _, serr := ParseStoreKey(s); serr == nil {
				t.Fatalf("ParseStoreKey(%q) accepts what ParseKey refuses: %v", s, err)
			}
			return
		}
		if k.Host == "" {
			t.Fatalf("ParseKey(%q) gave an empty host", s)
		}
		for i := 0; i < len(k.Host); i++ {
			if c := k.Host[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte(".-:[]", c) >= 0) {
				t.Fatalf("ParseKey(%q) gave host %q with byte %q outside lower-case ASCII", s, k.Host, c)
			}
		}
		again, err := ParseKey(k.Host)
		if err != nil || again.Host != k.Host {
			t.Fatalf("host %q of %q does not parse to itself: %+v %v", k.Host, s, again, err)
		}
		if sk, err := ParseStoreKey(s); err == nil && (sk.Host != k.Host || sk.Path != k.Path) {
			t.Fatalf("ParseStoreKey(%q) = %+v, ParseKey = %+v", s, sk, k)
		}
	})
}
