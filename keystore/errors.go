package keystore

import "github.com/regkey/regkey/auth"

// Sentinel errors of the keystore. Callers branch on them with errors.Is.
// Every one that means "this backend cannot be used as it is" also matches
// auth.ErrUnavailable, so code that only knows the auth vocabulary still
// reports a broken backend rather than a missing credential.
var (
	// ErrWrongKey means the encrypted file store was written with another key
	// than the one now configured (REGKEY_FILE_KEY or the key file), or the
	// key needed to read it is missing. The store file is left untouched.
	ErrWrongKey error = &sentinel{msg: "the file store key does not match the store", unavailable: true}
	// ErrCorrupt means a store or index file exists but cannot be parsed or
	// fails authentication. It is never overwritten automatically.
	ErrCorrupt error = &sentinel{msg: "the store file is damaged", unavailable: true}
	// ErrUnsafePath means a store, index or key file is a symlink, is not a
	// regular file, or can be read by other users; regkey refuses to use it.
	ErrUnsafePath error = &sentinel{msg: "unsafe store path", unavailable: true}
	// ErrTooLarge means a credential is larger than the backend can hold.
	ErrTooLarge error = &sentinel{msg: "credential too large"}
	// ErrInvalidKey means a server key is empty or not valid UTF-8 text.
	ErrInvalidKey error = &sentinel{msg: "invalid server key"}
)

// sentinel is an exported error value with its own text that can also match
// auth.ErrUnavailable.
type sentinel struct {
	msg         string
	unavailable bool
}

func (s *sentinel) Error() string { return s.msg }

// Is makes a sentinel that marks an unusable backend match auth.ErrUnavailable.
func (s *sentinel) Is(target error) bool {
	return s.unavailable && target == auth.ErrUnavailable
}

// unavailableError says that a backend cannot be reached or used, what is
// wrong and what to do. It matches auth.ErrUnavailable and unwraps to its
// cause, so errors.As still finds the underlying D-Bus or exec error.
type unavailableError struct {
	msg   string // what is wrong and what to do; never a secret
	cause error  // may be nil
}

func unavailable(msg string, cause error) error {
	return &unavailableError{msg: msg, cause: cause}
}

func (e *unavailableError) Error() string {
	if e.cause == nil {
		return e.msg
	}
	return e.msg + ": " + e.cause.Error()
}

func (e *unavailableError) Unwrap() error { return e.cause }

// Is reports a match with auth.ErrUnavailable.
func (e *unavailableError) Is(target error) bool { return target == auth.ErrUnavailable }
