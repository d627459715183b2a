// Package providers routes a registry host to the provider that owns it (ECR,
// ACR, Google, GHCR, GitLab, env) and defines what a provider is. Hosts no
// provider owns go to the static keystore.
package providers

import (
	"context"
	"errors"
	"time"

	"github.com/regkey/regkey/auth"
)

// Provider produces a credential for a registry host it owns.
//
// Get is called only with hosts the router assigned to the provider. It may
// be called concurrently. A provider with no credential source at all (no
// cloud identity configured) returns an error wrapping ErrNoCredentials with
// a one-line hint; any other error means the provider has credentials but
// failed, and the error names the cause without any secret in it.
type Provider interface {
	// Name is the provider's short name as used in config rules ("ecr").
	Name() string
	// CacheKey names what a token for key is valid for: the provider, the
	// identity (profile, role, tenant, client, service account) and, where
	// tokens are registry-specific, the registry (an ECR account and region,
	// an ACR registry). Two keys that may share a token return the same
	// string. An empty key means the provider's credentials are never
	// cached (static secrets from the environment or a CLI): the cache then
	// stays out of the way, with no lock and no cache directory. CacheKey
	// must be cheap: no network, no SDK configuration loading, no file
	// reads beyond what the environment already says; it runs on every
	// cache hit.
	CacheKey(key auth.Key) string
	// Get returns a credential for the registry named by key.
	Get(ctx context.Context, key auth.Key) (Token, error)
}

// Token is a credential a provider issued, with its lifetime.
type Token struct {
	auth.Credential
	// Expires is when the credential stops working; the zero time means
	// unknown or never (static env credentials), and such tokens are not cached.
	Expires time.Time
}

// ErrNoCredentials means the provider found no identity to use. The caller
// answers not-found so that public images still pull anonymously.
var ErrNoCredentials = errors.New("no credentials available")
