package gitlab

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

// gitlabCom is what a job on gitlab.com sees.
var gitlabCom = map[string]string{
	"GITLAB_CI":                    "true",
	"CI_REGISTRY":                  "registry.gitlab.com",
	"CI_REGISTRY_USER":             "gitlab-ci-token",
	"CI_REGISTRY_PASSWORD":         "job-token-1",
	"CI_JOB_TOKEN":                 "job-token-1",
	"CI_DEPENDENCY_PROXY_SERVER":   "gitlab.com:443",
	"CI_DEPENDENCY_PROXY_USER":     "gitlab-ci-token",
	"CI_DEPENDENCY_PROXY_PASSWORD": "proxy-token",
}

// selfManaged is a self-managed instance with the registry on a port.
var selfManaged = map[string]string{
	"CI_REGISTRY":                "gitlab.example.com:5050",
	"CI_JOB_TOKEN":               "job-token-2",
	"CI_DEPENDENCY_PROXY_SERVER": "gitlab.example.com:443",
}

func TestMatchesEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  map[string]string
		key  string
		want bool
	}{
		{gitlabCom, "registry.gitlab.com", true},
		{gitlabCom, "Registry.GitLab.com", true},
		{gitlabCom, "registry.gitlab.com:443", true},
		{gitlabCom, "registry.gitlab.com/group/project/image", true},
		{gitlabCom, "https://registry.gitlab.com/v2/", true},
		{gitlabCom, "gitlab.com:443", true},
		{gitlabCom, "gitlab.com", true},
		{gitlabCom, "gitlab.com:5050", false},
		{gitlabCom, "registry.gitlab.com.evil.example", false},
		{gitlabCom, "evil.example/registry.gitlab.com", false},
		{gitlabCom, "xregistry.gitlab.com", false},
		{gitlabCom, "docker.io", false},
		{gitlabCom, "https://index.docker.io/v1/access-token", false},
		{selfManaged, "gitlab.example.com:5050", true},
		{selfManaged, "gitlab.example.com", true}, // the dependency proxy, :443 equivalence
		{selfManaged, "gitlab.example.com:5000", false},
		{map[string]string{"CI_REGISTRY": ""}, "registry.gitlab.com", false},
		{map[string]string{"CI_REGISTRY": "not a host"}, "not", false},
		{map[string]string{"CI_REGISTRY": "registry.example.com/group"}, "registry.example.com", false},
		// A CI_REGISTRY that is no ASCII host names no registry, even when
		// Unicode case rules would fold it onto one.
		{map[string]string{"CI_REGISTRY": "REG\u0130STRY.EXAMPLE.COM", "CI_JOB_TOKEN": "t"}, "registry.example.com", false},
		{map[string]string{"CI_DEPENDENCY_PROXY_SERVER": "gitlab.\u212Aom:443", "CI_JOB_TOKEN": "t"}, "gitlab.kom", false},
		{nil, "registry.gitlab.com", false},
	}
	for _, tt := range tests {
		if got := MatchesEnv(tt.env, authtest.Key(t, tt.key)); got != tt.want {
			t.Errorf("MatchesEnv(%v, %q) = %v, want %v", tt.env[EnvRegistry], tt.key, got, tt.want)
		}
	}
}

func TestGet(t *testing.T) {
	t.Parallel()
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name   string
		env    map[string]string
		key    string
		want   auth.Credential
		noCred bool
	}{
		{"registry", gitlabCom, "registry.gitlab.com", auth.Credential{Username: "gitlab-ci-token", Secret: "job-token-1"}, false},
		{"dependency proxy", gitlabCom, "gitlab.com:443", auth.Credential{Username: "gitlab-ci-token", Secret: "proxy-token"}, false},
		{"dependency proxy without port", gitlabCom, "gitlab.com", auth.Credential{Username: "gitlab-ci-token", Secret: "proxy-token"}, false},
		{
			"deploy-style user and password",
			with(gitlabCom, "CI_REGISTRY_USER", "deployer", "CI_REGISTRY_PASSWORD", "deploy-pw"),
			"registry.gitlab.com", auth.Credential{Username: "deployer", Secret: "deploy-pw"}, false,
		},
		{
			"password without user",
			with(nil, "CI_REGISTRY", "r.example", "CI_REGISTRY_PASSWORD", "pw"),
			"r.example", auth.Credential{Username: "gitlab-ci-token", Secret: "pw"}, false,
		},
		{
			"user without password falls back to the job token",
			with(nil, "CI_REGISTRY", "r.example", "CI_REGISTRY_USER", "u", "CI_JOB_TOKEN", "jt"),
			"r.example", auth.Credential{Username: "gitlab-ci-token", Secret: "jt"}, false,
		},
		{"job token only", selfManaged, "gitlab.example.com:5050", auth.Credential{Username: "gitlab-ci-token", Secret: "job-token-2"}, false},
		{"proxy falls back to the job token", selfManaged, "gitlab.example.com", auth.Credential{Username: "gitlab-ci-token", Secret: "job-token-2"}, false},
		{
			"same host for both: exact spelling picks the proxy",
			with(nil, "CI_REGISTRY", "gl.example", "CI_REGISTRY_PASSWORD", "reg",
				"CI_DEPENDENCY_PROXY_SERVER", "gl.example:443", "CI_DEPENDENCY_PROXY_PASSWORD", "proxy"),
			"gl.example:443", auth.Credential{Username: "gitlab-ci-token", Secret: "proxy"}, false,
		},
		{
			"same host for both: registry spelling picks the registry",
			with(nil, "CI_REGISTRY", "gl.example", "CI_REGISTRY_PASSWORD", "reg",
				"CI_DEPENDENCY_PROXY_SERVER", "gl.example:443", "CI_DEPENDENCY_PROXY_PASSWORD", "proxy"),
			"gl.example", auth.Credential{Username: "gitlab-ci-token", Secret: "reg"}, false,
		},
		{
			"rule-routed host uses the registry variables",
			with(gitlabCom), "127.0.0.1:5000", auth.Credential{Username: "gitlab-ci-token", Secret: "job-token-1"}, false,
		},
		{"no variables", map[string]string{"CI_REGISTRY": "r.example"}, "r.example", auth.Credential{}, true},
		{"nothing at all", nil, "r.example", auth.Credential{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := New(tt.env, nil)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := p.Get(context.Background(), authtest.Key(t, tt.key))
			if tt.noCred {
				if !errors.Is(err, providers.ErrNoCredentials) || !strings.Contains(err.Error(), "CI_JOB_TOKEN") {
					t.Fatalf("err = %v, want ErrNoCredentials naming CI_JOB_TOKEN", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, tok.Credential); diff != "" {
				t.Errorf("credential (-want +got):\n%s", diff)
			}
			if !tok.Expires.IsZero() {
				t.Errorf("Expires = %v, want zero", tok.Expires)
			}
		})
	}
}

func TestNewAndCacheKey(t *testing.T) {
	t.Parallel()
	if _, err := New(nil, map[string]string{"token_source": "env"}); err == nil || !strings.Contains(err.Error(), `unknown option "token_source"`) {
		t.Errorf("New with an option: err = %v", err)
	}
	p, err := New(gitlabCom, map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != "gitlab" {
		t.Errorf("Name = %q", p.Name())
	}
	// Job tokens are never cached: an empty key keeps the cache out of the way.
	if reg, proxy := p.CacheKey(authtest.Key(t, "registry.gitlab.com")), p.CacheKey(authtest.Key(t, "gitlab.com:443")); reg != "" || proxy != "" {
		t.Errorf("CacheKey registry %q, proxy %q; want empty (never cached)", reg, proxy)
	}
}
