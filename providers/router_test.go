package providers

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/regkey/regkey/auth"
)

// named is a provider that only knows its name and options.
type named struct {
	name string
	opts map[string]string
}

func (n *named) Name() string             { return n.name }
func (n *named) CacheKey(auth.Key) string { return n.name }
func (n *named) Get(context.Context, auth.Key) (Token, error) {
	return Token{}, ErrNoCredentials
}

func ctors(built *atomic.Int32) map[string]Constructor {
	m := map[string]Constructor{}
	for _, name := range []string{"ecr", "acr", "gcr", "ghcr", "env"} {
		m[name] = func(opts map[string]string) (Provider, error) {
			built.Add(1)
			if opts["bad"] != "" {
				return nil, errors.New("unknown option \"bad\"")
			}
			return &named{name: name, opts: opts}, nil
		}
	}
	return m
}

var detectors = []Detector{
	{Name: "ghcr", Matches: func(k auth.Key) bool { return HostIs(k, "ghcr.io") }},
	{Name: "gcr", Matches: func(k auth.Key) bool { return HostIs(k, "gcr.io") || HostUnder(k, "gcr.io", "pkg.dev") }},
}

func TestRoute(t *testing.T) {
	t.Parallel()
	rules := []Rule{
		{Match: "*.example.com", Provider: "env"},
		{Match: "registry.example.com", Provider: "acr", Options: map[string]string{"tenant": "t"}},
		{Match: "*.pkg.example.com", Provider: "gcr"},
		{Match: "a.*.example.com", Provider: "ecr"},
		{Match: "mirror.example.com:5000", Provider: "keystore"},
		{Match: "HTTPS://Private.GHCR.IO", Provider: "ghcr"},
		{Match: "ghcr.io", Provider: "keystore"},
		{Match: "127.0.0.1:5000", Provider: "ecr"},
		{Match: "[::1]:5000", Provider: "acr"},
		{Match: "*.internal", Provider: "gcr"},
	}
	var built atomic.Int32
	r, err := NewRouter(rules, detectors, ctors(&built))
	if err != nil {
		t.Fatal(err)
	}
	if built.Load() != 0 {
		t.Fatalf("NewRouter built %d providers, want lazy construction", built.Load())
	}
	cases := []struct {
		raw, name, rule string
	}{
		{"registry.example.com", "acr", "registry.example.com"},
		{"https://REGISTRY.example.com/v2/", "acr", "registry.example.com"},
		{"registry.example.com:443", "acr", "registry.example.com"},
		{"registry.example.com:5000", Keystore, ""}, // ports never cross
		{"x.registry.example.com", "env", "*.example.com"},
		{"us.pkg.example.com", "gcr", "*.pkg.example.com"},
		{"a.b.pkg.example.com", "gcr", "*.pkg.example.com"},
		{"pkg.example.com", "env", "*.example.com"},
		{"a.x.example.com", "ecr", "a.*.example.com"},
		{"a.x.y.example.com", "ecr", "a.*.example.com"},
		{"example.com", Keystore, ""}, // "*" is one or more labels
		{"xexample.com", Keystore, ""},
		{"example.com.evil", Keystore, ""},
		{"mirror.example.com:5000", Keystore, "mirror.example.com:5000"},
		{"mirror.example.com", "env", "*.example.com"},
		{"private.ghcr.io", "ghcr", "HTTPS://Private.GHCR.IO"},
		{"ghcr.io", Keystore, "ghcr.io"}, // a keystore rule beats detection
		{"us.gcr.io", "gcr", ""},         // built-in detection
		{"us.gcr.io.evil.example", Keystore, ""},
		{"127.0.0.1:5000", "ecr", "127.0.0.1:5000"},
		{"127.0.0.1:5001", Keystore, ""},
		{"127.0.0.1", Keystore, ""},
		{"[::1]:5000", "acr", "[::1]:5000"},
		{"a.internal", "gcr", "*.internal"},
		{"internal", Keystore, ""},
		{"evil.example/registry.example.com", Keystore, ""},
	}
	for _, tc := range cases {
		k, err := auth.ParseKey(tc.raw)
		if err != nil {
			t.Fatalf("ParseKey(%q): %v", tc.raw, err)
		}
		got, err := r.Route(k)
		if err != nil {
			t.Fatalf("Route(%q): %v", tc.raw, err)
		}
		rule := ""
		if got.Rule != nil {
			rule = got.Rule.Match
		}
		if got.Name != tc.name || rule != tc.rule {
			t.Errorf("Route(%q) = %s by rule %q, want %s by rule %q", tc.raw, got.Name, rule, tc.name, tc.rule)
		}
		if got.Static() != (tc.name == Keystore) || (got.Provider != nil && got.Provider.Name() != tc.name) {
			t.Errorf("Route(%q) = %+v: provider does not agree with the name", tc.raw, got)
		}
		if got.Reason() == "" {
			t.Errorf("Route(%q): empty reason", tc.raw)
		}
	}
	if p, _ := r.Route(auth.Key{Host: "registry.example.com"}); p.Provider.(*named).opts["tenant"] != "t" {
		t.Error("rule options not handed to the constructor")
	}
	before := built.Load()
	r.Route(auth.Key{Host: "registry.example.com"})
	if built.Load() != before {
		t.Error("provider rebuilt on a second Route")
	}
	if got, _ := r.Route(auth.Key{Host: "docker.io", Opaque: true, Raw: auth.HubKey + "access-token"}); !got.Static() {
		t.Error("an opaque key was routed to a provider")
	}
}

func TestNewRouterErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		rule Rule
		want string
	}{
		{Rule{Match: "x.example.com", Provider: "nosuch"}, `unknown provider "nosuch" (want one of acr, ecr, env, gcr, ghcr, keystore)`},
		{Rule{Match: "reg*.example.com", Provider: "ecr"}, `must stand for whole labels`},
		{Rule{Match: "*.*", Provider: "ecr"}, `at least one literal label`},
		{Rule{Match: "*", Provider: "ecr"}, `at least one literal label`},
		{Rule{Match: "x.example.com/repo", Provider: "ecr"}, `not repositories`},
		{Rule{Match: "user@x.example.com", Provider: "ecr"}, `not a registry host`},
		{Rule{Match: "[::*]:5000", Provider: "ecr"}, `IPv6`},
		{Rule{Match: "x.example.com:port", Provider: "ecr"}, `port`},
		{Rule{Match: "", Provider: "ecr"}, `empty`},
	}
	for _, tc := range cases {
		var built atomic.Int32
		_, err := NewRouter([]Rule{{Match: "ok.example.com", Provider: "ecr"}, tc.rule}, nil, ctors(&built))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "registries[1]") {
			t.Errorf("NewRouter(%+v) = %v, want an error naming registries[1] and containing %q", tc.rule, err, tc.want)
		}
	}
	var built atomic.Int32
	_, err := NewRouter([]Rule{{Match: "X.example.com", Provider: "ecr"}, {Match: "x.example.com:443", Provider: "acr"}}, nil, ctors(&built))
	if err == nil || !strings.Contains(err.Error(), "same hosts") {
		t.Errorf("duplicate rules: %v", err)
	}
	_, err = NewRouter(nil, []Detector{{Name: "nosuch", Matches: func(auth.Key) bool { return true }}}, ctors(&built))
	if err == nil {
		t.Error("a detector without a constructor was accepted")
	}
}

func TestRouteConstructorError(t *testing.T) {
	t.Parallel()
	var built atomic.Int32
	r, err := NewRouter([]Rule{{Match: "x.example.com", Provider: "acr", Options: map[string]string{"bad": "1"}}}, nil, ctors(&built))
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Route(auth.Key{Host: "x.example.com"})
	if err == nil || !strings.Contains(err.Error(), `rule "x.example.com", provider acr: unknown option "bad"`) {
		t.Errorf("Route = %v", err)
	}
	if err := r.Check(); err == nil {
		t.Error("Check accepted bad options")
	}
}

func TestRulesMostSpecificFirst(t *testing.T) {
	t.Parallel()
	var built atomic.Int32
	r, err := NewRouter([]Rule{
		{Match: "*.example.com", Provider: "env"},
		{Match: "*.b.example.com", Provider: "env"},
		{Match: "a.*.example.com", Provider: "env"},
		{Match: "x.b.example.com", Provider: "env"},
		{Match: "*.*.example.com", Provider: "env"},
		{Match: "*.b.example.com:5000", Provider: "env"},
	}, nil, ctors(&built))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ru := range r.Rules() {
		got = append(got, ru.Match)
	}
	want := "x.b.example.com *.b.example.com:5000 *.b.example.com a.*.example.com *.example.com *.*.example.com"
	if strings.Join(got, " ") != want {
		t.Errorf("order = %s\nwant    %s", strings.Join(got, " "), want)
	}
}
