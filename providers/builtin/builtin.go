// Package builtin wires every provider package into a providers.Router: the
// names user rules may use, and the built-in detectors in their fixed order.
// It is the only package that imports all providers (and their SDKs), so
// that the router and the providers stay independent of each other.
package builtin

import (
	"fmt"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/providers"
	"github.com/regkey/regkey/providers/acr"
	"github.com/regkey/regkey/providers/ecr"
	"github.com/regkey/regkey/providers/envcred"
	"github.com/regkey/regkey/providers/gcr"
	"github.com/regkey/regkey/providers/ghcr"
	"github.com/regkey/regkey/providers/gitlab"
)

// newFunc is the constructor every provider package exports.
type newFunc func(env map[string]string, opts map[string]string) (providers.Provider, error)

// constructors maps the provider names of config rules to their packages.
var constructors = map[string]newFunc{
	ecr.Name:       ecr.New,
	ecr.PublicName: ecr.NewPublic,
	"acr":          acr.New,
	"gcr":          gcr.New,
	ghcr.Name:      ghcr.New,
	gitlab.Name:    gitlab.New,
	envcred.Name:   envcred.New,
}

// Names returns the provider names a rule may use, "keystore" included.
func Names() []string {
	return append([]string{providers.Keystore}, detectorOrder...)
}

// detectorOrder is the order of built-in detection. Explicit environment
// variables named after a host (env), then GitLab CI's variables naming its
// registry (gitlab), come first: they are the user's or the CI system's own
// statement about one host. The cloud patterns after them are disjoint.
var detectorOrder = []string{envcred.Name, gitlab.Name, ecr.Name, ecr.PublicName, "acr", "gcr", ghcr.Name}

// detectors returns the built-in detectors bound to env.
func detectors(env map[string]string) []providers.Detector {
	match := map[string]func(auth.Key) bool{
		envcred.Name:   func(k auth.Key) bool { return envcred.MatchesEnv(env, k) },
		gitlab.Name:    func(k auth.Key) bool { return gitlab.MatchesEnv(env, k) },
		ecr.Name:       ecr.Matches,
		ecr.PublicName: ecr.MatchesPublic,
		"acr":          acr.Matches,
		"gcr":          gcr.Matches,
		ghcr.Name:      ghcr.Matches,
	}
	out := make([]providers.Detector, 0, len(detectorOrder))
	for _, name := range detectorOrder {
		out = append(out, providers.Detector{Name: name, Matches: match[name]})
	}
	return out
}

// NewRouter returns the router for env (the process environment snapshot)
// and the settings file's rules. Rules naming an unknown provider, or with
// a malformed or duplicate match, are errors naming the rule. Providers are
// built on first use; call Router.Check to validate every rule's options
// up front.
func NewRouter(env map[string]string, rules []config.Rule) (*providers.Router, error) {
	ctors := make(map[string]providers.Constructor, len(constructors))
	for name, fn := range constructors {
		ctors[name] = func(opts map[string]string) (providers.Provider, error) { return fn(env, opts) }
	}
	prs := make([]providers.Rule, len(rules))
	for i, r := range rules {
		prs[i] = providers.Rule{Match: r.Match, Provider: r.Provider, Options: r.Options}
	}
	r, err := providers.NewRouter(prs, detectors(env), ctors)
	if err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	return r, nil
}
