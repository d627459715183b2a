package ghcr

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/auth/authtest"
	"github.com/regkey/regkey/providers"
)

func TestMatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key  string
		want bool
	}{
		{"ghcr.io", true},
		{"GHCR.IO", true},
		{"Ghcr.Io:443", true},
		{"https://ghcr.io", true},
		{"https://ghcr.io/v2/", true},
		{"ghcr.io/owner/image", true},
		{"ghcr.io:5000", false},
		{"ghcr.io:80", false},
		{"ghcr.io.evil.example", false},
		{"evil.example/ghcr.io", false},
		{"xghcr.io", false},
		{"sub.ghcr.io", false},
		{"ghcr.iox", false},
		{"github.com", false},
		{"docker.pkg.github.com", false},
		{"docker.io", false},
		{"https://index.docker.io/v1/access-token", false},
	}
	for _, tt := range tests {
		if got := Matches(authtest.Key(t, tt.key)); got != tt.want {
			t.Errorf("Matches(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

func TestNewOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    map[string]string
		wantErr string
	}{
		{"nil", nil, ""},
		{"auto", map[string]string{"token_source": "auto"}, ""},
		{"empty source", map[string]string{"token_source": ""}, ""},
		{"env", map[string]string{"token_source": "env"}, ""},
		{"gh", map[string]string{"token_source": "gh"}, ""},
		{"keystore", map[string]string{"token_source": "keystore"}, ""},
		{"username", map[string]string{"username": "octocat"}, ""},
		{"bad source", map[string]string{"token_source": "GH"}, `token_source "GH"`},
		{"bad username", map[string]string{"username": "a:b"}, "username"},
		{"unknown", map[string]string{"aws_profile": "x"}, `unknown option "aws_profile"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := New(nil, tt.opts)
			if tt.wantErr == "" {
				if err != nil || p == nil {
					t.Fatalf("New: %v", err)
				}
				if p.Name() != "ghcr" {
					t.Errorf("Name = %q", p.Name())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New err = %v, want containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestGetFromEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		env    map[string]string
		opts   map[string]string
		want   auth.Credential
		noCred bool
	}{
		{
			name: "GITHUB_TOKEN with actor",
			env:  map[string]string{"GITHUB_TOKEN": "ghs_abc", "GITHUB_ACTOR": "octocat"},
			want: auth.Credential{Username: "octocat", Secret: "ghs_abc"},
		},
		{
			name: "GH_TOKEN wins over GITHUB_TOKEN",
			env:  map[string]string{"GITHUB_TOKEN": "ghs_abc", "GH_TOKEN": "ghp_pat"},
			want: auth.Credential{Username: PlaceholderUsername, Secret: "ghp_pat"},
		},
		{
			name: "empty GH_TOKEN is unset",
			env:  map[string]string{"GH_TOKEN": "  ", "GITHUB_TOKEN": "ghs_abc\n"},
			want: auth.Credential{Username: PlaceholderUsername, Secret: "ghs_abc"},
		},
		{
			name: "username option wins over actor",
			env:  map[string]string{"GITHUB_TOKEN": "ghs_abc", "GITHUB_ACTOR": "octocat"},
			opts: map[string]string{"username": "bot", "token_source": "env"},
			want: auth.Credential{Username: "bot", Secret: "ghs_abc"},
		},
		{
			name:   "env source without a token",
			env:    map[string]string{"PATH": "/usr/bin:/bin"},
			opts:   map[string]string{"token_source": "env"},
			noCred: true,
		},
		{
			name:   "keystore source ignores the env token",
			env:    map[string]string{"GITHUB_TOKEN": "ghs_abc"},
			opts:   map[string]string{"token_source": "keystore"},
			noCred: true,
		},
		{
			name:   "auto with no token and no gh on PATH",
			env:    map[string]string{"PATH": ""},
			noCred: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := New(tt.env, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := p.Get(context.Background(), authtest.Key(t, "ghcr.io"))
			if tt.noCred {
				if !errors.Is(err, providers.ErrNoCredentials) {
					t.Fatalf("Get err = %v, want ErrNoCredentials", err)
				}
				if secret := tt.env["GITHUB_TOKEN"]; secret != "" && strings.Contains(err.Error(), secret) {
					t.Errorf("error %q contains the token", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if diff := cmp.Diff(tt.want, tok.Credential); diff != "" {
				t.Errorf("credential (-want +got):\n%s", diff)
			}
			if !tok.Expires.IsZero() {
				t.Errorf("Expires = %v, want zero (not cached)", tok.Expires)
			}
		})
	}
}

// TestCacheKey: GHCR tokens are never cached, so the key is empty and the
// token cache takes no lock and makes no directory for them.
func TestCacheKey(t *testing.T) {
	t.Parallel()
	for _, opts := range []map[string]string{nil, {"token_source": "gh"}, {"token_source": "env", "username": "me"}} {
		p, err := New(map[string]string{"GITHUB_TOKEN": "secret-a"}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.CacheKey(authtest.Key(t, "ghcr.io")); got != "" {
			t.Errorf("CacheKey with %v = %q, want empty (never cached)", opts, got)
		}
	}
}
