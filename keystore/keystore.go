// Package keystore keeps static registry secrets: the credentials a user
// stored with `docker login`, `regkey login` or `regkey setup`. Backends are
// the OS keyring (Secret Service, macOS Keychain, Windows Credential Manager
// through zalando/go-keyring), the standard pass store, and an encrypted file
// for machines with neither.
//
// Short-lived provider tokens never go here; they live in the token cache.
package keystore

import (
	"context"

	"github.com/regkey/regkey/auth"
)

// Store holds credentials under the exact server key a client used.
//
// Implementations are safe for concurrent use by several goroutines and by
// several processes at once. Every method honours ctx and returns promptly
// when it is done: a backend that hangs (a locked keyring, a dead D-Bus) gives
// an error wrapping auth.ErrUnavailable instead.
type Store interface {
	// Get returns the credential stored under key, or an error wrapping
	// auth.ErrNotFound.
	Get(ctx context.Context, key string) (auth.Credential, error)
	// Set stores c under key, replacing any previous credential atomically:
	// a concurrent Get sees the old or the new credential, never a mix.
	Set(ctx context.Context, key string, c auth.Credential) error
	// Delete removes key. Deleting a key that is not stored returns an error
	// wrapping auth.ErrNotFound and changes nothing.
	Delete(ctx context.Context, key string) error
	// List returns every stored key with its username.
	List(ctx context.Context) (map[string]string, error)
}
