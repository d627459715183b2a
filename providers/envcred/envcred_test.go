package envcred

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

func TestEncode(t *testing.T) {
	t.Parallel()
	tests := []struct{ key, want string }{
		{"ghcr.io", "REGKEY_AUTH_GHCR_IO"},
		{"GHCR.IO", "REGKEY_AUTH_GHCR_IO"},
		{"127.0.0.1:5000", "REGKEY_AUTH_127_0_0_1_5000"},
		{"localhost:5000", "REGKEY_AUTH_LOCALHOST_5000"},
		{"my-registry.example.com", "REGKEY_AUTH_MY__REGISTRY_EXAMPLE_COM"},
		{"my.registry.example.com", "REGKEY_AUTH_MY_REGISTRY_EXAMPLE_COM"},
		{"xn--caf-dma.example", "REGKEY_AUTH_XN____CAF__DMA_EXAMPLE"},
		{"https://index.docker.io/v1/", "REGKEY_AUTH_DOCKER_IO"},
		{"registry-1.docker.io", "REGKEY_AUTH_DOCKER_IO"},
		{"[::1]:5000", "REGKEY_AUTH____1__5000"},
	}
	for _, tt := range tests {
		if got := AuthVar(authtest.Key(t, tt.key).Host); got != tt.want {
			t.Errorf("AuthVar(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
	if UsernameVar("a.b") != "REGKEY_USERNAME_A_B" || PasswordVar("a.b") != "REGKEY_PASSWORD_A_B" {
		t.Errorf("UsernameVar/PasswordVar: %q %q", UsernameVar("a.b"), PasswordVar("a.b"))
	}
}

func TestCheckHost(t *testing.T) {
	t.Parallel()
	for _, h := range []string{"ghcr.io", "ghcr.io:443", "docker.io", "127.0.0.1", "127.0.0.1:5000", "localhost:5000",
		"my-registry.example.com", "a--b.example", "xn--caf-dma.example", "[::1]", "[::1]:5000", "[fe80::1:2]:443", "r.example5",
		"5.example"} {
		if err := CheckHost(h); err != nil {
			t.Errorf("CheckHost(%q): %v", h, err)
		}
	}
	for _, h := range []string{
		"reg.example.5000", "reg.example.5000:80", "1.2.3", "1.2.3.4.5", "999.1.1.1", "localhost.5000", // read like a port
		"[::ffff:1.2.3.4]", "[::ffff:1.2.3.4]:5000", // like [::ffff:1:2:3:4]
		"my_reg.example", "Ghcr.io", "ghcr.\u0130o", "ghcr.io/owner", "index.docker.io/library/x", "", "https://ghcr.io",
	} {
		if err := CheckHost(h); err == nil {
			t.Errorf("CheckHost(%q) = nil, want an error", h)
		}
	}
}

// alikes returns the strings that encode like host but differ from it in
// one place: a one-'_' character for another, '-' for two of them, or two
// of them for '-'.
func alikes(host string) []string {
	singles := []string{".", ":", "[", "]", "_", "/", "\u0130"}
	var out []string
	for i := 0; i < len(host); i++ {
		pre, c := host[:i], host[i:i+1]
		switch {
		case strings.Contains(".:[]", c):
			for _, s := range singles {
				out = append(out, pre+s+host[i+1:])
			}
			if i+1 < len(host) && strings.Contains(".:[]", host[i+1:i+2]) {
				out = append(out, pre+"-"+host[i+2:])
			}
		case c == "-":
			for _, a := range singles {
				for _, b := range singles {
					out = append(out, pre+a+b+host[i+1:])
				}
			}
		}
	}
	return out
}

// FuzzEncodeOneToOne: two different hosts CheckHost accepts never get the
// same variable, so a secret exported for one is never read for another.
func FuzzEncodeOneToOne(f *testing.F) {
	for _, s := range []string{"reg.example:5000", "reg.example.5000", "1.2.3.4:5", "1.2.3.4.5", "my-reg.example", "my.reg.example",
		"[::ffff:1.2.3.4]", "[::ffff:1:2:3:4]", "[a::b]:1", "[a::b:1]", "[::1]:5000", "a--b.c", "a-b-c.d:443", "[1:2:3:4:5:6:7:8]:80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		if CheckHost(host) != nil {
			return
		}
		for _, other := range alikes(host) {
			if other != host && Encode(other) == Encode(host) && CheckHost(other) == nil {
				t.Fatalf("%q and %q both have variables and both encode as %s", host, other, Encode(host))
			}
		}
	})
}

func TestMatchesEnv(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"REGKEY_AUTH_127_0_0_1_5000":           "u:p",
		"REGKEY_AUTH_MY_REGISTRY_EXAMPLE_COM":  "u:p",
		"REGKEY_USERNAME_PAIR_EXAMPLE":         "u",
		"REGKEY_PASSWORD_HALF_EXAMPLE":         "p",
		"REGKEY_AUTH_GHCR_IO_443":              "u:p",
		"REGKEY_AUTH_EMPTY_EXAMPLE":            "",
		"regkey_auth_lower_example":            "u:p",
		"REGKEY_AUTH_BROKEN_EXAMPLE":           "no-colon",
		"REGKEY_AUTH_REGISTRY_EXAMPLE_COM_443": "u:p",
	}
	tests := []struct {
		key  string
		want bool
	}{
		{"127.0.0.1:5000", true},
		{"127.0.0.1:5000/some/repo", true},
		{"127.0.0.1:5001", false},
		{"127.0.0.1", false},
		{"my.registry.example.com", true},
		{"My.Registry.Example.Com", true},
		{"my-registry.example.com", false}, // hyphen encodes as "__": no leak to a look-alike domain
		{"my.registry-example.com", false},
		{"my.registry.example.com.evil.example", false},
		{"127.0.0.1.5000", false}, // reads like 127.0.0.1:5000: no variables
		{"127.0.0.1.5000/some/repo", false},
		{"evil.example/my.registry.example.com", false},
		{"pair.example", true},
		{"half.example", true}, // malformed, so that Get reports it
		{"ghcr.io", true},      // REGKEY_AUTH_GHCR_IO_443, by :443 equivalence
		{"ghcr.io:443", true},
		{"registry.example.com", true},
		{"empty.example", false},
		{"lower.example", false},
		{"broken.example", true},
		{"https://index.docker.io/v1/access-token", false},
	}
	for _, tt := range tests {
		if got := MatchesEnv(env, authtest.Key(t, tt.key)); got != tt.want {
			t.Errorf("MatchesEnv(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
	// auth.ParseKey refuses these hosts; a Key built by hand with one still
	// has no variable ('_' would read as '.', a non-ASCII letter as '_').
	for _, h := range []string{"my_registry.example.com", "my.reg\u0130stry.example.com", "my.registry\u2024example.com"} {
		if MatchesEnv(env, auth.Key{Raw: h, Host: h}) {
			t.Errorf("MatchesEnv(%q) = true, want false", h)
		}
	}
}

func TestGet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		opts    map[string]string
		key     string
		want    auth.Credential
		wantErr string // substring; "" for success
		noCred  bool
	}{
		{name: "auth var", env: map[string]string{"REGKEY_AUTH_127_0_0_1_5000": "ci:s3cret"}, key: "127.0.0.1:5000",
			want: auth.Credential{Username: "ci", Secret: "s3cret"}},
		{name: "secret with colons", env: map[string]string{"REGKEY_AUTH_R_EXAMPLE": "ci:a:b:c"}, key: "r.example",
			want: auth.Credential{Username: "ci", Secret: "a:b:c"}},
		{name: "trailing newline", env: map[string]string{"REGKEY_AUTH_R_EXAMPLE": "ci:pw\r\n"}, key: "r.example",
			want: auth.Credential{Username: "ci", Secret: "pw"}},
		{name: "identity token", env: map[string]string{"REGKEY_AUTH_R_EXAMPLE": "<token>:refresh"}, key: "r.example",
			want: auth.Credential{Username: "<token>", Secret: "refresh"}},
		{name: "pair", env: map[string]string{"REGKEY_USERNAME_R_EXAMPLE": "ci", "REGKEY_PASSWORD_R_EXAMPLE": "pw:with:colons"},
			key: "r.example", want: auth.Credential{Username: "ci", Secret: "pw:with:colons"}},
		{name: "auth var wins over the pair", key: "r.example",
			env:  map[string]string{"REGKEY_AUTH_R_EXAMPLE": "a:1", "REGKEY_USERNAME_R_EXAMPLE": "b", "REGKEY_PASSWORD_R_EXAMPLE": "2"},
			want: auth.Credential{Username: "a", Secret: "1"}},
		{name: "exact spelling wins over :443", key: "r.example:443",
			env:  map[string]string{"REGKEY_AUTH_R_EXAMPLE": "bare:1", "REGKEY_AUTH_R_EXAMPLE_443": "port:2"},
			want: auth.Credential{Username: "port", Secret: "2"}},
		{name: ":443 falls back to the bare host", key: "r.example:443",
			env:  map[string]string{"REGKEY_AUTH_R_EXAMPLE": "bare:1"},
			want: auth.Credential{Username: "bare", Secret: "1"}},
		{name: "docker hub", key: "docker.io", env: map[string]string{"REGKEY_AUTH_DOCKER_IO": "me:pat"},
			want: auth.Credential{Username: "me", Secret: "pat"}},
		{name: "no colon", env: map[string]string{"REGKEY_AUTH_R_EXAMPLE": "justsecret"}, key: "r.example",
			wantErr: "REGKEY_AUTH_R_EXAMPLE: want a value of the form user:secret"},
		{name: "empty user", env: map[string]string{"REGKEY_AUTH_R_EXAMPLE": ":secretvalue"}, key: "r.example", wantErr: "user:secret"},
		{name: "empty secret", env: map[string]string{"REGKEY_AUTH_R_EXAMPLE": "user:"}, key: "r.example", wantErr: "user:secret"},
		{name: "space in user", env: map[string]string{"REGKEY_AUTH_R_EXAMPLE": "a b:secretvalue"}, key: "r.example", wantErr: "white space"},
		{name: "password without user", env: map[string]string{"REGKEY_PASSWORD_R_EXAMPLE": "secretvalue"}, key: "r.example",
			wantErr: "REGKEY_PASSWORD_R_EXAMPLE is set but REGKEY_USERNAME_R_EXAMPLE is not"},
		{name: "user without password", env: map[string]string{"REGKEY_USERNAME_R_EXAMPLE": "ci"}, key: "r.example",
			wantErr: "REGKEY_USERNAME_R_EXAMPLE is set but REGKEY_PASSWORD_R_EXAMPLE is not"},
		{name: "lower-case name is not read", env: map[string]string{"regkey_auth_r_example": "u:p"}, key: "r.example", noCred: true},
		{name: "empty value is unset", env: map[string]string{"REGKEY_AUTH_R_EXAMPLE": ""}, key: "r.example", noCred: true},
		{name: "nothing", key: "r.example", noCred: true},
		{name: "rule auth_var", opts: map[string]string{"auth_var": "MY_SECRET"}, key: "anything.example",
			env:  map[string]string{"MY_SECRET": "ci:pw", "REGKEY_AUTH_ANYTHING_EXAMPLE": "other:x"},
			want: auth.Credential{Username: "ci", Secret: "pw"}},
		{name: "rule pair", opts: map[string]string{"username_var": "U", "password_var": "P"}, key: "x.example",
			env: map[string]string{"U": "ci", "P": "pw"}, want: auth.Credential{Username: "ci", Secret: "pw"}},
		{name: "rule var unset", opts: map[string]string{"auth_var": "MY_SECRET"}, key: "x.example", noCred: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := New(tt.env, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := p.Get(context.Background(), authtest.Key(t, tt.key))
			switch {
			case tt.noCred:
				if !errors.Is(err, providers.ErrNoCredentials) || !strings.Contains(err.Error(), "set ") {
					t.Fatalf("err = %v, want ErrNoCredentials with a hint", err)
				}
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
				}
				if errors.Is(err, providers.ErrNoCredentials) {
					t.Errorf("malformed value reported as no credentials: %v", err)
				}
				if strings.Contains(err.Error(), "secretvalue") || strings.Contains(err.Error(), "justsecret") {
					t.Errorf("error leaks the value: %v", err)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, tok.Credential); diff != "" {
					t.Errorf("credential (-want +got):\n%s", diff)
				}
				if !tok.Expires.IsZero() {
					t.Errorf("Expires = %v, want zero", tok.Expires)
				}
			}
		})
	}
}

func TestNewOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		opts    map[string]string
		wantErr string
	}{
		{nil, ""},
		{map[string]string{}, ""},
		{map[string]string{"auth_var": "CI_SECRET_1"}, ""},
		{map[string]string{"username_var": "U", "password_var": "P"}, ""},
		{map[string]string{"token_source": "env"}, `unknown option "token_source"`},
		{map[string]string{"auth_var": "1BAD"}, "not an environment variable name"},
		{map[string]string{"auth_var": "A-B"}, "not an environment variable name"},
		{map[string]string{"auth_var": ""}, "not an environment variable name"},
		{map[string]string{"auth_var": "A", "username_var": "U", "password_var": "P"}, "alternatives"},
		{map[string]string{"username_var": "U"}, "together"},
	}
	for _, tt := range tests {
		p, err := New(nil, tt.opts)
		if tt.wantErr == "" {
			if err != nil || p.Name() != "env" {
				t.Errorf("New(%v): %v", tt.opts, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("New(%v) err = %v, want containing %q", tt.opts, err, tt.wantErr)
		}
	}
}

// TestCacheKey: env credentials are never cached, so the key is empty and
// the token cache takes no lock and makes no directory for them.
func TestCacheKey(t *testing.T) {
	t.Parallel()
	env := map[string]string{"REGKEY_AUTH_R_EXAMPLE": "u:secret", "CI_AUTH": "u:s"}
	for _, opts := range []map[string]string{nil, {"auth_var": "CI_AUTH"}} {
		p, err := New(env, opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.CacheKey(authtest.Key(t, "r.example")); got != "" {
			t.Errorf("CacheKey with %v = %q, want empty (never cached)", opts, got)
		}
	}
}
