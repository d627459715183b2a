package resolve

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/keystore"
	"github.com/regkey/regkey/providers"
)

// Get finds the credential for serverURL. In order:
//
//  1. A key that cannot name a registry is not found (never an error: crane
//     and podman abort on anything but the not-found answer).
//  2. The dynamic source, if it owns the registry (never for Docker Hub's
//     opaque access-token and refresh-token keys).
//  3. The keystore under the exact key.
//  4. The keystore under another spelling of the same registry: the stored
//     key with the longest repository path that is a prefix of the request's
//     path (HOST/A/B, then HOST/A, then HOST, as containers/image does), an
//     exact host before the :443 fallback, then the smallest key. Docker
//     Hub's spellings all name one registry.
//
// The keystore is listed only when the exact lookup misses. A keystore that
// fails is reported on Stderr and answered as not found, so that a locked
// keyring never makes podman or crane fail for images that need no
// credentials; the warning says why a private pull then gets a 401.
func (r *Resolver) Get(ctx context.Context, serverURL string) (auth.Credential, error) {
	k, err := auth.ParseKey(serverURL)
	if err != nil {
		return auth.Credential{}, fmt.Errorf("%w: %v", auth.ErrNotFound, err)
	}
	var ownerErr, noCreds error
	if r.dyn != nil && !k.Opaque {
		c, owned, err := r.dyn.Get(ctx, k)
		switch {
		case !owned:
		case err == nil:
			return c, nil
		case errors.Is(err, providers.ErrNoCredentials):
			// Nothing to use: a credential the user stored may still apply.
			noCreds = err
		default:
			ownerErr = err
		}
	}
	c, err := r.fromKeystore(ctx, k, ownerErr == nil)
	switch {
	case err == nil:
		if ownerErr != nil {
			r.warnf("%v; using the credential stored in the keystore", ownerErr)
		}
		return c, nil
	case ownerErr != nil:
		return auth.Credential{}, ownerErr
	default:
		if noCreds != nil && errors.Is(err, auth.ErrNotFound) {
			// One line, so a 401 on a private image explains itself.
			r.warnf("%v", noCreds)
		}
		return auth.Credential{}, err
	}
}

// fromKeystore looks k up in the keystore: the exact key, then the other
// spellings of its registry. Every failure comes back as not found; when
// warn is set, a broken keystore is reported on stderr first.
func (r *Resolver) fromKeystore(ctx context.Context, k auth.Key, warn bool) (auth.Credential, error) {
	c, err := r.store.Get(ctx, k.Raw)
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, auth.ErrNotFound) {
		return auth.Credential{}, r.broken(k, err, warn)
	}
	if k.Opaque {
		return auth.Credential{}, err
	}
	keys, err := r.store.List(ctx)
	if err != nil {
		return auth.Credential{}, r.broken(k, err, warn)
	}
	for _, cand := range candidates(k, keys) {
		c, err := r.store.Get(ctx, cand)
		switch {
		case err == nil:
			return c, nil
		case errors.Is(err, auth.ErrNotFound):
			continue // erased since List
		default:
			return auth.Credential{}, r.broken(k, err, warn)
		}
	}
	return auth.Credential{}, fmt.Errorf("%q: %w", k.Raw, auth.ErrNotFound)
}

// broken turns a keystore failure into not found, reporting it first
// unless the key was merely one the keystore cannot hold.
func (r *Resolver) broken(k auth.Key, err error, warn bool) error {
	if warn && !errors.Is(err, keystore.ErrInvalidKey) {
		r.warnf("cannot read the keystore for %s, answering \"not found\": %v", k.Raw, err)
		var h interface{ Hint() string }
		switch {
		case errors.As(err, &h) && h.Hint() != "":
			fmt.Fprintf(r.stderr, "hint: %s\n", h.Hint())
		case errors.Is(err, auth.ErrUnavailable):
			fmt.Fprintln(r.stderr, "hint: run `regkey doctor`, or choose another keystore with REGKEY_KEYSTORE=file|pass|os")
		}
	}
	return fmt.Errorf("%q: %w (keystore: %w)", k.Raw, auth.ErrNotFound, err)
}

// candidate is a stored key that names the same registry as a request.
type candidate struct {
	raw       string
	pathLen   int
	exactHost bool
}

// candidates returns the stored keys, other than req.Raw itself, that may
// answer req, best first.
func candidates(req auth.Key, stored map[string]string) []string {
	var cs []candidate
	for raw := range stored {
		if raw == req.Raw {
			continue
		}
		sk, err := auth.ParseKey(raw)
		if err != nil || sk.Opaque || !auth.SameRegistry(sk, req) || !covers(sk.Path, req.Path) {
			continue
		}
		cs = append(cs, candidate{raw: raw, pathLen: len(sk.Path), exactHost: sk.Host == req.Host})
	}
	slices.SortFunc(cs, func(a, b candidate) int {
		if a.pathLen != b.pathLen {
			return cmp.Compare(b.pathLen, a.pathLen)
		}
		if a.exactHost != b.exactHost {
			if a.exactHost {
				return -1
			}
			return 1
		}
		return strings.Compare(a.raw, b.raw)
	})
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.raw
	}
	return out
}

// covers reports whether a credential stored for repository path stored
// applies to a request for path req: the same path, a parent namespace at a
// "/" boundary, or the whole registry (empty path).
func covers(stored, req string) bool {
	return stored == "" || stored == req || strings.HasPrefix(req, stored+"/")
}
