// Package resolve answers the credential-helper protocol's verbs for regkey:
// it is the helper.Backend that internal/cli hands to helper.Serve. It finds
// a credential for whatever key a client sends (docker's
// "https://index.docker.io/v1/", podman's "docker.io", crane's "HOST/REPO",
// docker logout's "http://HOST") by asking a dynamic source first (the
// provider router, when one is configured) and then the static keystore:
// the exact key, then the same registry under another spelling.
//
// Stores and erases use the exact key the client sent, so `list` shows what
// was stored and a client's erase removes what it stored. docker logout
// erases HOST, http://HOST and https://HOST in turn; podman logout sends the
// key it stored with. Exact erases therefore cover both, and an erase never
// removes a credential another client stored under a different spelling.
package resolve

import (
	"context"
	"errors"
	"fmt"
	"io"
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

// Erase removes the credential stored under exactly serverURL (trimmed). A
// key with nothing stored gives an error wrapping auth.ErrNotFound, which
// the protocol answers as success.
func (r *Resolver) Erase(ctx context.Context, serverURL string) error {
	key := strings.TrimSpace(serverURL)
	err := r.store.Delete(ctx, key)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keystore.ErrInvalidKey):
		// Nothing can be stored under a key the keystore refuses.
		return fmt.Errorf("erasing credentials for %q: %w", key, auth.ErrNotFound)
	default:
		return fmt.Errorf("erasing credentials for %s: %w", key, err)
	}
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
