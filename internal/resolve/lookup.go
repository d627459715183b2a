package resolve

import (
	"context"
	"io"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/kubelet"
	"github.com/regkey/regkey/keystore"
	"github.com/regkey/regkey/providers"
	"github.com/regkey/regkey/providers/tokencache"
)

// expirySource is Dynamic that also keeps the expiry of the token it
// answered with, for the kubelet's cacheDuration. Use one per lookup: it is
// not safe for concurrent use.
type expirySource struct {
	router  *providers.Router
	cache   *tokencache.Cache
	timeout time.Duration

	answered bool
	expires  time.Time
}

var _ Source = (*expirySource)(nil)

// Get implements Source as Dynamic does.
func (s *expirySource) Get(ctx context.Context, k auth.Key) (auth.Credential, bool, error) {
	route, err := s.router.Route(k)
	if err != nil {
		return auth.Credential{}, true, err
	}
	if route.Static() {
		return auth.Credential{}, false, nil
	}
	c, exp, err := providerGet(ctx, route, s.cache, s.timeout, k)
	if err != nil {
		return auth.Credential{}, true, err
	}
	s.answered, s.expires = true, exp
	return c, true, nil
}

// Lookup answers what `docker-credential-regkey get` would answer for a key
// (providers first, then the keystore), with the token's expiry. It serves
// `regkey export`, `regkey api` and, through Kubelet, the kubelet plugin.
type Lookup struct {
	// Store is the keystore; callers pass one that opens on first use, so
	// that a provider-served registry never touches it.
	Store keystore.Store
	// Router routes registries to providers; nil means keystore only.
	Router *providers.Router
	// Cache is the provider token cache; required with Router.
	Cache *tokencache.Cache
	// Stderr receives the resolver's warnings; nil discards them.
	Stderr io.Writer
}

// Credential returns the credential for serverURL (a host, HOST/REPO or any
// key a client sends) and its expiry (zero when unknown). A miss wraps
// auth.ErrNotFound.
func (l *Lookup) Credential(ctx context.Context, serverURL string) (auth.Credential, time.Time, error) {
	c, exp, _, err := l.get(ctx, serverURL)
	return c, exp, err
}

// get is Credential that also reports whether a provider answered (rather
// than the keystore).
func (l *Lookup) get(ctx context.Context, serverURL string) (auth.Credential, time.Time, bool, error) {
	opts := Options{Stderr: l.Stderr}
	var src *expirySource
	if l.Router != nil {
		src = &expirySource{router: l.Router, cache: l.Cache, timeout: DefaultProviderTimeout}
		opts.Dynamic = src
	}
	c, err := New(l.Store, opts).Get(ctx, serverURL)
	if err != nil {
		return auth.Credential{}, time.Time{}, false, err
	}
	if src != nil && src.answered {
		return c, src.expires, true, nil
	}
	return c, time.Time{}, false, nil
}

// Kubelet returns l as a kubelet.Lookup.
func (l *Lookup) Kubelet() kubelet.Lookup { return kubeletLookup{l} }

// kubeletLookup is kubelet.Lookup over a Lookup.
type kubeletLookup struct{ l *Lookup }

var _ kubelet.Lookup = kubeletLookup{}

// Credential answers as `get` would for image. A keystore credential is
// marked PerImage when the keystore holds a credential for some repository
// path of the image's registry ("quay.io/org"): the registry's repositories
// may then need different credentials, so the kubelet must not cache the
// answer for the whole registry. Provider tokens serve a whole registry.
func (k kubeletLookup) Credential(ctx context.Context, image string) (kubelet.Found, error) {
	c, exp, fromProvider, err := k.l.get(ctx, image)
	if err != nil {
		return kubelet.Found{}, err
	}
	f := kubelet.Found{Credential: c, Expires: exp}
	if !fromProvider {
		f.PerImage = k.l.pathScoped(ctx, image)
	}
	return f, nil
}

// pathScoped reports whether the keystore holds a key with a repository
// path for the registry of image. When the keystore cannot be listed it
// says yes: answering per image is never wrong, only cached less.
func (l *Lookup) pathScoped(ctx context.Context, image string) bool {
	k, err := auth.ParseKey(image)
	if err != nil {
		return true
	}
	keys, err := l.Store.List(ctx)
	if err != nil {
		return true
	}
	for raw := range keys {
		sk, err := auth.ParseKey(raw)
		if err == nil && !sk.Opaque && sk.Path != "" && auth.SameRegistry(sk, k) {
			return true
		}
	}
	return false
}
