// Package resolve answers the credential-helper protocol's verbs for regkey:
// it is the helper.Backend that internal/cli hands to helper.Serve. It finds
// a credential for whatever key a client sends (docker's
// "https://index.docker.io/v1/", podman's "docker.io", crane's "HOST/REPO",
// docker logout's "http://HOST") by asking a dynamic source first (the
// provider router, when one is configured) and then the static keystore:
// the exact key, then the same registry under another spelling.
//
// Stores use the exact key the client sent, so that `list` shows what was
// stored. An erase ends the login for what its key names, whoever stored it:
// it removes every stored key a get of that key would answer from (see
// ErasedBy), so that after docker logout the login podman stored as
// "docker.io" no longer answers docker, and the other way round.
//
// Lookup gives regkey's own commands (export, api, the kubelet plugin) the
// same answer as get, with the provider token's expiry.
package resolve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/keystore"
)

// Source is a dynamic credential source consulted before the keystore,
// such as the provider router (ECR, ACR, Google, GHCR…). Get reports
// whether the source owns the registry named by k; when it does not, cred
// and err are ignored.
//
// For an owned key: a nil error means cred is the answer; an error wrapping
// providers.ErrNoCredentials means the owner has no identity to use, and
// the keystore is asked instead; any other error means the owner is broken,
// and it is reported unless the keystore holds a credential for the key.
// Errors name the registry (providers prefix theirs with "<provider> <host>:"),
// so the resolver prints them as they are.
type Source interface {
	Get(ctx context.Context, k auth.Key) (cred auth.Credential, owned bool, err error)
}

// Options configure a Resolver. The zero value is keystore-only, with
// warnings discarded.
type Options struct {
	// Dynamic is asked before the keystore; nil means keystore only.
	Dynamic Source
	// Stderr receives warnings and hints for the person at the terminal
	// (clients pass the helper's stderr through). Nil discards them.
	Stderr io.Writer
}

// Resolver implements helper.Backend over a keystore and an optional
// dynamic source. It is safe for concurrent use when its keystore and source
// are.
type Resolver struct {
	store  keystore.Store
	dyn    Source
	stderr io.Writer
}

// New returns a Resolver over store.
func New(store keystore.Store, o Options) *Resolver {
	r := &Resolver{store: store, dyn: o.Dynamic, stderr: o.Stderr}
	if r.stderr == nil {
		r.stderr = io.Discard
	}
	return r
}

// Store saves c under the key exactly as the client sent it (trimmed), so
// that list shows that key and the client's own erase finds it. A key no
// client could ask for is refused (auth.ParseStoreKey): one that names no
// registry ("{", "]", "-%", a non-ASCII host) or whose repository path is
// not one.
func (r *Resolver) Store(ctx context.Context, serverURL string, c auth.Credential) error {
	k, err := auth.ParseStoreKey(serverURL)
	if err != nil {
		return fmt.Errorf("storing credentials: %w", err)
	}
	if err := r.store.Set(ctx, k.Raw, c); err != nil {
		return fmt.Errorf("storing credentials for %s: %w", k.Raw, err)
	}
	return nil
}

// Erase ends the login serverURL names: it removes the credential stored
// under exactly serverURL (trimmed) and every other stored key a get of
// serverURL would fall back to (ErasedBy), so that afterwards get finds
// nothing for it in the keystore under any spelling. A login stored for a
// repository path below serverURL's ("HOST/team-a" for "HOST") is another
// login and stays; so do Docker Hub's opaque access-token and refresh-token
// keys, which docker's logout erases by name.
//
// When nothing was stored under any of those keys the error wraps
// auth.ErrNotFound, which the protocol answers as success. A keystore that
// fails is an error naming the key, after every key that could be removed
// was.
func (r *Resolver) Erase(ctx context.Context, serverURL string) error {
	key := strings.TrimSpace(serverURL)
	removed, err := r.erase(ctx, key)
	switch {
	case err != nil:
		return fmt.Errorf("erasing credentials for %s: %w", key, err)
	case removed == 0:
		return fmt.Errorf("erasing credentials for %q: %w", key, auth.ErrNotFound)
	}
	return nil
}

// erase removes key and, when it names a registry, the stored keys that
// would answer it; it returns how many it removed.
func (r *Resolver) erase(ctx context.Context, key string) (int, error) {
	removed := 0
	switch err := r.store.Delete(ctx, key); {
	case err == nil:
		removed++
	case errors.Is(err, auth.ErrNotFound), errors.Is(err, keystore.ErrInvalidKey):
		// Nothing can be stored under a key the keystore refuses.
	default:
		return 0, err
	}
	k, err := auth.ParseKey(key)
	if err != nil || k.Opaque {
		return removed, nil // it names no registry: nothing else answers it
	}
	stored, err := r.store.List(ctx)
	if err != nil {
		return removed, fmt.Errorf("listing the other spellings: %w", err)
	}
	var errs []error
	for _, other := range candidates(k, stored) {
		switch err := r.store.Delete(ctx, other); {
		case err == nil:
			removed++
		case errors.Is(err, auth.ErrNotFound):
			// Erased by someone else since List: the outcome is the same.
		default:
			errs = append(errs, fmt.Errorf("%s: %w", other, err))
		}
	}
	return removed, errors.Join(errs...)
}

// ErasedBy returns, sorted, the keys of stored that an erase of k removes:
// k's own key and every other key a get of k falls back to (the same
// registry under another spelling, with a repository path that is k's or a
// parent of it). It is the one rule erase and `regkey logout` share: after
// those keys are gone, get finds nothing in the keystore for k.
func ErasedBy(k auth.Key, stored map[string]string) []string {
	var out []string
	if _, ok := stored[k.Raw]; ok {
		out = append(out, k.Raw)
	}
	if !k.Opaque {
		out = append(out, candidates(k, stored)...)
	}
	slices.Sort(out)
	return out
}

// List returns every key in the keystore with its username, exactly as
// stored. Dynamic registries are never listed: docker's legacy builder
// calls get for every listed key, and each would cost a token fetch.
func (r *Resolver) List(ctx context.Context) (map[string]string, error) {
	m, err := r.store.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing credentials: %w", err)
	}
	return m, nil
}

// warnf writes one warning line for the person at the terminal.
func (r *Resolver) warnf(format string, a ...any) {
	fmt.Fprintf(r.stderr, "regkey: warning: "+format+"\n", a...)
}
