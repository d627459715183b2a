// Package refresh renews the cached tokens of provider-served registries
// (`regkey refresh`): it routes each registry, renews every token once
// (registries sharing a token are renewed together), a bounded number at
// once, each within a timeout, and prints a summary table or JSON.
package refresh

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/inventory"
	"github.com/regkey/regkey/providers"
	"github.com/regkey/regkey/providers/tokencache"
)

// Defaults of `regkey refresh`.
const (
	// DefaultJobs is how many registries refresh at once by default.
	DefaultJobs = 4
	// DefaultTimeout bounds one registry's refresh by default.
	DefaultTimeout = 30 * time.Second
)

// Statuses of one registry in `regkey refresh`.
const (
	StatusRefreshed = "refreshed" // a new token was obtained
	StatusFresh     = "fresh"     // --if-expiring-within: the cached token stays valid
	StatusSkipped   = "skipped"   // nothing to refresh (keystore registry, no provider credentials)
	StatusFailed    = "failed"    // the registry could not be refreshed
)

// Options are the inputs of one refresh.
type Options struct {
	// Out receives the summary; ErrOut progress and notes. ErrTTY means a
	// person watches ErrOut, who then sees progress (unless JSON).
	Out, ErrOut io.Writer
	ErrTTY      bool
	// Hosts are the registries named on the command line; none means every
	// provider-served registry regkey knows of (see Discover).
	Hosts []string
	// IfExpiringWithin, when positive, skips tokens that stay valid longer.
	IfExpiringWithin time.Duration
	// JSON prints the summary as JSON.
	JSON bool
	// Jobs bounds concurrent refreshes; Timeout bounds each one.
	Jobs    int
	Timeout time.Duration
	// Now is the clock.
	Now func() time.Time

	// Setup returns the router and the token cache.
	Setup func() (*providers.Router, *tokencache.Cache, error)
	// Discover lists the known hosts when none are named.
	Discover func(cache *tokencache.Cache) []inventory.Known
}

// Run refreshes the named registries, or every provider-served registry
// Discover finds, prints the summary and fails with a *cmderr.Partial
// naming the registries that failed.
func Run(ctx context.Context, opts *Options) error {
	router, cache, err := opts.Setup()
	if err != nil {
		return cmderr.WithHint(err, "fix the settings file (regkey doctor explains it)")
	}
	hosts := make([]inventory.Known, 0, len(opts.Hosts))
	for _, h := range opts.Hosts {
		hosts = append(hosts, inventory.Known{Host: h, Origin: inventory.OriginArgument})
	}
	if len(hosts) == 0 {
		hosts = opts.Discover(cache)
	}
	results := (&refresher{router: router, cache: cache, opts: opts}).run(ctx, hosts)
	if err := Print(opts, results); err != nil {
		return err
	}
	var failed []string
	for _, r := range results {
		if r.Status == StatusFailed {
			failed = append(failed, r.Host)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("refresh failed for %s: %w", strings.Join(failed, ", "), &cmderr.Partial{Failed: failed})
	}
	return nil
}

// Result is one registry's line of the summary (and of --json).
type Result struct {
	Host     string     `json:"host"`
	Provider string     `json:"provider,omitempty"`
	Origin   string     `json:"origin"`
	Status   string     `json:"status"`
	Expires  *time.Time `json:"expires,omitempty"`
	Detail   string     `json:"detail,omitempty"`
}

// refreshGroup is the registries that share one token: refreshed once.
type refreshGroup struct {
	route providers.Route
	key   auth.Key // the first registry's key, used for the refresh
	hosts []inventory.Known
}

// refresher runs one `regkey refresh`.
type refresher struct {
	router *providers.Router
	cache  *tokencache.Cache
	opts   *Options

	mu   sync.Mutex
	done int
}

// run refreshes hosts and returns one result per host, sorted by host.
func (r *refresher) run(ctx context.Context, hosts []inventory.Known) []Result {
	groups, results := r.plan(hosts)
	out := make(chan []Result, len(groups))
	sem := make(chan struct{}, max(r.opts.Jobs, 1))
	var wg sync.WaitGroup
	for _, g := range groups {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			res := r.refreshGroup(ctx, g)
			r.progress(len(groups), res)
			out <- res
		})
	}
	wg.Wait()
	close(out)
	for res := range out {
		results = append(results, res...)
	}
	sort.Slice(results, func(i, j int) bool { return results[i].Host < results[j].Host })
	return results
}

// plan routes each host and groups the provider-served ones by token. Hosts
// that cannot be refreshed at all come back as results: malformed or
// unroutable hosts fail, keystore hosts named on the command line are
// skipped, and keystore hosts found by discovery are left out.
func (r *refresher) plan(hosts []inventory.Known) ([]*refreshGroup, []Result) {
	var results []Result
	var groups []*refreshGroup
	byToken := map[string]*refreshGroup{}
	seen := map[string]bool{}
	for _, h := range hosts {
		k, err := auth.ParseKey(h.Host)
		if err == nil && k.Opaque {
			err = errors.New("not a registry host")
		}
		if err != nil {
			results = append(results, Result{Host: h.Host, Origin: h.Origin, Status: StatusFailed, Detail: err.Error()})
			continue
		}
		h.Host = k.Host
		if seen[k.Host] {
			continue
		}
		seen[k.Host] = true
		route, err := r.router.Route(k)
		switch {
		case err != nil:
			results = append(results, Result{Host: k.Host, Origin: h.Origin, Status: StatusFailed, Detail: err.Error()})
			continue
		case route.Static() && h.Origin == inventory.OriginArgument:
			results = append(results, Result{Host: k.Host, Provider: providers.Keystore, Origin: h.Origin,
				Status: StatusSkipped, Detail: "served by the keystore: no token to refresh"})
			continue
		case route.Static():
			continue
		}
		id := ""
		if !r.cache.Disabled {
			id = route.Provider.CacheKey(k)
		}
		if id == "" {
			id = "host\x00" + k.Host
		}
		id = route.Name + "\x00" + id
		g := byToken[id]
		if g == nil {
			g = &refreshGroup{route: route, key: k}
			byToken[id] = g
			groups = append(groups, g)
		}
		g.hosts = append(g.hosts, h)
	}
	return groups, results
}

// refreshGroup renews one token (unless --if-expiring-within finds it
// fresh) and reports it for every host of the group.
func (r *refresher) refreshGroup(ctx context.Context, g *refreshGroup) []Result {
	p := g.route.Provider
	res := Result{Provider: g.route.Name}
	now := r.opts.Now()
	if d := r.opts.IfExpiringWithin; d > 0 {
		if e, ok := r.cache.Lookup(p, g.key); ok && e.Expires.After(now.Add(d)) {
			res.Status, res.Expires = StatusFresh, &e.Expires
			res.Detail = "cached token valid beyond --if-expiring-within"
			return g.fanOut(res)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	e, err := r.cache.Renew(ctx, p, g.key)
	switch {
	case err == nil:
		res.Status = StatusRefreshed
		if !e.Expires.IsZero() {
			res.Expires = &e.Expires
		}
		switch {
		case e.Expires.IsZero():
			res.Detail = "token has no expiry; not cached"
		case r.cache.Disabled:
			res.Detail = "not cached (REGKEY_NO_CACHE=1)"
		}
	case errors.Is(err, providers.ErrNoCredentials) && !g.named():
		res.Status, res.Detail = StatusSkipped, cmderr.OneLine(err)
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		res.Status, res.Detail = StatusFailed, fmt.Sprintf("no answer within %v: %s", r.opts.Timeout, cmderr.OneLine(err))
	default:
		res.Status, res.Detail = StatusFailed, cmderr.OneLine(err)
	}
	return g.fanOut(res)
}

// named reports whether the user asked for one of the group's registries,
// on the command line or with a rule.
func (g *refreshGroup) named() bool {
	for _, h := range g.hosts {
		if h.Origin == inventory.OriginArgument || h.Origin == inventory.OriginRule {
			return true
		}
	}
	return false
}

// fanOut copies res for every host of the group.
func (g *refreshGroup) fanOut(res Result) []Result {
	out := make([]Result, len(g.hosts))
	for i, h := range g.hosts {
		out[i] = res
		out[i].Host, out[i].Origin = h.Host, h.Origin
	}
	return out
}

// progress reports a finished group on stderr when a person is watching.
func (r *refresher) progress(total int, res []Result) {
	if !r.opts.ErrTTY || r.opts.JSON || len(res) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done++
	fmt.Fprintf(r.opts.ErrOut, "[%d/%d] %s %s: %s\n", r.done, total, res[0].Provider, res[0].Host, res[0].Status)
}
