// Package keystore keeps static registry secrets: the credentials a user
// stored with `docker login`, `regkey login` or `regkey setup`. Backends are
// the OS keyring (Secret Service, macOS Keychain, Windows Credential Manager
// through zalando/go-keyring), the standard pass store, and an encrypted file
// for machines with neither.
//
// Short-lived provider tokens never go here; they live in the token cache.
//
// Open picks a backend from Options and says which and why in Info:
//
//   - "os": zalando/go-keyring under service "regkey", one item per exact
//     server key holding {"username","secret"} JSON. go-keyring cannot
//     enumerate, so List reads an index of key → username
//     (DataDir/keyring-index.json, no secrets) kept in step under a file
//     lock. Every call is bounded by Options.Timeout (5 s by default). On
//     Linux a missing session bus is detected before godbus is touched, so
//     godbus never runs dbus-launch.
//   - "pass": entries under the store's regkey/ folder, one directory per
//     key (base64url) holding u-<base64url(username)>.gpg; the secret goes
//     to pass on stdin. List walks directories and never runs gpg.
//   - "file": one XChaCha20-Poly1305 sealed file, DataDir/credentials.enc,
//     keyed by REGKEY_FILE_KEY or by a random key file in ConfigDir.
//   - "auto" (the default): the file store when REGKEY_FILE_KEY is set,
//     else the OS keyring when it answers a two-second probe, else the file
//     store.
//
// Memory is a Store for other packages' tests, and keystoretest.Run checks
// any Store against the contract below.
//
// Errors: a missing credential wraps auth.ErrNotFound; a backend that cannot
// be used (no bus, locked or hung keyring, pass not initialised, wrong file
// key, damaged file) wraps auth.ErrUnavailable and says what is wrong and
// what to do; ErrWrongKey, ErrCorrupt, ErrUnsafePath, ErrTooLarge and
// ErrInvalidKey tell those cases apart. No error ever contains a secret.
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
