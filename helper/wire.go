package helper

import (
	"errors"
	"fmt"
)

// Every string a client may read or match on lives in this file. The first
// three are compared by docker's client library (after TrimSpace), so they
// must never change.
const (
	// notFoundMessage is the not-found sentinel: docker and containers/image
	// treat it, on stdout with exit 1, as "no credentials here".
	notFoundMessage = "credentials not found in native keychain"
	// missingURLMessage answers a store without ServerURL, or an empty key.
	missingURLMessage = "no credentials server URL"
	// missingUserMessage answers a store without Username.
	missingUserMessage = "no credentials username"

	// usageFormat is printed for a wrong argument count and for --help.
	usageFormat = "Usage: %s <store|get|erase|list|version>"
	// unknownActionFormat is printed for a verb the protocol does not have.
	unknownActionFormat = "%s: unknown action: %s"
	// versionFormat is the reference library's version line:
	// name (package) version.
	versionFormat = "%s (%s) %s\n"
	// Package is the Go package path printed on the version line.
	Package = "github.com/regkey/regkey"
)

// Verbs of the protocol. Clients pass exactly one of them as the only
// argument.
const (
	ActionStore   = "store"
	ActionGet     = "get"
	ActionErase   = "erase"
	ActionList    = "list"
	ActionVersion = "version"
)

// Input limits. A store payload is a small JSON object and a key is a host
// with an optional repository path, so anything larger is a broken or
// hostile client; it is refused before anything is stored or looked up.
const (
	// MaxStoreInput caps the bytes read from stdin for store.
	MaxStoreInput = 1 << 20
	// MaxKeyInput caps the bytes read from stdin for get and erase. The
	// reference library reads one line of at most 64 KiB.
	MaxKeyInput = 64 << 10
)

// ErrMissingServerURL is the reference library's error for an empty server
// key. Its text is a wire contract.
var ErrMissingServerURL = errors.New(missingURLMessage)

// ErrMissingUsername is the reference library's error for a store without a
// username. Its text is a wire contract.
var ErrMissingUsername = errors.New(missingUserMessage)

// ErrInputTooLarge means stdin held more than the verb accepts.
var ErrInputTooLarge = errors.New("input too large")

// payload is the store request and the get answer. Field names and their
// order are the wire format: ServerURL, Username, Secret, with this casing.
type payload struct {
	ServerURL string
	Username  string
	Secret    string
}

// errMalformed reports a store payload that is not a JSON credentials
// object. It gives the byte offset, never the input, which holds a secret.
func errMalformed(offset int64, cause string) error {
	if offset > 0 {
		return fmt.Errorf("reading credentials from stdin: malformed JSON at byte %d: %s", offset, cause)
	}
	return fmt.Errorf("reading credentials from stdin: %s", cause)
}
