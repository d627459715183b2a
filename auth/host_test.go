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
	} {
		if k, err := ParseKey(in); err == nil {
			t.Errorf("ParseKey(%q) = %+v, want an error", in, k)
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

func FuzzParseKey(f *testing.F) {
	for _, s := range []string{"https://index.docker.io/v1/", "ghcr.io/o/i", "[::1]:5000", "a:1/b", "HTTP://X:443/v2/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKey(s)
		if err != nil {
			return
		}
		if k.Host == "" || strings.ContainsAny(k.Host, "/@ ") || k.Host != strings.ToLower(k.Host) {
			t.Fatalf("ParseKey(%q) gave bad host %q", s, k.Host)
		}
		again, err := ParseKey(k.Host)
		if err != nil || again.Host != k.Host {
			t.Fatalf("host %q of %q does not parse to itself: %+v %v", k.Host, s, again, err)
		}
	})
}
