// Package auth holds the small vocabulary every other regkey package shares: a
// registry credential, the sentinel errors callers branch on, and the one
// function that turns whatever key a client sends into a registry host.
//
// It imports only the standard library, so that keystore, providers, helper and
// config can all depend on it without depending on each other.
package auth

import "errors"

// TokenUsername is the username docker and containers/image use to mark the
// secret as an OAuth2 refresh ("identity") token rather than a password.
// It is stored and returned unchanged.
const TokenUsername = "<token>"

// Credential is a username and secret for one registry. When Username is
// TokenUsername the secret is an identity token.
type Credential struct {
	Username string
	Secret   string
}

// IsIdentityToken reports whether c carries an identity token.
func (c Credential) IsIdentityToken() bool { return c.Username == TokenUsername }

// Empty reports whether c has neither a username nor a secret: clients treat
// that as anonymous access.
func (c Credential) Empty() bool { return c.Username == "" && c.Secret == "" }

// ErrNotFound means no credential is stored or available for the key. It is
// a normal answer, not a failure: clients fall back to anonymous access.
var ErrNotFound = errors.New("credentials not found")

// ErrUnavailable means a backend (a keyring, a password store, a token
// endpoint) could not be reached or is locked. Errors wrapping it say which
// backend and why.
var ErrUnavailable = errors.New("backend unavailable")
