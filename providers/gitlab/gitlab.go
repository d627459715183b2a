// Package gitlab provides credentials inside GitLab CI jobs for the
// project's container registry and the group dependency proxy, from the
// variables GitLab predefines in every job.
//
// Detection: a host is GitLab's when it is the host named by CI_REGISTRY
// (for example "registry.gitlab.com" or "gitlab.example.com:5050") or by
// CI_DEPENDENCY_PROXY_SERVER (which includes the port, "gitlab.com:443").
// The exact spelling matches, and so does the same host with ":443" added
// or dropped (auth.SameRegistry). GITLAB_CI=true is not required: GitLab
// sets these variables only in jobs, and requiring the marker would only
// get in the way of reproducing a job locally.
//
// Credentials:
//   - the CI_REGISTRY host: CI_REGISTRY_USER and CI_REGISTRY_PASSWORD, else
//     "gitlab-ci-token" and CI_JOB_TOKEN;
//   - the dependency proxy host: CI_DEPENDENCY_PROXY_USER and
//     CI_DEPENDENCY_PROXY_PASSWORD, else "gitlab-ci-token" and CI_JOB_TOKEN;
//   - any other host a user rule routes here: as for CI_REGISTRY.
//
// A password variable without its user variable is sent with the user
// "gitlab-ci-token". Job tokens live only as long as the job, so tokens are
// returned without an expiry and never cached.
//
// References:
//   - https://docs.gitlab.com/ee/user/packages/container_registry/authenticate_with_container_registry.html
//   - https://docs.gitlab.com/ee/ci/variables/predefined_variables.html
//   - https://docs.gitlab.com/ee/user/packages/dependency_proxy/
package gitlab

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/providers"
)

// Name is the provider's name in config rules.
const Name = "gitlab"

// JobTokenUser is the username GitLab expects with CI_JOB_TOKEN.
const JobTokenUser = "gitlab-ci-token"

// Environment variables GitLab predefines in CI jobs.
const (
	EnvRegistry       = "CI_REGISTRY"
	EnvRegistryUser   = "CI_REGISTRY_USER"
	EnvRegistryPass   = "CI_REGISTRY_PASSWORD"
	EnvProxyServer    = "CI_DEPENDENCY_PROXY_SERVER"
	EnvProxyUser      = "CI_DEPENDENCY_PROXY_USER"
	EnvProxyPass      = "CI_DEPENDENCY_PROXY_PASSWORD"
	EnvJobToken       = "CI_JOB_TOKEN"
	sourceRegistry    = "registry"
	sourceDependProxy = "dependency-proxy"
)

// MatchesEnv reports whether k is the registry or dependency proxy host that
// env's GitLab CI variables name. Opaque keys and unset or unparsable
// variables never match.
func MatchesEnv(env map[string]string, k auth.Key) bool {
	return source(env, k) != ""
}

// source says which set of variables serves k: sourceRegistry,
// sourceDependProxy, or "" when k is neither host. Exact spellings are
// tried before the :443 equivalence, and the registry before the proxy.
func source(env map[string]string, k auth.Key) string {
	if k.Opaque || k.Host == "" {
		return ""
	}
	reg, regOK := hostKey(env[EnvRegistry])
	proxy, proxyOK := hostKey(env[EnvProxyServer])
	switch {
	case regOK && reg.Host == k.Host:
		return sourceRegistry
	case proxyOK && proxy.Host == k.Host:
		return sourceDependProxy
	case regOK && auth.SameRegistry(reg, k):
		return sourceRegistry
	case proxyOK && auth.SameRegistry(proxy, k):
		return sourceDependProxy
	}
	return ""
}

// hostKey parses a host[:port] variable. Values with a repository path are
// not hosts and are ignored.
func hostKey(v string) (auth.Key, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return auth.Key{}, false
	}
	k, err := auth.ParseKey(v)
	if err != nil || k.Opaque || k.Path != "" {
		return auth.Key{}, false
	}
	return k, true
}

// Provider answers for GitLab CI registries. It is safe for concurrent use.
type Provider struct {
	env map[string]string
}

var _ providers.Provider = (*Provider)(nil)

// New returns the GitLab CI provider. env is the process environment
// snapshot; opts are a user rule's options (nil for built-in detection).
// The provider has no options; any option is an error.
func New(env map[string]string, opts map[string]string) (providers.Provider, error) {
	if len(opts) > 0 {
		names := make([]string, 0, len(opts))
		for k := range opts {
			names = append(names, k)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("gitlab: unknown option %q (the provider has no options)", names[0])
	}
	return &Provider{env: env}, nil
}

// Name returns "gitlab".
func (p *Provider) Name() string { return Name }

// CacheKey is empty: job tokens carry no expiry and are read from the
// environment on every get, so the token cache stays out of the way.
func (p *Provider) CacheKey(auth.Key) string { return "" }

func (p *Provider) sourceFor(k auth.Key) string {
	if s := source(p.env, k); s != "" {
		return s
	}
	return sourceRegistry
}

// Get returns the credential for k from the job's variables, or an error
// wrapping providers.ErrNoCredentials naming the variables to set.
func (p *Provider) Get(_ context.Context, k auth.Key) (providers.Token, error) {
	userVar, passVar := EnvRegistryUser, EnvRegistryPass
	if p.sourceFor(k) == sourceDependProxy {
		userVar, passVar = EnvProxyUser, EnvProxyPass
	}
	if pass := p.env[passVar]; pass != "" {
		user := p.env[userVar]
		if user == "" {
			user = JobTokenUser
		}
		return token(user, pass), nil
	}
	if tok := p.env[EnvJobToken]; tok != "" {
		return token(JobTokenUser, tok), nil
	}
	return providers.Token{}, fmt.Errorf("gitlab %s: %s and %s are unset (not in a GitLab CI job?): %w",
		k.Host, passVar, EnvJobToken, providers.ErrNoCredentials)
}

func token(user, secret string) providers.Token {
	return providers.Token{Credential: auth.Credential{Username: user, Secret: secret}}
}
