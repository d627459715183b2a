// Command front is a measurement device for BENCHMARKS.md, not part of
// regkey: it shows what a cached provider get would cost if the hit path
// lived in a binary that links no cloud SDK and no cobra (the "front"
// proposal in BENCHMARKS.md). It does a hit's work: read the key, snapshot
// the environment, load the settings file, read and check the token cache
// entry, answer through helper.Serve. It does not route: the cache key
// comes from $REGKEY_FRONT_CACHE_KEY (the bench copies it from the entry the
// real binary wrote), where a real front would compute it from the host,
// the environment and the rule. On a miss it answers not found.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/helper"
	"github.com/regkey/regkey/providers"
	"github.com/regkey/regkey/providers/tokencache"
)

func main() {
	env := config.EnvFromList(os.Environ())
	paths := config.PathsFor(env)
	b := &backend{
		cache: &tokencache.Cache{Dir: paths.CacheDir},
		key:   env.Get("REGKEY_FRONT_CACHE_KEY"),
	}
	if _, err := config.Load(paths.ConfigFile); err != nil {
		fmt.Fprintf(os.Stderr, "front: %v\n", err)
	}
	os.Exit(helper.Serve(context.Background(), helper.Program{Name: "docker-credential-regkey", Version: "front"},
		b, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// backend serves gets from the token cache only.
type backend struct {
	cache *tokencache.Cache
	key   string
}

func (b *backend) Get(ctx context.Context, serverURL string) (auth.Credential, error) {
	k, err := auth.ParseKey(serverURL)
	if err != nil {
		return auth.Credential{}, err
	}
	c, _, err := b.cache.Get(ctx, cacheOnly{key: b.key}, k)
	return c, err
}

func (b *backend) Store(context.Context, string, auth.Credential) error { return errors.ErrUnsupported }
func (b *backend) Erase(context.Context, string) error                  { return errors.ErrUnsupported }
func (b *backend) List(context.Context) (map[string]string, error)      { return map[string]string{}, nil }

// cacheOnly is a provider that never asks anyone: a miss is not found.
type cacheOnly struct{ key string }

func (p cacheOnly) Name() string             { return "front" }
func (p cacheOnly) CacheKey(auth.Key) string { return p.key }
func (p cacheOnly) Get(context.Context, auth.Key) (providers.Token, error) {
	return providers.Token{}, fmt.Errorf("front: cache miss: %w", auth.ErrNotFound)
}
