package providers

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/regkey/regkey/auth"
)

// Keystore is the route name of the static keystore: hosts no provider owns,
// and hosts a rule sends there explicitly.
const Keystore = "keystore"

// Constructor builds a provider. opts are a rule's options, or nil for
// built-in detection. Constructors must be cheap: validate options, capture
// the environment, and leave SDK configuration, files and network to Get.
type Constructor func(opts map[string]string) (Provider, error)

// Detector is built-in detection for one provider: hosts for which Matches
// is true go to the provider called Name unless a user rule says otherwise.
type Detector struct {
	Name    string
	Matches func(k auth.Key) bool
}

// Route is where a registry key goes, and why.
type Route struct {
	// Name is the provider name, or Keystore.
	Name string
	// Provider is nil when Name is Keystore.
	Provider Provider
	// Rule is the user rule that matched, or nil for built-in detection and
	// for the default keystore route.
	Rule *Rule
}

// Static reports whether the key goes to the static keystore.
func (r Route) Static() bool { return r.Provider == nil }

// Reason says in a few words why the route was chosen, for `regkey status`.
func (r Route) Reason() string {
	switch {
	case r.Rule != nil:
		return fmt.Sprintf("rule %q", r.Rule.Match)
	case r.Provider != nil:
		return "built-in detection"
	default:
		return "no provider owns this host"
	}
}

// Router assigns registry keys to providers: user rules first (most
// specific match wins), then built-in detectors in their fixed order, and
// the static keystore for everything else. Providers are constructed on
// first use and then reused. A Router is safe for concurrent use.
type Router struct {
	rules     []routedRule
	detectors []routedDetector
}

type routedRule struct {
	rule Rule
	glob hostGlob
	lazy *lazyProvider // nil for Keystore rules
}

type routedDetector struct {
	det  Detector
	lazy *lazyProvider
}

type lazyProvider struct {
	once  sync.Once
	build func() (Provider, error)
	p     Provider
	err   error
}

func (l *lazyProvider) get() (Provider, error) {
	l.once.Do(func() { l.p, l.err = l.build() })
	return l.p, l.err
}

// NewRouter checks rules and detectors against the known constructors and
// returns a Router. Unknown provider names, malformed or duplicate match
// patterns are errors that name the rule.
func NewRouter(rules []Rule, detectors []Detector, constructors map[string]Constructor) (*Router, error) {
	r := &Router{}
	seen := map[string]string{}
	for i, ru := range rules {
		g, err := parseGlob(ru.Match)
		if err != nil {
			return nil, fmt.Errorf("registries[%d]: %w", i, err)
		}
		if prev, dup := seen[g.canonical()]; dup {
			return nil, fmt.Errorf("registries[%d]: match %q: same hosts as rule %q", i, ru.Match, prev)
		}
		seen[g.canonical()] = ru.Match
		rr := routedRule{rule: ru, glob: g}
		if ru.Provider != Keystore {
			ctor, ok := constructors[ru.Provider]
			if !ok {
				return nil, fmt.Errorf("registries[%d]: match %q: unknown provider %q (want one of %s)",
					i, ru.Match, ru.Provider, knownNames(constructors))
			}
			opts := ru.Options
			rr.lazy = &lazyProvider{build: func() (Provider, error) {
				p, err := ctor(opts)
				if err != nil {
					return nil, fmt.Errorf("rule %q, provider %s: %w", ru.Match, ru.Provider, err)
				}
				return p, nil
			}}
		}
		r.rules = append(r.rules, rr)
	}
	sort.SliceStable(r.rules, func(a, b int) bool { return moreSpecific(r.rules[a].glob, r.rules[b].glob) })
	for _, d := range detectors {
		ctor, ok := constructors[d.Name]
		if !ok || d.Matches == nil {
			return nil, fmt.Errorf("built-in detector %q has no provider", d.Name)
		}
		name := d.Name
		r.detectors = append(r.detectors, routedDetector{det: d, lazy: &lazyProvider{build: func() (Provider, error) {
			p, err := ctor(nil)
			if err != nil {
				return nil, fmt.Errorf("provider %s: %w", name, err)
			}
			return p, nil
		}}})
	}
	return r, nil
}

// knownNames lists the provider names a rule may use.
func knownNames(constructors map[string]Constructor) string {
	names := []string{Keystore}
	for n := range constructors {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// Route returns the route for k, building its provider on first use. The
// error is a provider that could not be constructed (bad rule options).
// Opaque keys (Docker Hub's access-token and refresh-token entries) always
// go to the keystore.
func (r *Router) Route(k auth.Key) (Route, error) {
	if k.Opaque || k.Host == "" {
		return Route{Name: Keystore}, nil
	}
	for i := range r.rules {
		rr := &r.rules[i]
		if !rr.glob.matches(k) {
			continue
		}
		rule := rr.rule
		if rr.lazy == nil {
			return Route{Name: Keystore, Rule: &rule}, nil
		}
		p, err := rr.lazy.get()
		if err != nil {
			return Route{}, err
		}
		return Route{Name: rule.Provider, Provider: p, Rule: &rule}, nil
	}
	for i := range r.detectors {
		rd := &r.detectors[i]
		if !rd.det.Matches(k) {
			continue
		}
		p, err := rd.lazy.get()
		if err != nil {
			return Route{}, err
		}
		return Route{Name: rd.det.Name, Provider: p}, nil
	}
	return Route{Name: Keystore}, nil
}

// Check builds the provider of every rule, so that bad rule options are
// reported at once (`regkey doctor`) rather than on the first get.
func (r *Router) Check() error {
	for i := range r.rules {
		if r.rules[i].lazy == nil {
			continue
		}
		if _, err := r.rules[i].lazy.get(); err != nil {
			return err
		}
	}
	return nil
}

// Rules returns the user rules in the order they are tried.
func (r *Router) Rules() []Rule {
	out := make([]Rule, len(r.rules))
	for i, rr := range r.rules {
		out[i] = rr.rule
	}
	return out
}
