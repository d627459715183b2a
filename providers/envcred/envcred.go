// Package envcred provides credentials from environment variables named
// after the registry host, for CI systems that hand secrets to jobs as
// variables (GitHub Actions secrets, GitLab CI/CD variables, Jenkins
// credentials bindings, Buildkite, CircleCI contexts...).
//
// For a registry host H (normalised as auth.ParseKey does, accepted by
// CheckHost, then encoded by Encode) it reads, in this order:
//
//  1. REGKEY_AUTH_<H> = "user:secret" (split at the first ':', so the
//     secret may contain ':' and the user may not);
//  2. REGKEY_USERNAME_<H> and REGKEY_PASSWORD_<H>, both required.
//
// For example REGKEY_AUTH_127_0_0_1_5000=ci:s3cret serves 127.0.0.1:5000,
// and REGKEY_AUTH_MY__REGISTRY_EXAMPLE_COM serves my-registry.example.com.
// Variables for the host as written are tried before those for the same
// host with ":443" added or dropped. Names are matched exactly, in upper
// case; a variable set to the empty string counts as unset (CI systems
// expand a missing secret to ""). One trailing newline is dropped from
// values, as secrets pasted from files often carry one.
//
// regkey derives the variable name from the host it is asked about and
// looks only that name up; it never reads a host out of a variable name, so
// a variable can only ever serve the hosts that encode to its name, and
// CheckHost keeps that to one host: a host whose name would also be another
// host's ("reg.example.5000", which reads like "reg.example:5000") has no
// variables.
//
// A user rule may instead name the variables explicitly with the options
// auth_var, or username_var and password_var.
package envcred

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/providers"
)

// Name is the provider's name in config rules.
const Name = "env"

// MatchesEnv reports whether env sets (to a non-empty value) any variable
// this package would read for k. It is true for malformed values too, so
// that Get reports them instead of another source answering silently.
func MatchesEnv(env map[string]string, k auth.Key) bool {
	for _, h := range spellings(k) {
		if varsFor(h).present(env) {
			return true
		}
	}
	return false
}

// Provider reads credentials from environment variables. It is safe for
// concurrent use.
type Provider struct {
	env   map[string]string
	fixed *varSet // variables named by a rule, or nil to derive from the host
}

var _ providers.Provider = (*Provider)(nil)

// New returns the env provider. env is the process environment snapshot;
// opts are a user rule's options (nil for built-in detection):
//
//	auth_var:     a variable holding "user:secret" for every matched host
//	username_var, password_var: a pair of variables (both required)
//
// Unknown options, invalid variable names and mixing auth_var with the
// pair are errors.
func New(env map[string]string, opts map[string]string) (providers.Provider, error) {
	p := &Provider{env: env}
	if len(opts) == 0 {
		return p, nil
	}
	var v varSet
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := opts[k]
		switch k {
		case "auth_var":
			v.auth = name
		case "username_var":
			v.user = name
		case "password_var":
			v.pass = name
		default:
			return nil, fmt.Errorf("env: unknown option %q (known: auth_var, username_var, password_var)", k)
		}
		if !validName(name) {
			return nil, fmt.Errorf("env: %s %q: not an environment variable name", k, name)
		}
	}
	switch {
	case v.auth != "" && (v.user != "" || v.pass != ""):
		return nil, fmt.Errorf("env: auth_var and username_var/password_var are alternatives; set one")
	case (v.user == "") != (v.pass == ""):
		return nil, fmt.Errorf("env: username_var and password_var must be set together")
	}
	p.fixed = &v
	return p, nil
}

// validName reports whether s is a portable variable name.
func validName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool {
		return !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
}

// Name returns "env".
func (p *Provider) Name() string { return Name }

// CacheKey is empty: env credentials carry no expiry and are read from the
// environment on every get, so the token cache stays out of the way.
func (p *Provider) CacheKey(auth.Key) string { return "" }

// Get returns the credential for k, an error naming the variable when its
// value is malformed (never the value), or an error wrapping
// providers.ErrNoCredentials naming the variable to set.
func (p *Provider) Get(_ context.Context, k auth.Key) (providers.Token, error) {
	candidates := []varSet{}
	if p.fixed != nil {
		candidates = append(candidates, *p.fixed)
	} else {
		for _, h := range spellings(k) {
			candidates = append(candidates, varsFor(h))
		}
	}
	for _, v := range candidates {
		if !v.present(p.env) {
			continue
		}
		c, err := v.read(p.env)
		if err != nil {
			return providers.Token{}, fmt.Errorf("env %s: %w", k.Host, err)
		}
		return providers.Token{Credential: c}, nil
	}
	hint := "set " + AuthVar(k.Host) + "=user:secret"
	switch {
	case p.fixed != nil && p.fixed.auth != "":
		hint = "set " + p.fixed.auth + "=user:secret"
	case p.fixed != nil:
		hint = "set " + p.fixed.user + " and " + p.fixed.pass
	case spellings(k) == nil:
		hint = "the host has no variable name"
		if err := CheckHost(k.Host); err != nil {
			hint += ": " + err.Error()
		}
	}
	return providers.Token{}, fmt.Errorf("env %s: %s: %w", k.Host, hint, providers.ErrNoCredentials)
}

// read parses the credential from the variables of v that are set.
func (v varSet) read(env map[string]string) (auth.Credential, error) {
	if val := env[v.auth]; v.auth != "" && val != "" {
		user, secret, ok := strings.Cut(trimNewline(val), ":")
		if !ok || user == "" || secret == "" {
			return auth.Credential{}, fmt.Errorf("%s: want a value of the form user:secret", v.auth)
		}
		if badUser(user) {
			return auth.Credential{}, fmt.Errorf("%s: the user part contains white space or control characters", v.auth)
		}
		return auth.Credential{Username: user, Secret: secret}, nil
	}
	user, secret := trimNewline(env[v.user]), trimNewline(env[v.pass])
	switch {
	case user == "":
		return auth.Credential{}, fmt.Errorf("%s is set but %s is not", v.pass, v.user)
	case secret == "":
		return auth.Credential{}, fmt.Errorf("%s is set but %s is not", v.user, v.pass)
	case badUser(user):
		return auth.Credential{}, fmt.Errorf("%s: contains white space or control characters", v.user)
	}
	return auth.Credential{Username: user, Secret: secret}, nil
}

// trimNewline drops one trailing "\n" or "\r\n".
func trimNewline(s string) string {
	s = strings.TrimSuffix(s, "\n")
	return strings.TrimSuffix(s, "\r")
}

func badUser(u string) bool {
	return strings.ContainsFunc(u, func(r rune) bool { return r <= ' ' || r == 0x7f })
}
