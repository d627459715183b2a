package resolve

import (
	"context"
	"fmt"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/providers"
	"github.com/regkey/regkey/providers/tokencache"
)

// DefaultProviderTimeout bounds one Dynamic.Get when the Dynamic sets none:
// the wait for another process's refresh plus one provider call (providers
// bound their own calls to about 20 s).
const DefaultProviderTimeout = 25 * time.Second

// Dynamic is the provider side of a get: a Source over the provider router
// and the token cache. internal/cli builds it with builtin.NewRouter and a
// tokencache.Cache over config.Paths.CacheDir.
//
// For a host no provider owns (or that a rule sends to the keystore) it
// reports owned=false and does nothing else: no provider is built, no SDK
// is loaded, no file is read. For an owned host the provider answers
// through the cache, and Resolver.Get decides about the keystore:
//
//   - a credential: the answer;
//   - an error wrapping providers.ErrNoCredentials (no identity at all, or
//     an empty credential): the keystore's entry, else not found;
//   - any other error (the provider failed, or the rule that routes the host
//     has bad options): the keystore's entry with a warning, else the error.
//
// A Dynamic is safe for concurrent use.
type Dynamic struct {
	// Router assigns hosts to providers. Required.
	Router *providers.Router
	// Cache keeps tokens between runs; nil asks the provider every time.
	Cache *tokencache.Cache
	// Timeout bounds one Get; zero means DefaultProviderTimeout.
	Timeout time.Duration
}

var _ Source = (*Dynamic)(nil)

// Get implements Source.
func (d *Dynamic) Get(ctx context.Context, k auth.Key) (auth.Credential, bool, error) {
	route, err := d.Router.Route(k)
	if err != nil {
		return auth.Credential{}, true, fmt.Errorf("%s: %w", k.Host, err)
	}
	if route.Static() {
		return auth.Credential{}, false, nil
	}
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = DefaultProviderTimeout
	}
	c, _, err := providerGet(ctx, route, d.Cache, timeout, k)
	return c, true, err
}

// providerGet asks route's provider for k through cache (nil: the provider
// itself), within timeout, and returns the credential and its expiry (zero
// when unknown). An empty credential is an error wrapping
// providers.ErrNoCredentials.
func providerGet(ctx context.Context, route providers.Route, cache *tokencache.Cache, timeout time.Duration, k auth.Key) (auth.Credential, time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var c auth.Credential
	var exp time.Time
	var err error
	if cache != nil {
		c, exp, err = cache.Get(ctx, route.Provider, k)
	} else {
		var t providers.Token
		t, err = route.Provider.Get(ctx, k)
		c, exp = t.Credential, t.Expires
	}
	if err != nil {
		return auth.Credential{}, time.Time{}, err
	}
	if c.Empty() {
		return auth.Credential{}, time.Time{}, fmt.Errorf("%s %s: empty credential: %w", route.Name, k.Host, providers.ErrNoCredentials)
	}
	return c, exp, nil
}
