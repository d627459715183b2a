package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/kubelet"
	"github.com/regkey/regkey/internal/resolve"
	"github.com/regkey/regkey/providers"
	"github.com/regkey/regkey/providers/tokencache"
)

// expirySource is resolve.Dynamic that also keeps the expiry of the token
// it answered with, for the kubelet's cacheDuration. Use one per lookup: it
// is not safe for concurrent use.
type expirySource struct {
	router  *providers.Router
	cache   *tokencache.Cache
	timeout time.Duration

	answered bool
	expires  time.Time
}

var _ resolve.Source = (*expirySource)(nil)

// Get implements resolve.Source as resolve.Dynamic does.
func (s *expirySource) Get(ctx context.Context, k auth.Key) (auth.Credential, bool, error) {
	route, err := s.router.Route(k)
	if err != nil {
		return auth.Credential{}, true, err
	}
	if route.Static() {
		return auth.Credential{}, false, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	c, exp, err := s.cache.Get(ctx, route.Provider, k)
	if err != nil {
		return auth.Credential{}, true, err
	}
	if c.Empty() {
		return auth.Credential{}, true, fmt.Errorf("%s %s: empty credential: %w", route.Name, k.Host, providers.ErrNoCredentials)
	}
	s.answered, s.expires = true, exp
	return c, true, nil
}

// credentialLookup answers what `docker-credential-regkey get` would answer
// for a key (providers first, then the keystore), with the token's expiry.
// It implements kubelet.Lookup and serves export.
type credentialLookup struct {
	f      *cmdutil.Factory
	router *providers.Router // nil: keystore only
	cache  *tokencache.Cache
}

// newCredentialLookup builds a lookup for f. When the settings file is
// unreadable it warns and answers from the keystore alone, as protocol mode
// does.
func newCredentialLookup(f *cmdutil.Factory) *credentialLookup {
	router, cache, err := f.ProviderParts()
	if err != nil {
		fmt.Fprintf(f.IO.ErrOut, "regkey: warning: registry providers are off: %v\n", cmderr.OneLine(err))
	}
	return &credentialLookup{f: f, router: router, cache: cache}
}

// Credential returns the credential for serverURL (a host, HOST/REPO or any
// key a client sends) and its expiry (zero when unknown). A miss wraps
// auth.ErrNotFound.
func (l *credentialLookup) Credential(ctx context.Context, serverURL string) (auth.Credential, time.Time, error) {
	c, exp, _, err := l.get(ctx, serverURL)
	return c, exp, err
}

// get is Credential that also reports whether a provider answered (rather
// than the keystore).
func (l *credentialLookup) get(ctx context.Context, serverURL string) (auth.Credential, time.Time, bool, error) {
	opts := resolve.Options{Stderr: l.f.IO.ErrOut}
	var src *expirySource
	if l.router != nil {
		src = &expirySource{router: l.router, cache: l.cache, timeout: resolve.DefaultProviderTimeout}
		opts.Dynamic = src
	}
	c, err := resolve.New(cmdutil.LazyKeystore(l.f), opts).Get(ctx, serverURL)
	if err != nil {
		return auth.Credential{}, time.Time{}, false, err
	}
	if src != nil && src.answered {
		return c, src.expires, true, nil
	}
	return c, time.Time{}, false, nil
}

// kubeletLookup is kubelet.Lookup over a credentialLookup.
type kubeletLookup struct{ l *credentialLookup }

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
func (l *credentialLookup) pathScoped(ctx context.Context, image string) bool {
	k, err := auth.ParseKey(image)
	if err != nil {
		return true
	}
	store, _, err := l.f.Keystore(ctx)
	if err != nil {
		return true
	}
	keys, err := store.List(ctx)
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
