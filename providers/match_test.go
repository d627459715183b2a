package providers

import (
	"testing"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/auth/authtest"
)

func TestHostIs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		raw  string
		want bool
	}{
		{"ghcr.io", true},
		{"GHCR.IO", true},
		{"https://ghcr.io/v2/", true},
		{"ghcr.io:443", true},
		{"ghcr.io/owner/img", true},
		{"ghcr.io:5000", false},
		{"ghcr.io.evil.example", false},
		{"evil.example/ghcr.io", false},
		{"xghcr.io", false},
		{"sub.ghcr.io", false},
	}
	for _, tc := range cases {
		if got := HostIs(authtest.Key(t, tc.raw), "ghcr.io"); got != tc.want {
			t.Errorf("HostIs(%q) = %v, want %v", tc.raw, got, tc.want)
		}
	}
}

func TestHostUnder(t *testing.T) {
	t.Parallel()
	cases := []struct {
		raw  string
		want bool
	}{
		{"us.gcr.io", true},
		{"a.b.gcr.io:443", true},
		{"gcr.io", false},
		{"xgcr.io", false},
		{"us.gcr.io.evil.example", false},
		{"us.gcr.io:8443", false},
		{"evil.example/us.gcr.io", false},
	}
	for _, tc := range cases {
		if got := HostUnder(authtest.Key(t, tc.raw), "gcr.io"); got != tc.want {
			t.Errorf("HostUnder(%q) = %v, want %v", tc.raw, got, tc.want)
		}
	}
	if HostUnder(auth.Key{Host: "docker.io", Opaque: true}, "io") {
		t.Error("opaque key matched")
	}
}

func TestHostPattern(t *testing.T) {
	t.Parallel()
	p := MustHostPattern(`^a|b\.example$`) // alternation must not escape the anchors
	for raw, want := range map[string]bool{
		"a":                 true,
		"b.example":         true,
		"a.evil":            false,
		"evil.b.example":    false,
		"b.example:443":     true,
		"b.example:444":     false,
		"evil.example/a":    false,
		"xb.example":        false,
		"B.EXAMPLE/v2/repo": true,
	} {
		if got := p.Matches(authtest.Key(t, raw)); got != want {
			t.Errorf("%s.Matches(%q) = %v, want %v", p, raw, got, want)
		}
	}
	for _, bad := range []string{`a\.example`, `^a\.example`, `a\.example$`, `^a\$`, `^`} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("MustHostPattern(%q) did not panic", bad)
				}
			}()
			MustHostPattern(bad)
		}()
	}
}
